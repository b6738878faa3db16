/**
 * Send-once mail (reminders, reports, notices, the bureau's replies) against DynamoDB Local: composed and sent
 * only on a claim, tagged so SES's Send event can answer for it, and never sent again by a run that takes
 * over a claim whose mail had already left.
 */
import { documentClient } from '@lingjun/aws';
import { MailRefusedError, SEND_TAG } from '@lingjun/core';
import { describe, expect, it } from 'vitest';
import { isolatedTable } from '../../../test/setup/aws.ts';
import { SendEvidence, SendOnce, sendOnceTag } from '../src/index.ts';

const T0 = new Date('2025-06-05T01:00:00Z');
const LEASE = 60_000;
const key = { pk: 'Y#2025#DIGEST', sk: '2025-06-05' };
const after = (ms: number) => new Date(T0.getTime() + ms);

async function ledger() {
  const config = await isolatedTable('sendonce');
  const db = documentClient(config);
  return { once: new SendOnce(db, config.tableName), evidence: new SendEvidence(db, config.tableName) };
}

/** A send that records the tags it was given and answers with a numbered id. */
function mailer() {
  const sent: Record<string, string>[] = [];
  return {
    sent,
    send: async (tags: Record<string, string>) => {
      sent.push(tags);
      return `ses-${sent.length}`;
    },
  };
}

describe('SendOnce.send', () => {
  it('sends once, tagged with the record’s tag, and finds it sent afterwards', async () => {
    const { once } = await ledger();
    const m = mailer();
    const first = await once.send(key, { type: 'digest' }, { now: T0, leaseMs: LEASE }, m.send);
    expect(first).toEqual({ state: 'sent', id: 'ses-1' });
    expect(m.sent).toEqual([{ [SEND_TAG]: sendOnceTag(key.pk, key.sk) }]);
    expect(sendOnceTag(key.pk, key.sk)).toMatch(/^once-[0-9a-f]{40}$/);
    expect(await once.send(key, {}, { now: after(LEASE * 2), leaseMs: LEASE }, m.send)).toEqual({
      state: 'already-sent',
    });
    expect(m.sent).toHaveLength(1);
    expect(await once.isSent(key.pk, key.sk)).toBe(true);
  });

  it('leaves a mail another run holds to that run until its lease runs out', async () => {
    const { once } = await ledger();
    const m = mailer();
    // A failure that is not a refusal may have sent the mail: the claim stays with that run.
    await expect(
      once.send(key, {}, { now: T0, leaseMs: LEASE }, async () => {
        throw new Error('connection reset while sending');
      }),
    ).rejects.toThrow('connection reset');
    expect(await once.send(key, {}, { now: after(1000), leaseMs: LEASE }, m.send)).toEqual({ state: 'busy' });
    expect(m.sent).toHaveLength(0);
    // The lease ran out and SES has no word of a send: the mail did not leave, so it is sent now.
    expect(await once.send(key, {}, { now: after(LEASE + 1), leaseMs: LEASE }, m.send)).toEqual({
      state: 'sent',
      id: 'ses-1',
    });
  });

  it('does not send again what a stopped run sent: SES’s Send event answers for it', async () => {
    const { once, evidence } = await ledger();
    const m = mailer();
    // A run sends, SES takes the mail, and the run stops before marking it (a crash, a timeout).
    let tagged: Record<string, string> = {};
    await once
      .send(key, {}, { now: T0, leaseMs: LEASE }, async (tags) => {
        tagged = tags;
        throw new Error('the function timed out after SES took the mail');
      })
      .catch(() => undefined);
    // The bounces function records SES's Send event under the mail's tag.
    await evidence.record(tagged[SEND_TAG]!, { mailerId: 'ses-first', at: after(2000).toISOString() });
    const retry = await once.send(key, {}, { now: after(LEASE + 1), leaseMs: LEASE }, m.send);
    expect(retry).toEqual({ state: 'already-sent' });
    expect(m.sent).toHaveLength(0);
    expect(await once.isSent(key.pk, key.sk)).toBe(true);
  });

  it('gives the claim up when the mail service refused the mail, so the retry sends at once', async () => {
    const { once } = await ledger();
    const m = mailer();
    await expect(
      once.send(key, {}, { now: T0, leaseMs: LEASE }, async () => {
        throw new MailRefusedError('SES refused: MessageRejected');
      }),
    ).rejects.toBeInstanceOf(MailRefusedError);
    expect(await once.send(key, {}, { now: after(1000), leaseMs: LEASE }, m.send)).toEqual({
      state: 'sent',
      id: 'ses-1',
    });
  });
});
