import type { MessageRecord } from '@lingjun/registry';
import { describe, expect, it } from 'vitest';
import { SWEEP_MAX_ATTEMPTS, SWEEP_MIN_AGE_MS, sweepDecision } from '../src/sweep.ts';
import { verdictsFromHeaders } from '../src/verdicts.ts';

const now = new Date('2025-06-05T03:00:00Z');
const mail = { key: 'inbound/abc', storedAt: new Date(now.getTime() - 30 * 60_000) };
const at = { now, minAgeMs: SWEEP_MIN_AGE_MS };

function record(over: Partial<MessageRecord>): MessageRecord {
  return {
    messageId: 'k',
    status: 'processing',
    receivedAt: mail.storedAt.toISOString(),
    rawKey: mail.key,
    attempts: 1,
    updatedAt: mail.storedAt.toISOString(),
    ...over,
  };
}

describe('sweepDecision', () => {
  it('re-drives mail with no record once it is old enough, and leaves young mail to its invocation', () => {
    expect(sweepDecision(mail, undefined, at)).toBe('redrive');
    const young = { ...mail, storedAt: new Date(now.getTime() - 60_000) };
    expect(sweepDecision(young, undefined, at)).toBe('skip');
    expect(sweepDecision(young, undefined, { now, minAgeMs: 0 })).toBe('redrive');
  });

  it('leaves finished mail and live claims alone; re-drives claims whose lease ran out', () => {
    for (const status of ['done', 'held', 'quarantined'] as const) {
      expect(sweepDecision(mail, record({ status }), at)).toBe('skip');
    }
    expect(sweepDecision(mail, record({ leaseUntil: now.getTime() + 1 }), at)).toBe('skip');
    expect(sweepDecision(mail, record({ leaseUntil: now.getTime() - 1 }), at)).toBe('redrive');
    expect(sweepDecision(mail, record({ status: 'recorded', leaseUntil: 0 }), at)).toBe('redrive');
    expect(sweepDecision(mail, record({ status: 'failed', attempts: SWEEP_MAX_ATTEMPTS }), at)).toBe('stuck');
    // A send that may have left is left alone until SES's evidence could have come in (its lease), then re-driven
    // so the run can ask for it.
    const awaiting = record({ status: 'sending', leaseUntil: now.getTime() + 5 * 60_000 });
    expect(sweepDecision(mail, awaiting, at)).toBe('skip');
    expect(sweepDecision(mail, { ...awaiting, leaseUntil: now.getTime() - 1 }, at)).toBe('redrive');
    const justFailed = record({
      status: 'failed',
      leaseUntil: 0,
      updatedAt: new Date(now.getTime() - 60_000).toISOString(),
    });
    expect(sweepDecision(mail, justFailed, at)).toBe('skip');
    expect(sweepDecision(mail, justFailed, { now, minAgeMs: 0 })).toBe('redrive');
  });
});

describe('verdictsFromHeaders', () => {
  it('reads the verdicts SES writes into the stored message', () => {
    const raw = Buffer.from(
      'X-SES-Spam-Verdict: FAIL\r\nX-SES-Virus-Verdict: PASS\r\n' +
        'Authentication-Results: amazonses.com;\r\n spf=pass (spfCheck: ok) smtp.mailfrom=a@b.cn;\r\n' +
        ' dkim=fail header.i=@b.cn;\r\n dmarc=none header.from=b.cn;\r\nFrom: a@b.cn\r\n\r\nbody spf=fail\r\n',
    );
    expect(verdictsFromHeaders(raw)).toEqual({
      verdicts: { spam: 'FAIL', virus: 'PASS', spf: 'PASS', dkim: 'FAIL', dmarc: 'GRAY' },
      authservId: 'amazonses.com',
    });
  });

  it('a message without them is inconclusive (GRAY), not failed', () => {
    expect(verdictsFromHeaders(Buffer.from('From: a@b.cn\r\n\r\nhi'))).toEqual({
      verdicts: { spam: 'GRAY', virus: 'GRAY', spf: 'GRAY', dkim: 'GRAY', dmarc: 'GRAY' },
    });
  });

  it('takes the topmost Authentication-Results only from a trusted authserv-id, and names it', () => {
    const raw = Buffer.from(
      'Authentication-Results: mail.miitec.cn; spf=pass smtp.mailfrom=a@b.cn; dmarc=pass header.from=b.cn\r\n' +
        'Authentication-Results: amazonses.com; spf=fail smtp.mailfrom=a@b.cn\r\nFrom: a@b.cn\r\n\r\nhi',
    );
    // The organisation's server, once trusted, is what the message is judged against.
    expect(verdictsFromHeaders(raw, ['amazonses.com', 'mail.miitec.cn'])).toMatchObject({
      verdicts: { spf: 'PASS', dmarc: 'PASS' },
      authservId: 'mail.miitec.cn',
    });
    // Not trusted: no verdict from it, nor from a lower header (anyone can write one below the top).
    expect(verdictsFromHeaders(raw)).toEqual({
      verdicts: { spam: 'GRAY', virus: 'GRAY', spf: 'GRAY', dkim: 'GRAY', dmarc: 'GRAY' },
    });
  });
});
