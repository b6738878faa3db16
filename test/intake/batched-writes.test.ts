/**
 * issue 16: a submission's list is written in as few transactions as DynamoDB allows, its reads folded into
 * one Query and one BatchGetItem, and its outcome in the same transaction as its registrations. Through
 * `processInbound` on the local stack: the calls of a typical submission, the large one of 100 students
 * (more than 100 actions) with a duplicate and the quota met midway, and two submissions of one region
 * racing for its last places.
 */
import { documentClient } from '@lingjun/aws';
import { processInbound } from '@lingjun/intake';
import { Registry } from '@lingjun/registry';
import { describe, expect, it } from 'vitest';
import { recordCalls } from '../support/calls.ts';
import { type Harness, harness, storeInbound, testProgram } from '../support/intake.ts';
import { people, submission } from '../support/submission.ts';

const HEBEI = '130000';
const FROM = 'hbzxqy@163.com';
const AT = new Date('2025-06-05T02:00:00Z');

/** Deps whose registry counts the DynamoDB operations it sends (the real client, nothing faked). */
function counted(h: Harness) {
  const doc = documentClient(h.config);
  const calls = recordCalls(doc);
  return { calls, deps: h.deps({ registry: new Registry(doc, h.config.tableName, h.program.year) }) };
}

async function hebeiList(h: Harness, list: ReturnType<typeof people>, classNo: number, at = AT) {
  const { raw, messageId } = await submission({
    program: h.program,
    from: FROM,
    region: '河北',
    classNo,
    people: list,
  });
  return { ref: await storeInbound(h, raw, at), messageId };
}

function tally(calls: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of calls) out[c] = (out[c] ?? 0) + 1;
  return out;
}

describe('a submission written in batches', () => {
  it('a typical list of 30: claim, one Query, one BatchGetItem, one transaction taking the send, done', async () => {
    const h = await harness(
      await testProgram((p) => {
        (p.quotas as Record<string, { total: number }>)[HEBEI] = { total: 100 };
      }),
    );
    const { ref } = await hebeiList(h, people(30, 1601), 1);
    const { calls, deps } = counted(h);
    const outcome = await processInbound(ref, deps);
    expect(outcome.status).toBe('accepted');
    expect(outcome.classes).toEqual([{ no: 1, accepted: 30, rejected: 0, withdrawn: 0 }]);
    expect(tally(calls)).toEqual({
      PutItem: 2,
      Query: 1,
      BatchGetItem: 1,
      TransactWriteItems: 1,
    });
    const registry = h.deps().registry;
    expect((await registry.quotaUsed(HEBEI)).total).toBe(30);
    expect(await registry.submitted(HEBEI)).toContain('C#01');
    expect((await registry.listMessages())[0]).toMatchObject({ status: 'done', attempts: 1 });
  });

  it('the large list of 100 (300 actions): a duplicate midway, the quota met, row order kept', async () => {
    const h = await harness(
      await testProgram((p) => {
        (p.quotas as Record<string, { total: number }>)[HEBEI] = { total: 90 };
      }),
    );
    const list = people(100, 1602);
    const twice = list[49];
    if (!twice) throw new Error('100 people expected');
    // Row 50's student is already on file for class 2: refused as a duplicate, and it takes no place.
    expect(
      (await processInbound((await hebeiList(h, [{ ...twice, classNo: '2' }], 2)).ref, h.deps())).status,
    ).toBe('accepted');
    const { ref } = await hebeiList(h, list, 1, new Date(AT.getTime() + 60_000));
    const { calls, deps } = counted(h);
    const outcome = await processInbound(ref, deps);
    expect(outcome.classes).toEqual([{ no: 1, accepted: 89, rejected: 11, withdrawn: 0 }]);
    const refused = (code: string) => outcome.findings.filter((f) => f.code === code).map((f) => f.student);
    expect(refused('PERSON_DUPLICATE')).toEqual([twice.name]);
    expect(refused('QUOTA_EXCEEDED')).toEqual(list.slice(90).map((p) => p.name));
    const registry = h.deps().registry;
    expect((await registry.quotaUsed(HEBEI)).total).toBe(90);
    const active = (await registry.listRegion(HEBEI, 1)).filter((r) => r.status === 'active');
    expect(active.map((r) => r.name).sort()).toEqual(
      [...list.slice(0, 49), ...list.slice(50, 90)].map((p) => p.name).sort(),
    );
    // 89 × 3 actions: more than one transaction, and far fewer than one per student.
    const transactions = tally(calls).TransactWriteItems ?? 0;
    expect(transactions).toBeGreaterThanOrEqual(3);
    expect(transactions).toBeLessThanOrEqual(8);
  }, 120_000);

  it('two lists of one region at once for its last places: no overrun, each list in row order', async () => {
    const h = await harness(await testProgram());
    // 25 places: 10 taken first, then two lists of 10 race for the 15 left.
    expect(
      (await processInbound((await hebeiList(h, people(10, 1603, HEBEI, 3), 3)).ref, h.deps())).status,
    ).toBe('accepted');
    const one = people(10, 1604, HEBEI, 1);
    const two = people(10, 1605, HEBEI, 2);
    const later = new Date(AT.getTime() + 60_000);
    const [a, b] = await Promise.all([
      hebeiList(h, one, 1, later).then(({ ref }) => processInbound(ref, h.deps())),
      hebeiList(h, two, 2, later).then(({ ref }) => processInbound(ref, h.deps())),
    ]);
    const registry = h.deps().registry;
    expect((await registry.quotaUsed(HEBEI)).total).toBe(25);
    expect((await registry.listRegion(HEBEI)).filter((r) => r.status === 'active')).toHaveLength(25);
    expect((a.classes[0]?.accepted ?? 0) + (b.classes[0]?.accepted ?? 0)).toBe(15);
    for (const [outcome, list] of [
      [a, one],
      [b, two],
    ] as const) {
      const accepted = outcome.classes[0]?.accepted ?? 0;
      // The earlier rows won the places: the quota findings are on the last rows, one each.
      const quota = outcome.findings.filter((f) => f.code === 'QUOTA_EXCEEDED').map((f) => f.student);
      expect(quota).toEqual(list.slice(accepted).map((p) => p.name));
    }
  }, 120_000);
});
