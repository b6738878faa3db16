/**
 * A redelivered email whose claim reads the message while the first delivery is sending its reply must not
 * take the message over once the first delivery has finished: the sender would get the receipt twice.
 * Found by `npm run bench` (burst: a redelivery answered twice); made deterministic here by finishing the
 * first delivery right after the second one's read, through a middleware on the real DynamoDB Local client.
 */
import { documentClient } from '@lingjun/aws';
import { type MessageRecord, type Outcome, Registry } from '@lingjun/registry';
import { describe, expect, it } from 'vitest';
import { isolatedTable } from '../setup/aws.ts';

describe('message claim', () => {
  it('a message finished between the read and the conditional write of a claim is reported finished', async () => {
    const config = await isolatedTable('claim');
    const owner = new Registry(documentClient(config), config.tableName, 2025);
    const at = new Date('2025-06-05T02:00:00Z');
    const claim = {
      messageId: 'race-1',
      receivedAt: at.toISOString(),
      rawKey: 'inbound/race-1',
      leaseMs: 90_000,
    };
    const first = await owner.claimMessage({ ...claim, now: new Date() });
    expect(first.state).toBe('claimed');
    if (first.state !== 'claimed') return;
    // The first delivery stored its outcome and is sending the reply.
    const outcome: Outcome = {
      messageId: 'race-1',
      status: 'accepted',
      region: null,
      classes: [],
      findings: [],
      reply: null,
    };
    const recorded: MessageRecord = { ...first.record, status: 'recorded', outcome };
    await owner.saveMessage(recorded);

    const client = documentClient(config);
    let reads = 0;
    client.middlewareStack.add(
      (next) => async (args) => {
        const out = await next(args);
        const input = args.input as { ConsistentRead?: boolean; Item?: unknown };
        // Right after the second delivery's first read, the first delivery finishes (lease released).
        if (input.ConsistentRead && input.Item === undefined && reads++ === 0) {
          await owner.saveMessage({ ...recorded, status: 'done', leaseUntil: 0 });
        }
        return out;
      },
      { step: 'initialize', name: 'finishFirstDeliveryAfterRead' },
    );
    const second = new Registry(client, config.tableName, 2025);
    const res = await second.claimMessage({ ...claim, now: new Date() });

    expect(reads).toBeGreaterThan(0);
    expect(res.state).toBe('finished');
    const stored = await owner.getMessage('race-1');
    expect(stored?.status).toBe('done');
    expect(stored?.attempts).toBe(1);
  });
});
