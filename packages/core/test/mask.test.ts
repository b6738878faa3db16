import { describe, expect, it } from 'vitest';
import { maskDeep, maskIdentifier, maskText } from '../src/index.ts';

const ID = '110101199001011234';
const IDX = '11010119900101123X';
const MOBILE = '13812345678';

describe('maskText: IDs and mobiles between any non-digits', () => {
  const leaking: [string, string][] = [
    ['an attachment name', `附件4_${ID}.xlsx`],
    ['an annotated workbook name', `附件4_${ID}-标注.xlsx`],
    ['a Message-ID', `<ref_${ID}@example.cn>`],
    ['letters before and after', `ID${ID}abc`],
    ['an ID ending in X between letters', `no${IDX}ok`],
    ['a JSON-escaped line break', JSON.stringify(`第一行\n${ID}`)],
    ['a mobile after an underscore', `tel_${MOBILE}_ok`],
    ['a mobile as a mailbox', `${MOBILE}@139.com`],
  ];
  for (const [what, text] of leaking) {
    it(`masks ${what}`, () => {
      const masked = maskText(text);
      expect(masked).not.toContain(ID);
      expect(masked).not.toContain(IDX);
      expect(masked).not.toContain(MOBILE);
      expect(masked).toMatch(/\*{4}/);
    });
  }

  it('keeps the first six and last four of an ID, the first three and last four of a mobile', () => {
    expect(maskText(`附件4_${ID}.xlsx`)).toBe('附件4_110101********1234.xlsx');
    expect(maskText(`ref_${MOBILE}@x`)).toBe('ref_138****5678@x');
  });

  const legitimate = [
    '91110108MA01ABCD3X', // a credit code, letters within
    'LJ2025-130000-ABC123', // receipt number
    '2025-06-05T10:00:00+08:00',
    '20250605',
    '1733400000000', // a millisecond timestamp: 13 digits, not a mobile
    '1101011990010112345', // 19 digits: neither
    '第1期 30人 合计120000元',
  ];
  for (const text of legitimate) {
    it(`leaves ${text} alone`, () => expect(maskText(text)).toBe(text));
  }

  it('is idempotent', () => {
    const once = maskText(`附件4_${ID}_${MOBILE}.xlsx`);
    expect(maskText(once)).toBe(once);
  });
});

describe('maskDeep', () => {
  it('masks every string of a stored outcome except the properties kept', () => {
    const outcome = {
      messageId: `ref_${ID}@example.cn`,
      findings: [{ file: `附件4_${ID}.xlsx`, row: 3, message: `手机 ${MOBILE}` }],
      reply: { to: [`${MOBILE}@139.com`], subject: `Re: ${ID}`, attachments: [`附件4_${ID}-标注.xlsx`] },
      classes: [{ no: 1, accepted: 2 }],
      region: null,
    };
    const masked = maskDeep(outcome, new Set(['to']));
    const json = JSON.stringify({ ...masked, reply: { ...masked.reply, to: [] } });
    expect(json).not.toContain(ID);
    expect(json).not.toContain(MOBILE);
    expect(masked.reply.to).toEqual([`${MOBILE}@139.com`]);
    expect(masked.findings[0]).toEqual({
      file: '附件4_110101********1234.xlsx',
      row: 3,
      message: '手机 138****5678',
    });
    expect(masked.classes).toEqual(outcome.classes);
  });
});

describe('log lines', () => {
  it('mask an ID beside an underscore in any field, however it is nested or escaped', async () => {
    const { log, setLogSink } = await import('../src/index.ts');
    const lines: string[] = [];
    const prev = setLogSink({ write: (l) => lines.push(l) });
    try {
      log.info('inbound mail processed', {
        messageId: `ref_${ID}@example.cn`,
        error: new Error(`附件4_${ID}.xlsx\n${ID}`),
      });
    } finally {
      setLogSink(prev);
    }
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain(ID);
    expect(lines[0]).toContain('ref_110101********1234@example.cn');
  });
});

describe('maskIdentifier', () => {
  it('masks an ID number in a Message-ID but keeps digit runs that only look like a mobile', () => {
    expect(maskIdentifier('<ref_110101199003074512@x.cn>')).toBe('<ref_110101********4512@x.cn>');
    // A random id whose dashes make a phone-shaped run must still thread.
    const uuid = '<a1fbc138-4567-4890-8a1b-2c3d4e5f6a7b@test.example.cn>';
    expect(maskText(uuid)).not.toBe(uuid);
    expect(maskIdentifier(uuid)).toBe(uuid);
  });
});
