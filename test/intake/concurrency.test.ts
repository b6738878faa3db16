/**
 * Races against DynamoDB Local: the marker items and quota counters are written in one transaction per
 * student, so concurrent emails cannot both take the same enterprise or the last place.
 */
import { TransientError } from '@lingjun/core';
import type { Outcome } from '@lingjun/intake';
import { processInbound } from '@lingjun/intake';
import { NOTICE_REGIONS } from '@lingjun/program';
import { describe, expect, it } from 'vitest';
import { countingMailer, harness, storeInbound, testProgram } from '../support/intake.ts';
import { people, submission } from '../support/submission.ts';

const contactOf = (code: string) => `r${code}@example.cn`;

/** A program where every region has a quota and a contact, so any region can submit. */
function everyRegion(total: number) {
  return testProgram((p) => {
    p.quotas = Object.fromEntries(NOTICE_REGIONS.map((r) => [r.code, { total }]));
    p.contacts = Object.fromEntries(NOTICE_REGIONS.map((r) => [r.code, [contactOf(r.code)]]));
  });
}

describe('concurrent intake against DynamoDB Local', () => {
  it('50 emails from different regions competing for one enterprise give exactly one registration', async () => {
    const program = await everyRegion(10);
    const h = await harness(program);
    const shared = people(1, 500)[0]!;
    const raws = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const region = NOTICE_REGIONS[i % NOTICE_REGIONS.length]!;
        const classNo = 1 + Math.floor(i / NOTICE_REGIONS.length);
        const person = {
          ...people(1, 600 + i, region.code, classNo)[0]!,
          uscc: shared.uscc,
          enterprise: shared.enterprise,
        };
        return (
          await submission({
            program,
            from: contactOf(region.code),
            region: region.name,
            classNo,
            people: [person],
          })
        ).raw;
      }),
    );
    const refs = await Promise.all(raws.map((raw) => storeInbound(h, raw)));
    const deps = h.deps();
    const outcomes = await Promise.all(refs.map((ref) => processInbound(ref, deps)));

    expect(outcomes).toHaveLength(50);
    const accepted = outcomes.reduce((n, o) => n + o.classes.reduce((m, c) => m + c.accepted, 0), 0);
    expect(accepted).toBe(1);
    const losers = outcomes.filter((o) => o.classes.every((c) => c.accepted === 0));
    expect(losers).toHaveLength(49);
    for (const o of losers) {
      expect(o.findings.map((f) => f.code)).toContain('ENTERPRISE_DUPLICATE');
      expect(o.findings.map((f) => f.code)).not.toContain('QUOTA_EXCEEDED');
    }
    let registrations = 0;
    for (const r of NOTICE_REGIONS)
      registrations += (await deps.registry.listRegion(r.code)).filter((x) => x.status === 'active').length;
    expect(registrations).toBe(1);
  });

  it('a region with 10 places and 3 emails of 5 students at once ends with exactly 10', async () => {
    const program = await testProgram((p) => {
      (p.quotas as Record<string, unknown>)['130000'] = { total: 10 };
    });
    const h = await harness(program);
    const raws = await Promise.all(
      [1, 2, 3].map(
        async (classNo) =>
          (
            await submission({
              program,
              from: 'hbzxqy@163.com',
              region: '河北',
              classNo,
              people: people(5, 700 + classNo, '130000', classNo),
            })
          ).raw,
      ),
    );
    const refs = await Promise.all(raws.map((raw) => storeInbound(h, raw)));
    const deps = h.deps();
    const outcomes = await Promise.all(refs.map((ref) => processInbound(ref, deps)));
    const accepted = outcomes.flatMap((o) => o.classes).reduce((n, c) => n + c.accepted, 0);
    const quotaFindings = outcomes.flatMap((o) => o.findings).filter((f) => f.code === 'QUOTA_EXCEEDED');
    expect(accepted).toBe(10);
    expect(quotaFindings).toHaveLength(5);
    expect((await deps.registry.quotaUsed('130000')).total).toBe(10);
    expect((await deps.registry.listRegion('130000')).filter((r) => r.status === 'active')).toHaveLength(10);
  });

  it('the same message invoked 5 times at once gives one outcome and one reply', async () => {
    const program = await testProgram();
    const h = await harness(program);
    const { raw } = await submission({
      program,
      from: 'hbzxqy@163.com',
      region: '河北',
      classNo: 1,
      people: people(3, 800),
    });
    const ref = await storeInbound(h, raw);
    const mailer = countingMailer(h.deps().mailer);
    const deps = h.deps({ mailer });
    const settled = await Promise.allSettled(Array.from({ length: 5 }, () => processInbound(ref, deps)));
    const done = settled
      .filter((s): s is PromiseFulfilledResult<Outcome> => s.status === 'fulfilled')
      .map((s) => s.value);
    const busy = settled.filter((s) => s.status === 'rejected');
    // Each invocation either did the work, saw it finished (duplicate), or found it in progress and failed so
    // that Lambda retries it later; none records a second outcome.
    expect(done.filter((o) => o.status === 'accepted')).toHaveLength(1);
    expect(done.filter((o) => o.status !== 'accepted').every((o) => o.status === 'duplicate')).toBe(true);
    for (const b of busy) expect((b as PromiseRejectedResult).reason).toBeInstanceOf(TransientError);
    // Lambda's retries of the busy ones find the email finished.
    for (const _ of busy) expect((await processInbound(ref, deps)).status).toBe('duplicate');
    expect(mailer.sent).toHaveLength(1);
    expect((await deps.registry.listRegion('130000')).filter((r) => r.status === 'active')).toHaveLength(3);
  });
});
