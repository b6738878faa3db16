/**
 * issue 14: mail answered 250 and then lost (a crash, an event Lambda dropped) sat in `processing` or had
 * no record at all. The sweeper re-drives every raw message without a finished outcome, and claims whose
 * lease ran out: each ends in one outcome and one reply, and a second sweep does nothing.
 */

import { s3Client, s3RawMailList } from '@lingjun/aws';
import { INTAKE_LEASE_MAX_MS } from '@lingjun/core';
import { sweepInbound } from '@lingjun/ingress';
import { type InboundRef, messageKey, processInbound, SEND_EVIDENCE_GRACE_MS } from '@lingjun/intake';
import { parseInbound } from '@lingjun/mail';
import { describe, expect, it } from 'vitest';
import { countingMailer, harness, storeInbound, testProgram } from '../support/intake.ts';
import { people, submission } from '../support/submission.ts';

describe('inbound sweeper', () => {
  it('every raw message ends in one outcome and one reply; a second sweep re-drives nothing', async () => {
    const h = await harness(await testProgram());
    const emails = await Promise.all(
      [1, 2, 3].map((i) =>
        submission({
          program: h.program,
          from: 'hbzxqy@163.com',
          region: '河北',
          classNo: i,
          people: people(2, 1600 + i, '130000', i),
        }),
      ),
    );
    // The harness stores raw mail under inbound/ of the shared bucket: other test files' mail lies there too,
    // so this sweep looks only at the keys of this test.
    const refs: InboundRef[] = [];
    for (const e of emails) refs.push(await storeInbound(h, e.raw));
    const [lost, crashedWhileSending, crashedEarly] = refs as [InboundRef, InboundRef, InboundRef];
    // A second copy of the first email, received separately: it ends as a duplicate, unanswered.
    const copy = await storeInbound(h, emails[0]!.raw);

    const t0 = new Date();
    // Died while sending its reply: the outcome is recorded and the send taken, the reply not sent.
    void processInbound(
      crashedWhileSending,
      h.deps({ now: () => t0, mailer: { sendRaw: () => new Promise<string>(() => {}) } }),
    );
    // Died right after claiming.
    const registry = h.deps().registry;
    await registry.claimMessage({
      messageId: messageKey(await parseInbound(emails[2]!.raw)),
      receivedAt: crashedEarly.receivedAt.toISOString(),
      rawKey: crashedEarly.rawKey,
      now: t0,
      leaseMs: INTAKE_LEASE_MAX_MS,
    });
    await expect
      .poll(async () => (await registry.listMessages()).map((m) => m.status).sort(), { timeout: 20_000 })
      .toEqual(['processing', 'sending']);

    const mine = new Set([lost, crashedWhileSending, crashedEarly, copy].map((r) => r.rawKey));
    const s3 = s3Client(h.config);
    const all = s3RawMailList(s3, h.config.bucketName);
    const rawMail = {
      list: async (prefix: string) => (await all.list(prefix)).filter((m) => mine.has(m.key)),
    };
    const mailer = countingMailer(h.deps().mailer);
    // Past the dead runs' leases, and past the grace for SES's evidence of the send that died (there is none:
    // the reply never reached SES).
    const later = new Date(t0.getTime() + Math.max(INTAKE_LEASE_MAX_MS, SEND_EVIDENCE_GRACE_MS) + 1);
    const sweep = () =>
      sweepInbound({
        registry,
        store: h.deps().store,
        rawMail,
        redrive: (ref) => processInbound(ref, h.deps({ mailer, now: () => later })),
        prefix: 'inbound/',
        now: later,
        minAgeMs: 0,
      });

    // Past the dead runs' leases: all four are re-driven, the copy to a duplicate outcome.
    const first = await sweep();
    expect(first.failed).toEqual([]);
    expect(new Set(first.redriven)).toEqual(mine);
    const messages = await registry.listMessages();
    expect(messages).toHaveLength(3);
    expect(messages.every((m) => m.status === 'done')).toBe(true);
    for (const e of emails) expect(await h.repliesTo(e.messageId)).toHaveLength(1);
    // Three replies: two computed, one the stored reply of the run that died sending; none for the copy.
    expect(mailer.sent).toHaveLength(3);

    const second = await sweep();
    expect(second).toEqual({ redriven: [], failed: [], stuck: [] });
    expect(mailer.sent).toHaveLength(3);
    s3.destroy();
  });
});
