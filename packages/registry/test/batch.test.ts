/**
 * The batched write of a submission (batch.ts) against DynamoDB Local: the same intents on two fresh tables
 * with the same items on file, one written by the per-student calls (`register`, `update`, `withdraw`, as
 * intake made them before), one by `writeSubmission`; the results and every stored item must be equal, with
 * far fewer transactions. Cancellation reasons are what the batch learns from: markers on file, a counter
 * another submission moved, a marker the list itself frees and takes again.
 */

import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient } from '@lingjun/aws';
import { describe, expect, it } from 'vitest';
import { isolatedTable } from '../../../test/setup/aws.ts';
import { recordCalls } from '../../../test/support/calls.ts';
import {
  type Intent,
  type IntentResult,
  type NewRegistration,
  type QuotaLimits,
  Registry,
} from '../src/index.ts';

const YEAR = 2025;
const NOW = new Date('2025-06-05T02:00:00Z');
const HEBEI = '130000';

/** A registry on a fresh table, counting the TransactWriteItems it sends. */
async function fresh() {
  const config = await isolatedTable('batch');
  const db = documentClient(config);
  const calls = recordCalls(db);
  const registry = new Registry(db, config.tableName, YEAR);
  const scan = async () => {
    const res = await db.send(new ScanCommand({ TableName: config.tableName, ConsistentRead: true }));
    return (res.Items ?? [])
      .map((i) =>
        JSON.stringify(Object.fromEntries(Object.entries(i).sort(([a], [b]) => a.localeCompare(b)))),
      )
      .sort();
  };
  return { registry, calls, scan };
}

function reg(n: number, over: Partial<NewRegistration> = {}): NewRegistration {
  return {
    region: HEBEI,
    classNo: 1,
    personKey: `p${n}`,
    uscc: `u${n}`,
    name: `学员${n}`,
    messageId: 'm-new',
    seq: n,
    values: { name: `学员${n}` },
    ...over,
  };
}

/** The per-student loop of the record step before batching: one transaction per intent. */
async function loop(registry: Registry, intents: Intent[]): Promise<IntentResult[]> {
  const out: IntentResult[] = [];
  for (const i of intents) {
    if (i.kind === 'withdraw') out.push({ withdrawn: await registry.withdraw(i.current, i.messageId, NOW) });
    else if (i.kind === 'update') out.push(await registry.update(i.current, i.next, NOW));
    else out.push(await registry.register(i.reg, i.limits, NOW));
  }
  return out;
}

/** The same intents batched, with the places as read before. */
async function batch(registry: Registry, intents: Intent[]): Promise<IntentResult[]> {
  return registry.writeSubmission({
    region: HEBEI,
    now: NOW,
    intents,
    classes: [],
    used: await registry.quotaUsed(HEBEI),
  });
}

/** Puts the same items on file on both tables (through the per-student calls). */
async function onFile(tables: Registry[], regs: NewRegistration[], limits: QuotaLimits) {
  for (const r of tables)
    for (const x of regs) expect(await r.register(x, limits, NOW)).toEqual({ ok: true });
}

async function active(registry: Registry, classNo?: number) {
  return (await registry.listRegion(HEBEI, classNo)).filter((r) => r.status === 'active');
}

