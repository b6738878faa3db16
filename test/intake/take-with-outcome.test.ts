/**
 * issue 16: the reply's send is taken by the write that stores the email's outcome (status `sending`, with
 * `sendingAt` and the send tag), in the records transaction or, without registrations, in the one
 * conditional write of the outcome: no separate UpdateItem. That write is conditioned on the claim, so an
 * invocation that lost the email to another writes nothing and sends nothing (issue 14). Calls are counted by
 * a middleware on the real client against the local stack; nothing is faked.
 */
import { documentClient } from '@lingjun/aws';
import type { BlobStore, Mailer } from '@lingjun/core';
import { type InboundRef, processInbound, replyTag } from '@lingjun/intake';
import { ClaimLostError, type MessageRecord, Registry } from '@lingjun/registry';
import { describe, expect, it } from 'vitest';
import { buildEmail } from '../support/email.ts';
import { countingMailer, type Harness, harness, storeInbound, testProgram } from '../support/intake.ts';
import { people, submission } from '../support/submission.ts';

const FROM = 'hbzxqy@163.com';
const T0 = new Date('2025-06-05T02:00:00Z');

/** A registry over a client that records each operation with its input (the real client, nothing faked). */
function recorded(h: Harness) {
  const doc = documentClient(h.config);
  const calls: { op: string; input: Record<string, unknown> }[] = [];
  doc.middlewareStack.add(
    (next, context) => async (args) => {
      const input = structuredClone((args as { input: Record<string, unknown> }).input);
      calls.push({ op: String(context.commandName).replace(/Command$/, ''), input });
      return next(args);
    },
    { step: 'initialize', name: 'recordCalls' },
  );
  return { calls, registry: new Registry(doc, h.config.tableName, h.program.year) };
}

/** A real mailer that first reads the email's stored record, as it stands when the reply is handed over. */
function witnessingMailer(h: Harness, inner: Mailer) {
  const seen: MessageRecord[] = [];
  const mailer: Mailer = {
    async sendRaw(m) {
      const [record] = await h.deps().registry.listMessages();
      if (record) seen.push(record);
      return inner.sendRaw(m);
    },
  };
  return { seen, mailer };
}

async function hebeiList(h: Harness, seed: number): Promise<{ ref: InboundRef; messageId: string }> {
  const { raw, messageId } = await submission({
    program: h.program,
    from: FROM,
    region: '河北',
    classNo: 1,
    people: people(3, seed),
  });
  return { ref: await storeInbound(h, raw, T0), messageId };
}

async function noForms(h: Harness): Promise<{ ref: InboundRef; messageId: string }> {
  const { raw, messageId } = await buildEmail({
    from: FROM,
    text: '请问报名表在哪里下载？',
    attachments: [],
  });
  return { ref: await storeInbound(h, raw, T0), messageId };
}

/**
 * A store over the real one that, when this run stores its reply (just before the outcome's write), lets a
 * redelivery take the email over: the lease has run out and a later invocation claimed it (attempts 2).
 */
function takenOverAtTheReply(h: Harness, ref: InboundRef): { store: BlobStore; at: Date } {
  const real = h.deps().store;
  const at = new Date(T0.getTime() + 10 * 60_000);
  return {
    at,
    store: {
      get: (key) => real.get(key),
      async put(key, body, type) {
        const m = /^replies\/(.+)\.eml$/.exec(key);
        if (m?.[1]) {
          const takeover = await h.deps().registry.claimMessage({
            messageId: m[1],
            receivedAt: ref.receivedAt.toISOString(),
            rawKey: ref.rawKey,
            now: at,
            leaseMs: 60_000,
          });
          expect(takeover).toMatchObject({ state: 'claimed', record: { attempts: 2 } });
        }
        return real.put(key, body, type);
      },
    },
  };
}

