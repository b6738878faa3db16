/**
 * The message ledger's part of issue 16 against DynamoDB Local: a first delivery is claimed with one
 * conditional write and no read, and the reply's send is taken only on the claim that holds the message.
 */
import { documentClient } from '@lingjun/aws';
import { describe, expect, it } from 'vitest';
import { isolatedTable } from '../../../test/setup/aws.ts';
import { recordCalls } from '../../../test/support/calls.ts';
import { MessageLedger } from '../src/index.ts';

async function ledger() {
  const config = await isolatedTable('ledger');
  const db = documentClient(config);
  const calls = recordCalls(db);
  return { ledger: new MessageLedger(db, config.tableName, 2025), calls };
}

const T0 = new Date('2025-06-05T02:00:00Z');
const claimAt = (now: Date) => ({
  messageId: 'm-1',
  receivedAt: T0.toISOString(),
  rawKey: 'inbound/m-1',
  now,
  leaseMs: 60_000,
});

describe('MessageLedger', () => {
  it('claims a first delivery with one conditional write, a redelivery after reading the record', async () => {
    const { ledger: l, calls } = await ledger();
    const first = await l.claimMessage(claimAt(T0));
    expect(first).toMatchObject({ state: 'claimed', record: { status: 'processing', attempts: 1 } });
    expect(calls).toEqual(['PutItem']);
    expect(await l.claimMessage(claimAt(new Date(T0.getTime() + 1000)))).toEqual({ state: 'busy' });
  });

  it('takes the send only on the claim that holds a recorded message', async () => {
    const { ledger: l } = await ledger();
    const first = await l.claimMessage(claimAt(T0));
    if (first.state !== 'claimed') throw new Error('claimed expected');
    // Not recorded yet: nothing to send.
    expect(await l.takeSend(first.record, 'recorded', { sendingAt: T0.toISOString(), sendTag: 't-1' })).toBe(
      false,
    );
    const recorded = { ...first.record, status: 'recorded' as const };
    await l.saveMessage(recorded);
    // The lease runs out and a redelivery takes the message over: the first invocation may no longer send.
    const later = new Date(T0.getTime() + 120_000);
    const second = await l.claimMessage(claimAt(later));
    if (second.state !== 'claimed') throw new Error('a takeover expected');
    expect(second.record).toMatchObject({ status: 'recorded', attempts: 2 });
    expect(await l.takeSend(recorded, 'recorded', { sendingAt: later.toISOString(), sendTag: 't-1' })).toBe(
      false,
    );
    expect(
      await l.takeSend(second.record, 'recorded', { sendingAt: later.toISOString(), sendTag: 't-2' }),
    ).toBe(true);
    expect(await l.getMessage('m-1')).toMatchObject({
      status: 'sending',
      sendingAt: later.toISOString(),
      sendTag: 't-2',
      attempts: 2,
    });
  });
});
