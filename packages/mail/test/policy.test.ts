import { describe, expect, it } from 'vitest';
import {
  authenticateSender,
  type ReceiptVerdicts,
  replyRecipient,
  trustedSender,
  verdictPolicy,
} from '../src/index.ts';

const PASS = { status: 'PASS' };
const base = {
  spamVerdict: PASS,
  virusVerdict: PASS,
  spfVerdict: PASS,
  dkimVerdict: PASS,
  dmarcVerdict: PASS,
};

describe('verdictPolicy (spec §5)', () => {
  const table: [string, Partial<Record<keyof ReceiptVerdicts, string>>, 'quarantine' | 'ok'][] = [
    ['all pass', {}, 'ok'],
    ['spam FAIL', { spamVerdict: 'FAIL' }, 'quarantine'],
    ['virus FAIL', { virusVerdict: 'FAIL' }, 'quarantine'],
    ['SPF FAIL alone', { spfVerdict: 'FAIL' }, 'ok'],
    ['DKIM FAIL alone', { dkimVerdict: 'FAIL' }, 'ok'],
    ['SPF and DKIM FAIL', { spfVerdict: 'FAIL', dkimVerdict: 'FAIL' }, 'quarantine'],
    ['DMARC FAIL', { dmarcVerdict: 'FAIL' }, 'quarantine'],
    ['spam GRAY', { spamVerdict: 'GRAY' }, 'ok'],
    ['virus PROCESSING_FAILED', { virusVerdict: 'PROCESSING_FAILED' }, 'ok'],
    ['SPF FAIL, DKIM GRAY', { spfVerdict: 'FAIL', dkimVerdict: 'GRAY' }, 'ok'],
    ['SPF PROCESSING_FAILED, DKIM FAIL', { spfVerdict: 'PROCESSING_FAILED', dkimVerdict: 'FAIL' }, 'ok'],
    ['DMARC GRAY', { dmarcVerdict: 'GRAY' }, 'ok'],
    ['lower-case fail', { dmarcVerdict: 'fail' }, 'quarantine'],
  ];
  for (const [name, override, want] of table) {
    it(`${name} -> ${want}`, () => {
      const receipt: ReceiptVerdicts = { ...base };
      for (const [k, v] of Object.entries(override)) receipt[k as keyof ReceiptVerdicts] = { status: v };
      expect(verdictPolicy(receipt)).toBe(want);
    });
  }

  it('accepts bare status strings and missing verdicts', () => {
    expect(verdictPolicy({ spamVerdict: 'FAIL' })).toBe('quarantine');
    expect(verdictPolicy({})).toBe('ok');
    expect(verdictPolicy({ spfVerdict: 'FAIL', dkimVerdict: null })).toBe('ok');
  });
});

describe('replyRecipient', () => {
  it('answers the From address, never Reply-To', () => {
    expect(replyRecipient({ from: { address: 'hbzxqy@163.com', name: '中小企业处' } })).toBe(
      'hbzxqy@163.com',
    );
    const withReplyTo = {
      from: { address: 'hb@163.com', name: '' },
      replyTo: [{ address: 'x@evil.example', name: '' }],
    };
    expect(replyRecipient(withReplyTo)).toBe('hb@163.com');
  });

  it('returns null without a usable From', () => {
    expect(replyRecipient({ from: null })).toBeNull();
    expect(replyRecipient({ from: { address: 'not-an-address', name: '' } })).toBeNull();
  });
});

describe('trustedSender', () => {
  const from = { name: 'From', value: '"河北" <HBZXQY@163.com>' };
  it('is the From mailbox only when authentication is aligned with its domain', async () => {
    const aligned = await authenticateSender([
      {
        name: 'Authentication-Results',
        value: 'amazonses.com; dkim=pass header.i=@163.com; dmarc=none header.from=163.com;',
      },
      from,
    ]);
    expect(trustedSender({ authentication: aligned })).toBe('hbzxqy@163.com');
    const other = await authenticateSender([
      {
        name: 'Authentication-Results',
        value: 'amazonses.com; dkim=pass header.i=@evil.example; dmarc=none header.from=163.com;',
      },
      from,
    ]);
    expect(trustedSender({ authentication: other })).toBeNull();
  });
});