describe('the send taken with the outcome', () => {
  it('a submission: the records transaction writes the outcome as `sending`; no separate take', async () => {
    const h = await harness(await testProgram());
    const { ref } = await hebeiList(h, 1801);
    const { calls, registry } = recorded(h);
    const { seen, mailer } = witnessingMailer(h, h.deps().mailer);
    const outcome = await processInbound(ref, h.deps({ registry, mailer, now: () => T0 }));
    expect(outcome.status).toBe('accepted');
    expect(calls.map((c) => c.op)).not.toContain('UpdateItem');
    const transactions = calls.filter((c) => c.op === 'TransactWriteItems');
    expect(transactions).toHaveLength(1);
    const actions = (transactions[0]?.input.TransactItems ?? []) as {
      Put?: { Item: Record<string, unknown>; ConditionExpression?: string };
    }[];
    const message = actions.find((a) => String(a.Put?.Item.pk).startsWith('MSG#'))?.Put;
    const key = String(message?.Item.messageId);
    expect(message?.Item).toMatchObject({
      status: 'sending',
      sendingAt: T0.toISOString(),
      sendTag: replyTag(key, 1),
      attempts: 1,
    });
    expect(message?.ConditionExpression).toBe('attempts = :a');
    // When SES gets the reply, the stored record already says the send is taken, under that tag.
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ status: 'sending', sendTag: replyTag(key, 1), attempts: 1 });
    expect((await h.deps().registry.listMessages())[0]).toMatchObject({ status: 'done' });
  });

  it('a rejection: its one outcome write is the take (claim, outcome as `sending`, done)', async () => {
    const h = await harness(await testProgram());
    const { ref, messageId } = await noForms(h);
    const { calls, registry } = recorded(h);
    const { seen, mailer } = witnessingMailer(h, h.deps().mailer);
    const outcome = await processInbound(ref, h.deps({ registry, mailer, now: () => T0 }));
    expect(outcome.status).toBe('rejected');
    expect(calls.map((c) => c.op)).toEqual(['PutItem', 'PutItem', 'PutItem']);
    const take = calls[1]?.input as { Item: Record<string, unknown>; ConditionExpression?: string };
    expect(take.Item).toMatchObject({ status: 'sending', sendingAt: T0.toISOString(), attempts: 1 });
    expect(take.ConditionExpression).toBe('attempts = :a');
    expect(seen[0]).toMatchObject({ status: 'sending', attempts: 1 });
    expect(await h.repliesTo(messageId)).toHaveLength(1);
  });

  it('a run that lost its claim before the records transaction writes nothing and sends nothing', async () => {
    const h = await harness(await testProgram());
    const { ref, messageId } = await hebeiList(h, 1802);
    const { store, at } = takenOverAtTheReply(h, ref);
    const mailer = countingMailer(h.deps().mailer);
    await expect(processInbound(ref, h.deps({ store, mailer, now: () => T0 }))).rejects.toBeInstanceOf(
      ClaimLostError,
    );
    expect(mailer.sent).toHaveLength(0);
    const registry = h.deps().registry;
    expect(await registry.listRegion('130000', 1)).toEqual([]);
    expect((await registry.quotaUsed('130000')).total).toBe(0);
    // The new owner's record is untouched by the run that lost it.
    expect((await registry.listMessages())[0]).toMatchObject({ status: 'processing', attempts: 2 });
    // Once the new owner's lease runs out too, a retry answers the email once.
    const later = await processInbound(ref, h.deps({ now: () => new Date(at.getTime() + 10 * 60_000) }));
    expect(later.status).toBe('accepted');
    expect(await h.repliesTo(messageId)).toHaveLength(1);
  });

  it('a run that lost its claim before a rejection is stored writes nothing and sends nothing', async () => {
    const h = await harness(await testProgram());
    const { ref, messageId } = await noForms(h);
    const { store } = takenOverAtTheReply(h, ref);
    const mailer = countingMailer(h.deps().mailer);
    await expect(processInbound(ref, h.deps({ store, mailer, now: () => T0 }))).rejects.toBeInstanceOf(
      ClaimLostError,
    );
    expect(mailer.sent).toHaveLength(0);
    expect(await h.repliesTo(messageId)).toHaveLength(0);
    expect((await h.deps().registry.listMessages())[0]).toMatchObject({ status: 'processing', attempts: 2 });
  });
});