describe('writeSubmission', () => {
  it('gives the per-student results and items: markers on file, duplicates within the list, quota in row order', async () => {
    const a = await fresh();
    const b = await fresh();
    const limits = { total: 8, perClass: 6 };
    // On file: a person of 广东 (p90) and an enterprise of 河北's class 2 (u91), and one student of class 1.
    await onFile(
      [a.registry, b.registry],
      [
        reg(90, { region: '440000', uscc: 'u90', messageId: 'm-gd' }),
        reg(91, { classNo: 2, messageId: 'm-old' }),
        reg(92, { messageId: 'm-old' }),
      ],
      { total: 8 },
    );
    const listed = [
      reg(1),
      reg(2, { personKey: 'p90' }), // the same person as 广东's: refused, the person's owner named
      reg(3, { uscc: 'u91' }), // an enterprise on file: refused
      reg(4),
      reg(5, { uscc: 'u4' }), // the same enterprise as row 4 of this list
      reg(6, { personKey: 'p4', uscc: 'u6' }), // the same person as row 4
      reg(7),
      reg(8),
      reg(9), // the class's 6th place is taken by p92, p1, p4, p7, p8: p9 is the 6th
      reg(10), // over the class's 6 places
      reg(11, { personKey: 'p90', uscc: 'u11' }), // over the quota and a duplicate: the duplicate is the reason
      reg(12, { uscc: 'u91' }), // over the quota and an enterprise on file
    ];
    const intents: Intent[] = listed.map((r) => ({ kind: 'register', reg: r, limits }));
    const expected = await loop(a.registry, intents);
    const before = b.calls.length;
    const got = await batch(b.registry, intents);
    expect(got).toEqual(expected);
    expect(expected.map((r) => ('ok' in r && !r.ok ? r.reason : 'ok'))).toEqual([
      'ok',
      'person',
      'enterprise',
      'ok',
      'enterprise',
      'person',
      'ok',
      'ok',
      'ok',
      'quota-class',
      'person',
      'enterprise',
    ]);
    expect(await b.scan()).toEqual(await a.scan());
    // One read of the places, then a few transactions (each cancellation teaches the batch at least one
    // marker), where the loop sent one per row.
    const transactions = b.calls.slice(before).filter((c) => c.startsWith('TransactWrite')).length;
    expect(transactions).toBeLessThanOrEqual(4);
    expect(a.calls.filter((c) => c.startsWith('TransactWrite')).length).toBeGreaterThanOrEqual(
      3 + listed.length,
    );
  });

  it('withdraws, updates and registers a resubmission: a marker the list frees and takes again is written in order', async () => {
    const a = await fresh();
    const b = await fresh();
    const limits = { total: 3 };
    await onFile(
      [a.registry, b.registry],
      [reg(1, { messageId: 'm-old' }), reg(2, { messageId: 'm-old' })],
      limits,
    );
    const [first, second] = await active(b.registry, 1);
    if (!first || !second) throw new Error('two on file expected');
    const intents: Intent[] = [
      // p2 leaves the list; p3 of the same enterprise u2 comes in its place; p1 moves to enterprise u4.
      { kind: 'withdraw', current: second, messageId: 'm-new' },
      {
        kind: 'update',
        current: first,
        next: { uscc: 'u4', name: first.name, values: { x: '1' }, messageId: 'm-new', seq: 1 },
      },
      { kind: 'register', reg: reg(3, { uscc: 'u2' }), limits },
      { kind: 'register', reg: reg(5), limits },
      { kind: 'register', reg: reg(6), limits }, // the 4th place of 3
    ];
    const expected = await loop(a.registry, intents);
    const got = await batch(b.registry, intents);
    expect(got).toEqual(expected);
    expect(expected).toEqual([
      { withdrawn: true },
      { ok: true },
      { ok: true },
      { ok: true },
      { ok: false, reason: 'quota-total' },
    ]);
    expect(await b.scan()).toEqual(await a.scan());
  });

  it('writes a list of more than 100 actions in several transactions, with the loop’s results', async () => {
    const a = await fresh();
    const b = await fresh();
    const limits = { total: 90 };
    await onFile([a.registry, b.registry], [reg(500, { region: '440000', personKey: 'p40' })], limits);
    // 100 students, 3 actions each: four transactions at least; p40 is on file elsewhere, rows over 90 refused.
    const intents: Intent[] = Array.from({ length: 100 }, (_, i) => ({
      kind: 'register',
      reg: reg(i + 1, { seq: i + 1 }),
      limits,
    }));
    const expected = await loop(a.registry, intents);
    const before = b.calls.length;
    const got = await batch(b.registry, intents);
    expect(got).toEqual(expected);
    expect(got.filter((r) => 'ok' in r && r.ok)).toHaveLength(90);
    expect(got[39]).toMatchObject({ ok: false, reason: 'person', owner: { region: '440000' } });
    expect(got.slice(91).every((r) => 'ok' in r && !r.ok && r.reason === 'quota-total')).toBe(true);
    expect(await b.scan()).toEqual(await a.scan());
    const transactions = b.calls.slice(before).filter((c) => c.startsWith('TransactWrite')).length;
    expect(transactions).toBeGreaterThanOrEqual(4);
    expect(transactions).toBeLessThanOrEqual(6);
  });

  it('learns a counter another submission moved: the earlier rows win the places left', async () => {
    const { registry } = await fresh();
    const limits = { total: 5 };
    await onFile([registry], [reg(1, { classNo: 3, messageId: 'm-old' })], limits);
    const stale = await registry.quotaUsed(HEBEI);
    // Another submission of the region takes 2 of the 4 places left after this one read them.
    const other = await registry.writeSubmission({
      region: HEBEI,
      now: NOW,
      intents: [2, 3].map((n) => ({ kind: 'register', reg: reg(n, { classNo: 2 }), limits })),
      classes: [],
      used: stale,
    });
    expect(other).toEqual([{ ok: true }, { ok: true }]);
    const mine = await registry.writeSubmission({
      region: HEBEI,
      now: NOW,
      intents: [4, 5, 6].map((n) => ({ kind: 'register', reg: reg(n), limits })),
      classes: [],
      used: stale,
    });
    expect(mine).toEqual([{ ok: true }, { ok: true }, { ok: false, reason: 'quota-total' }]);
    expect((await registry.quotaUsed(HEBEI)).total).toBe(5);
    expect((await active(registry)).map((r) => r.personKey).sort()).toEqual(['p1', 'p2', 'p3', 'p4', 'p5']);
  });

  it('writes the outcome with the last transaction; a former contact another region took is left to it', async () => {
    const { registry } = await fresh();
    await registry.setContacts(HEBEI, ['x@a.cn'], 'm-0', NOW);
    await registry.setContacts('440000', ['x@a.cn'], 'm-1', NOW);
    const got = await registry.writeSubmission({
      region: HEBEI,
      now: NOW,
      intents: [{ kind: 'register', reg: reg(1), limits: { total: 5 } }],
      classes: [],
      used: await registry.quotaUsed(HEBEI),
      finish: async () => registry.contactsActions(HEBEI, ['y@a.cn'], ['x@a.cn'], 'm-new', NOW),
    });
    expect(got).toEqual([{ ok: true }]);
    expect(await registry.getContacts(HEBEI)).toEqual(['y@a.cn']);
    expect(await registry.senderRegion('y@a.cn')).toBe(HEBEI);
    expect(await registry.senderRegion('x@a.cn')).toBe('440000');
    expect(await active(registry)).toHaveLength(1);
  });

  it('two submissions of one region racing for the last places: never more than the quota', async () => {
    const { registry } = await fresh();
    const limits = { total: 6 };
    await onFile([registry], [reg(1, { messageId: 'm-old' }), reg(2, { messageId: 'm-old' })], limits);
    const used = await registry.quotaUsed(HEBEI);
    const submit = (classNo: number, from: number) =>
      registry.writeSubmission({
        region: HEBEI,
        now: NOW,
        intents: [0, 1, 2].map((k) => ({
          kind: 'register',
          reg: reg(from + k, { classNo, messageId: `m-${classNo}` }),
          limits,
        })),
        classes: [],
        used,
      });
    const [x, y] = await Promise.all([submit(2, 10), submit(3, 20)]);
    const won = [...x, ...y].filter((r) => 'ok' in r && r.ok).length;
    expect(won).toBe(4);
    expect((await registry.quotaUsed(HEBEI)).total).toBe(6);
    expect(await active(registry)).toHaveLength(6);
    // Row order within each submission: a refused row is never followed by an accepted one.
    for (const rs of [x, y]) {
      const ok = rs.map((r) => 'ok' in r && r.ok);
      expect(ok).toEqual([...ok].sort((p, q) => Number(q) - Number(p)));
    }
  });
});
