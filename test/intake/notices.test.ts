/**
 * issue 14: bureau notices (quarantine, held, first contact) were sent before the outcome was saved, so a
 * retry sent them again. Each notice now goes through the send-once ledger keyed by the message and kind it
 * is about: a step that runs again after a failure sends no notice twice.
 */
import { BatchGetCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient } from '@lingjun/aws';
import { type InboundRef, processInbound } from '@lingjun/intake';
import { Registry } from '@lingjun/registry';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { type Harness, harness, storeInbound, testProgram } from '../support/intake.ts';
import { people, submission } from '../support/submission.ts';

/** A registry whose first save of a message in `status` fails, as a throttle past the SDK's retries would. */
function failingFirstSave(h: Harness, status: string) {
  const doc = documentClient(h.config);
  const realSend = doc.send.bind(doc) as (c: unknown) => Promise<unknown>;
  const mock = mockClient(doc);
  let failed = false;
  mock.on(GetCommand).callsFake((input) => realSend(new GetCommand(input)));
  mock.on(QueryCommand).callsFake((input) => realSend(new QueryCommand(input)));
  mock.on(BatchGetCommand).callsFake((input) => realSend(new BatchGetCommand(input)));
  mock.on(UpdateCommand).callsFake((input) => realSend(new UpdateCommand(input)));
  mock.on(PutCommand).callsFake(async (input) => {
    if (!failed && input.Item?.status === status) {
      failed = true;
      throw Object.assign(new Error('Rate of requests exceeds the allowed throughput'), {
        name: 'ThrottlingException',
      });
    }
    return realSend(new PutCommand(input));
  });
  return { registry: new Registry(doc, h.config.tableName, h.program.year), mock };
}

async function noticesAfter(h: Harness, since: number): Promise<number> {
  return (await h.sentTo(h.program.adminEmails[0] as string, since)).length;
}

describe('bureau notices are sent once', () => {
  it('quarantine: the outcome save fails after the notice; the retry sends no second notice', async () => {
    const h = await harness(await testProgram());
    const since = Date.now() - 1000;
    const { raw } = await submission({
      program: h.program,
      from: 'hbzxqy@163.com',
      region: '河北',
      classNo: 1,
      people: people(1, 1700),
    });
    const stored = await storeInbound(h, raw);
    const ref: InboundRef = { ...stored, verdicts: { ...stored.verdicts, spam: 'FAIL' } };
    const { registry, mock } = failingFirstSave(h, 'quarantined');
    const deps = h.deps({ registry });
    await expect(processInbound(ref, deps)).rejects.toThrow(/Throttling/);
    expect(await noticesAfter(h, since)).toBe(1);
    expect((await processInbound(ref, deps)).status).toBe('quarantined');
    mock.restore();
    expect(await noticesAfter(h, since)).toBe(1);
    expect((await processInbound(ref, h.deps())).status).toBe('duplicate');
    expect(await noticesAfter(h, since)).toBe(1);
  });

  it('held: the outcome save fails after the notice; the retry holds it again and sends one notice, one reply', async () => {
    const h = await harness(await testProgram());
    const since = Date.now() - 1000;
    const { raw, messageId } = await submission({
      program: h.program,
      from: 'stranger@example.com',
      region: '河北',
      classNo: 1,
      people: people(1, 1701),
    });
    const ref = await storeInbound(h, raw);
    // The outcome is saved with the reply's send taken ('sending', one write) before the reply goes out.
    const { registry, mock } = failingFirstSave(h, 'sending');
    const deps = h.deps({ registry });
    await expect(processInbound(ref, deps)).rejects.toThrow(/Throttling/);
    expect(await noticesAfter(h, since)).toBe(1);
    expect((await processInbound(ref, deps)).status).toBe('held');
    mock.restore();
    expect(await noticesAfter(h, since)).toBe(1);
    expect(await h.repliesTo(messageId)).toHaveLength(1);
  });
});
