/**
 * Faults that Lambda retries: each ends, after the retry, in one complete outcome and one reply, with the
 * records written once. SES and DynamoDB faults are injected with aws-sdk-client-mock on the real clients;
 * every other call goes through to the local services.
 */

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import {
  BatchGetCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { documentClient, sesClient, sesMailer } from '@lingjun/aws';
import { INTAKE_LEASE_MAX_MS, SEND_TAG, TransientError } from '@lingjun/core';
import { handleDeliveryEvent } from '@lingjun/fn-bounces';
import { AwaitingSendEvidenceError, processInbound, SEND_EVIDENCE_GRACE_MS } from '@lingjun/intake';
import { Registry } from '@lingjun/registry';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { localStackInfo } from '../setup/aws.ts';
import { countingMailer, type Harness, harness, storeInbound, testProgram } from '../support/intake.ts';
import { people, submission } from '../support/submission.ts';

async function hebeiEmail(h: Harness, seed: number) {
  const { raw, messageId } = await submission({
    program: h.program,
    from: 'hbzxqy@163.com',
    region: '河北',
    classNo: 1,
    people: people(3, seed),
  });
  return { ref: await storeInbound(h, raw), messageId };
}

async function expectCompleteOnce(h: Harness, messageId: string) {
  const registry = h.deps().registry;
  expect((await registry.listRegion('130000')).filter((r) => r.status === 'active')).toHaveLength(3);
  expect((await registry.quotaUsed('130000')).total).toBe(3);
  expect(await h.repliesTo(messageId)).toHaveLength(1);
  const messages = await registry.listMessages();
  expect(messages).toHaveLength(1);
  expect(messages[0]).toMatchObject({ status: 'done' });
}

describe('faults and the retry Lambda makes', () => {
  it('an SES send failure: the retry sends the stored reply once, records unchanged', async () => {
    const h = await harness(await testProgram());
    const { ref, messageId } = await hebeiEmail(h, 900);
    const client = sesClient(h.config);
    const realSend = client.send.bind(client);
    const mock = mockClient(client);
    mock
      .on(SendEmailCommand)
      .rejectsOnce(
        // SES's answer: the mail did not leave, so the retry may send it at once.
        Object.assign(new Error('Daily message quota exceeded'), {
          name: 'LimitExceededException',
          $fault: 'client',
          $metadata: { httpStatusCode: 400 },
        }),
      )
      .callsFake((input) => realSend(new SendEmailCommand(input)));
    const deps = h.deps({ mailer: sesMailer(client) });
    await expect(processInbound(ref, deps)).rejects.toThrow(/quota exceeded/);
    expect((await deps.registry.listMessages())[0]?.status).toBe('recorded');
    const outcome = await processInbound(ref, deps);
    expect(outcome.status).toBe('accepted');
    expect(outcome.classes).toEqual([{ no: 1, accepted: 3, rejected: 0, withdrawn: 0 }]);
    mock.restore();
    await expectCompleteOnce(h, messageId);
  });

  it('a DynamoDB throttle midway through the records: the retry reaches the same end state', async () => {
    const h = await harness(await testProgram());
    const { ref, messageId } = await hebeiEmail(h, 901);
    const doc = documentClient(h.config);
    const realSend = doc.send.bind(doc) as (c: unknown) => Promise<unknown>;
    const mock = mockClient(doc);
    let writes = 0;
    // Every other command the registry uses goes through to DynamoDB Local unchanged.
    mock.on(GetCommand).callsFake((input) => realSend(new GetCommand(input)));
    mock.on(PutCommand).callsFake((input) => realSend(new PutCommand(input)));
    mock.on(QueryCommand).callsFake((input) => realSend(new QueryCommand(input)));
    mock.on(BatchGetCommand).callsFake((input) => realSend(new BatchGetCommand(input)));
    mock.on(UpdateCommand).callsFake((input) => realSend(new UpdateCommand(input)));
    mock.on(TransactWriteCommand).callsFake(async (input) => {
      writes++;
      // The records' transaction (every student with the outcome, one since issue 16) is throttled past
      // the SDK's own retries.
      if (writes === 1) {
        throw Object.assign(new Error('Rate of requests exceeds the allowed throughput'), {
          name: 'ThrottlingException',
        });
      }
      return realSend(new TransactWriteCommand(input));
    });
    const deps = h.deps({ registry: new Registry(doc, h.config.tableName, h.program.year) });
    await expect(processInbound(ref, deps)).rejects.toBeInstanceOf(TransientError);
    const outcome = await processInbound(ref, deps);
    expect(outcome.classes).toEqual([{ no: 1, accepted: 3, rejected: 0, withdrawn: 0 }]);
    mock.restore();
    await expectCompleteOnce(h, messageId);
  });

  it('a run that dies after taking the send, before SES has the reply: no evidence, so sent once after the grace period', async () => {
    const h = await harness(await testProgram());
    const { ref, messageId } = await hebeiEmail(h, 902);
    const t0 = new Date('2025-06-05T02:00:00Z');
    // The first invocation dies while sending: its promise never settles and no catch block runs.
    const dying = h.deps({ now: () => t0, mailer: { sendRaw: () => new Promise<string>(() => {}) } });
    void processInbound(ref, dying);
    const registry = h.deps().registry;
    await expect
      .poll(async () => (await registry.listMessages())[0]?.status, { timeout: 20_000 })
      .toBe('sending');

    const mailer = countingMailer(h.deps().mailer);
    const at = (ms: number) => h.deps({ mailer, now: () => new Date(t0.getTime() + ms) });
    // Lambda's first retry, while the dead invocation's lease still holds: refused, retried later.
    await expect(processInbound(ref, at(30_000))).rejects.toBeInstanceOf(TransientError);
    // After the lease the reply may have left: SES has said nothing yet, so nothing is sent, and the record is
    // left alone until the grace period is over.
    await expect(processInbound(ref, at(INTAKE_LEASE_MAX_MS + 1))).rejects.toBeInstanceOf(
      AwaitingSendEvidenceError,
    );
    await expect(processInbound(ref, at(SEND_EVIDENCE_GRACE_MS - 1))).rejects.toBeInstanceOf(TransientError);
    expect(mailer.sent).toHaveLength(0);
    // No evidence by the end of the grace period: it never left, and is sent now, once.
    const outcome = await processInbound(ref, at(SEND_EVIDENCE_GRACE_MS + 1));
    expect(outcome.status).toBe('accepted');
    expect(mailer.sent).toHaveLength(1);
    await expectCompleteOnce(h, messageId);
  });

  it("a run that dies after SES took the reply, before noting it: SES's Send event says so, and it is not sent again", async () => {
    const h = await harness(await testProgram());
    const { ref, messageId } = await hebeiEmail(h, 903);
    const t0 = new Date('2025-06-05T02:00:00Z');
    // SES takes the reply; the invocation dies before the answer is noted anywhere.
    let sesId = '';
    const real = h.deps().mailer;
    const dying = h.deps({
      now: () => t0,
      mailer: {
        async sendRaw(m) {
          sesId = await real.sendRaw(m);
          return new Promise<string>(() => {});
        },
      },
    });
    void processInbound(ref, dying);
    await expect.poll(() => sesId, { timeout: 20_000 }).not.toBe('');
    expect((await h.deps().registry.listMessages())[0]?.status).toBe('sending');
    expect(await h.repliesTo(messageId)).toHaveLength(1);

    const mailer = countingMailer(h.deps().mailer);
    const at = (ms: number) => h.deps({ mailer, now: () => new Date(t0.getTime() + ms) });
    // The retry after the lease comes before SES's event: it waits rather than send.
    await expect(processInbound(ref, at(INTAKE_LEASE_MAX_MS + 1))).rejects.toBeInstanceOf(
      AwaitingSendEvidenceError,
    );
    // The local SES wrote the Send event of the mail it took, tagged with the reply's key, as SES publishes it
    // to the configuration set's EventBridge destination; the bounces function records it.
    const event = JSON.parse(
      await readFile(join(localStackInfo().sesEventsDir, 'pending', `${sesId}.json`), 'utf8'),
    );
    expect(event.detail.mail.tags[SEND_TAG]).toEqual([expect.stringMatching(/^reply-[0-9a-f]{40}-1$/)]);
    expect(await handleDeliveryEvent(event, { config: h.config, program: h.program })).toMatchObject({
      sent: event.detail.mail.tags[SEND_TAG][0],
    });
    // Even past the grace period, the evidence wins: the email is finished without a second reply.
    const outcome = await processInbound(ref, at(SEND_EVIDENCE_GRACE_MS + 1));
    expect(outcome.status).toBe('accepted');
    expect(mailer.sent).toHaveLength(0);
    await expectCompleteOnce(h, messageId);
    const [record] = await h.deps().registry.listMessages();
    expect(record?.replyMessageId).toBe(sesId);
    // The record names the tag its send was taken with: the one SES's event carried.
    expect(record?.sendTag).toBe(event.detail.mail.tags[SEND_TAG][0]);
  });
});
