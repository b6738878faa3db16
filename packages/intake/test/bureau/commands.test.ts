/** The bureau's signed hold tokens and the commands an admin's mail is read as (no stack needed). */
import { describe, expect, it } from 'vitest';
import { testProgram } from '../../../../test/support/intake.ts';
import {
  bareSubject,
  fromBureau,
  holdTag,
  holdToken,
  parseBureauCommand,
  tokensIn,
  verifyHoldToken,
} from '../../src/bureau/index.ts';

const KEY = '0123456789abcdef0123456789abcdef01234567';

function mail(over: Partial<Parameters<typeof parseBureauCommand>[0]> = {}) {
  return { subject: '', text: '', inReplyTo: null, references: [], attachments: [], ...over };
}

describe('hold tokens', () => {
  it('is 16 base32 characters, fixed for a key and secret, and differs with either', () => {
    const t = holdToken('secret', KEY);
    expect(t).toMatch(/^[A-Z2-7]{16}$/);
    expect(holdToken('secret', KEY)).toBe(t);
    expect(holdToken('other', KEY)).not.toBe(t);
    expect(holdToken('secret', `${KEY.slice(0, -1)}8`)).not.toBe(t);
    expect(holdTag(t)).toBe(`[HOLD-${t}]`);
  });

  it('verifies only the right token, whatever its case', () => {
    const t = holdToken('secret', KEY);
    expect(verifyHoldToken('secret', KEY, t)).toBe(true);
    expect(verifyHoldToken('secret', KEY, t.toLowerCase())).toBe(true);
    expect(verifyHoldToken('other', KEY, t)).toBe(false);
    expect(verifyHoldToken('secret', KEY, `${t.slice(0, -1)}${t.endsWith('A') ? 'B' : 'A'}`)).toBe(false);
    expect(verifyHoldToken('secret', KEY, t.slice(1))).toBe(false);
  });

  it('finds tokens in a subject and in a Message-ID of In-Reply-To or References', () => {
    const t = holdToken('secret', KEY);
    expect(tokensIn([`Re: 【待确认】河北省 [HOLD-${t}]`])).toEqual([t]);
    expect(tokensIn([null, `<hold-${t.toLowerCase()}.0123456789ab@miitec.cn>`])).toEqual([t]);
    expect(tokensIn(['[HOLD-SHORT]', `HOLD-${t}X`])).toEqual([]);
  });
});

describe('who may command', () => {
  it('only an admin address whose authentication is aligned', async () => {
    const program = await testProgram();
    const auth = (from: string, aligned: boolean) => ({
      from,
      fromDomain: from.split('@')[1]!,
      aligned,
      dmarc: { result: null, domain: null, aligned: false },
      spf: { result: null, domain: null, aligned: false },
      dkim: { result: null, domain: null, aligned: false },
      reasons: [],
    });
    const admin = { address: 'Admin@example.gov.cn', name: '' };
    expect(fromBureau({ from: admin, authentication: auth('admin@example.gov.cn', true) }, program)).toBe(
      true,
    );
    expect(fromBureau({ from: admin, authentication: auth('admin@example.gov.cn', false) }, program)).toBe(
      false,
    );
    const other = { address: 'hbzxqy@163.com', name: '' };
    expect(fromBureau({ from: other, authentication: auth('hbzxqy@163.com', true) }, program)).toBe(false);
  });
});

describe('reading a command', () => {
  const t = holdToken('secret', KEY);
  it('同意 and 拒绝：原因 on the first line of a reply that carries a token', () => {
    const subject = `Re: 【待确认】河北省 [HOLD-${t}]`;
    expect(parseBureauCommand(mail({ subject, text: '\n同意\n\n> 以下邮件已暂存' }))).toEqual({
      kind: 'approve',
      tokens: [t],
    });
    expect(parseBureauCommand(mail({ subject, text: '拒绝：非本地区主管部门\n> 同意' }))).toEqual({
      kind: 'reject',
      tokens: [t],
      reason: '非本地区主管部门',
    });
    expect(parseBureauCommand(mail({ subject, text: '拒绝' })).kind).toBe('help');
    expect(parseBureauCommand(mail({ subject, text: '好的' })).kind).toBe('help');
  });

  it('without a token, 同意 is not an approval', () => {
    const c = parseBureauCommand(mail({ subject: 'Re: 【待确认】河北省', text: '同意' }));
    expect(c).toMatchObject({ kind: 'help' });
    expect((c as { note: string }).note).toContain('编号');
  });

  it('名额调整, 进度 and 名单 第N期 by subject or first line; anything else asks for help', () => {
    const sheet = {
      filename: '附件2-名额分配表.xlsx',
      contentType: 'x',
      content: new Uint8Array(),
      inline: false,
    };
    expect(parseBureauCommand(mail({ subject: '名额调整', attachments: [sheet] }))).toEqual({
      kind: 'quota',
      sheet,
    });
    expect(parseBureauCommand(mail({ subject: '名额调整' }))).toEqual({ kind: 'quota', sheet: undefined });
    expect(parseBureauCommand(mail({ text: '进度' }))).toEqual({ kind: 'status' });
    expect(parseBureauCommand(mail({ subject: '回复: 名单 第三期' }))).toEqual({
      kind: 'roster',
      classNo: 3,
    });
    expect(parseBureauCommand(mail({ text: '名单' }))).toEqual({ kind: 'roster', classNo: undefined });
    expect(parseBureauCommand(mail({ text: '名单 某期' })).kind).toBe('help');
    expect(parseBureauCommand(mail({ subject: '你好', text: '请问' }))).toEqual({ kind: 'help' });
    expect(bareSubject('Re: 回复：Fwd: 进度')).toBe('进度');
  });
});
