/**
 * issue 14: a run still working after 90 s was taken over by a redelivery of the same SES event and the
 * sender got two receipts. The claim lease now comes from the invocation (time left plus a margin), so a
 * redelivery while the first run may still be alive is refused and retried, and the sender gets one reply.
 */
import { LEASE_MARGIN_MS, TransientError } from '@lingjun/core';
import { claimLeaseMs, processInbound } from '@lingjun/intake';
import { describe, expect, it } from 'vitest';
import { countingMailer, harness, storeInbound, testProgram } from '../support/intake.ts';
import { people, submission } from '../support/submission.ts';

describe('claim lease', () => {
  it('is the time the invocation has left plus a margin', () => {
    expect(claimLeaseMs({ remainingMs: () => 42_000 })).toBe(42_000 + LEASE_MARGIN_MS);
  });

  it('a stalled first run is not taken over by a redelivery: one reply', async () => {
    const h = await harness(await testProgram());
    const { raw, messageId } = await submission({
      program: h.program,
      from: 'hbzxqy@163.com',
      region: '河北',
      classNo: 1,
      people: people(3, 1400),
    });
    const ref = await storeInbound(h, raw);
    const t0 = new Date('2025-06-05T02:00:00Z');
    const real = h.deps().mailer;
    const mailer = countingMailer(real);
    // The first run stalls while sending its reply (a slow SES call) and resumes when released.
    let release: () => void = () => undefined;
    const stalled = new Promise<void>((r) => {
      release = r;
    });
    const first = processInbound(
      ref,
      h.deps({
        now: () => t0,
        remainingMs: () => 170_000,
        mailer: {
          async sendRaw(m) {
            await stalled;
            return mailer.sendRaw(m);
          },
        },
      }),
    );
    const registry = h.deps().registry;
    await expect
      .poll(async () => (await registry.listMessages())[0]?.status, { timeout: 20_000 })
      .toBe('sending');
    expect((await registry.listMessages())[0]?.leaseUntil).toBe(t0.getTime() + 170_000 + LEASE_MARGIN_MS);

    // Two minutes later (past the old 90 s lease, within the function's timeout) SES redelivers.
    const later = h.deps({ mailer, now: () => new Date(t0.getTime() + 120_000), remainingMs: () => 170_000 });
    await expect(processInbound(ref, later)).rejects.toBeInstanceOf(TransientError);

    release();
    expect((await first).status).toBe('accepted');
    expect((await processInbound(ref, later)).status).toBe('duplicate');
    expect(mailer.sent).toHaveLength(1);
    expect(await h.repliesTo(messageId)).toHaveLength(1);
    expect((await registry.listRegion('130000')).filter((r) => r.status === 'active')).toHaveLength(3);
  });
});
