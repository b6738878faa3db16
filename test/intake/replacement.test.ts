/**
 * issue 14: two different class-2 lists from Guangdong at the same moment were both kept (6 registered, the
 * counter at 6, both replies "accepted 3"). Replacement is now serialised per region and class on a version
 * item and ordered by receipt time: one list stands, the newer one, and both replies agree with it.
 */
import { documentClient } from '@lingjun/aws';
import type { Outcome } from '@lingjun/intake';
import { processInbound } from '@lingjun/intake';
import { ClassTakenOverError, personKey, Registry } from '@lingjun/registry';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { isolatedTable } from '../setup/aws.ts';
import { type Harness, harness, storeInbound, testProgram } from '../support/intake.ts';
import { people, submission } from '../support/submission.ts';

const GD = '440000';
const T_OLD = new Date('2025-06-05T02:00:00Z');
const T_NEW = new Date('2025-06-05T02:01:00Z');

async function guangdongList(h: Harness, seed: number, receivedAt: Date) {
  const list = people(3, seed, GD, 2);
  const { raw, messageId } = await submission({
    program: h.program,
    from: 'gdsme@gd.gov.cn',
    region: '广东',
    classNo: 2,
    people: list,
  });
  return { ref: await storeInbound(h, raw, receivedAt), messageId, list };
}

async function activeKeys(h: Harness): Promise<string[]> {
  const regs = await h.deps().registry.listRegion(GD, 2);
  return regs
    .filter((r) => r.status === 'active')
    .map((r) => r.personKey)
    .sort();
}

function keysOf(h: Harness, list: { idNumber: string }[]): string[] {
  const secret = h.deps().keySecret;
  return list.map((p) => personKey(secret, p.idNumber)).sort();
}

async function replySubject(h: Harness, messageId: string): Promise<string> {
  const replies = await h.repliesTo(messageId);
  expect(replies).toHaveLength(1);
  return (await simpleParser(replies[0] as Buffer)).subject ?? '';
}

describe('replacement of a class list', () => {
  it('a write of a list that lost its class to a newer one fails; an older list is superseded', async () => {
    const config = await isolatedTable('classver');
    const registry = new Registry(documentClient(config), config.tableName, 2025);
    const now = new Date();
    const older = { region: GD, classNo: 2, messageId: 'old', receivedAt: T_OLD.toISOString() };
    const newer = { region: GD, classNo: 2, messageId: 'new', receivedAt: T_NEW.toISOString() };
    const first = await registry.claimClass(older, now);
    expect(first.state).toBe('owner');
    expect((await registry.claimClass(newer, now)).state).toBe('owner');
    if (first.state !== 'owner') return;
    const reg = {
      region: GD,
      classNo: 2,
      personKey: 'p1',
      uscc: 'U1',
      name: '张三',
      messageId: 'old',
      seq: 1,
      values: {},
    };
    await expect(registry.register(reg, { total: 10 }, now, first.guard)).rejects.toBeInstanceOf(
      ClassTakenOverError,
    );
    expect((await registry.quotaUsed(GD)).total).toBe(0);
    expect(await registry.claimClass(older, now)).toEqual({
      state: 'superseded',
      onFile: { messageId: 'new', receivedAt: newer.receivedAt },
    });
    expect((await registry.classVersion(GD, 2))?.messageId).toBe('new');
  });

  it('an older list processed after a newer one replaces nothing and its reply says so', async () => {
    const h = await harness(await testProgram());
    const newer = await guangdongList(h, 1501, T_NEW);
    const older = await guangdongList(h, 1502, T_OLD);
    expect((await processInbound(newer.ref, h.deps())).classes).toEqual([
      { no: 2, accepted: 3, rejected: 0, withdrawn: 0 },
    ]);
    const o = await processInbound(older.ref, h.deps());
    expect(o.status).toBe('rejected');
    expect(o.classes).toEqual([{ no: 2, accepted: 0, rejected: 3, withdrawn: 0 }]);
    expect(o.findings.map((f) => f.code)).toEqual(['SUPERSEDED']);
    expect(o.findings[0]?.message).toMatch(/以收到时间较晚的报送为准/);
    expect(await activeKeys(h)).toEqual(keysOf(h, newer.list));
    expect((await h.deps().registry.quotaUsed(GD)).perClass[2]).toBe(3);
    expect(await replySubject(h, older.messageId)).toMatch(/未予受理/);
  });

  it('two different lists for one region and class at once: one list registered, replies agree', async () => {
    const h = await harness(await testProgram());
    const older = await guangdongList(h, 1511, T_OLD);
    const newer = await guangdongList(h, 1512, T_NEW);
    const [o, n] = (await Promise.all([
      processInbound(older.ref, h.deps()),
      processInbound(newer.ref, h.deps()),
    ])) as [Outcome, Outcome];

    // The newer list stands, whatever order the two runs interleaved in.
    expect(await activeKeys(h)).toEqual(keysOf(h, newer.list));
    const used = await h.deps().registry.quotaUsed(GD);
    expect(used.total).toBe(3);
    expect(used.perClass[2]).toBe(3);
    expect(n.classes[0]).toMatchObject({ no: 2, accepted: 3 });
    const oc = o.classes[0];
    // The older reply either says it replaced nothing, or it finished first and the newer one withdrew
    // exactly what it had registered.
    if (oc?.accepted === 0) {
      expect(o.findings.map((f) => f.code)).toContain('SUPERSEDED');
    } else {
      expect(oc?.accepted).toBe(3);
      expect(n.classes[0]?.withdrawn).toBe(3);
    }
    expect(await replySubject(h, newer.messageId)).toMatch(/全部受理/);
    await replySubject(h, older.messageId);
  });
});
