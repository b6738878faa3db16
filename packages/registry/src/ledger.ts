import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { maskDeep, maskText, TransientError } from '@lingjun/core';
import { isConditionFailure, queryAll, stripKeys, wrapDynamoError } from './dynamo.ts';
import { keys } from './keys.ts';
import { type TransactItems, transact } from './transact.ts';
import type { ClaimResult, MessageRecord, MessageStatus } from './types.ts';

/**
 * Another invocation took the message over (its claim moved `attempts` on): this one writes and sends
 * nothing more, not even its failure, which would overwrite the new owner's record.
 */
export class ClaimLostError extends TransientError {
  override readonly name: string = 'ClaimLostError';
}

/** Message states that a new attempt may take over once the lease has expired. */
const RESUMABLE: ReadonlySet<MessageStatus> = new Set(['processing', 'recorded', 'sending', 'failed']);
/** States a new attempt keeps: it resumes at the reply (and, for 'sending', asks first whether it left). */
const AT_THE_REPLY: ReadonlySet<MessageStatus> = new Set(['recorded', 'sending']);

/**
 * The message ledger: one record per inbound email (claim, lease, status, outcome), and the sweeper's marks
 * on raw mail no record names.
 */
export class MessageLedger {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    readonly year: number,
  ) {}

  /**
   * Claims an inbound message for processing. A message already finished is reported as such (a repeated
   * delivery); one being processed by another invocation whose lease is still valid is `busy`.
   */
  async claimMessage(input: {
    messageId: string;
    receivedAt: string;
    rawKey: string;
    now: Date;
    leaseMs: number;
  }): Promise<ClaimResult> {
    const nowMs = input.now.getTime();
    // The first delivery, by far the most common, claims with one conditional write and no read before it.
    const fresh = await this.claimFresh(input);
    if (fresh) return fresh;
    const existing = await this.getMessage(input.messageId);
    if (!existing) return { state: 'busy' };
    if (!RESUMABLE.has(existing.status)) return { state: 'finished', record: existing };
    const record: MessageRecord = existing
      ? // A message whose records were written but whose reply was not known to be sent keeps its status, so
        // the retry resumes at the reply instead of computing the outcome again.
        {
          ...existing,
          status: AT_THE_REPLY.has(existing.status) ? existing.status : 'processing',
          attempts: existing.attempts + 1,
        }
      : {
          messageId: input.messageId,
          status: 'processing',
          receivedAt: input.receivedAt,
          rawKey: input.rawKey,
          attempts: 1,
          updatedAt: input.now.toISOString(),
        };
    record.leaseUntil = nowMs + input.leaseMs;
    record.updatedAt = input.now.toISOString();
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...keys.message(input.messageId), ...this.messageGsi(record), ...record },
          // attempts acts as a version: of two invocations that read the same expired lease, one wins. The
          // status read must still be the status: the owner finishing in between keeps attempts and releases
          // the lease, and without this a redelivery would take the finished message over and answer twice.
          ConditionExpression: existing
            ? 'attempts = :attempts AND #status = :seen AND (#status = :failed OR leaseUntil < :now)'
            : 'attribute_not_exists(pk)',
          ExpressionAttributeNames: existing ? { '#status': 'status' } : undefined,
          ExpressionAttributeValues: existing
            ? { ':failed': 'failed', ':now': nowMs, ':attempts': existing.attempts, ':seen': existing.status }
            : undefined,
        }),
      );
      return { state: 'claimed', record };
    } catch (err) {
      if (isConditionFailure(err)) {
        const now = await this.getMessage(input.messageId);
        if (now && !RESUMABLE.has(now.status)) return { state: 'finished', record: now };
        return { state: 'busy' };
      }
      throw wrapDynamoError(err, 'claim message');
    }
  }

  /** Claims a message no record names yet; undefined when one exists. */
  private async claimFresh(input: {
    messageId: string;
    receivedAt: string;
    rawKey: string;
    now: Date;
    leaseMs: number;
  }): Promise<ClaimResult | undefined> {
    const record: MessageRecord = {
      messageId: input.messageId,
      status: 'processing',
      receivedAt: input.receivedAt,
      rawKey: input.rawKey,
      attempts: 1,
      leaseUntil: input.now.getTime() + input.leaseMs,
      updatedAt: input.now.toISOString(),
    };
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...keys.message(input.messageId), ...this.messageGsi(record), ...record },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return { state: 'claimed', record };
    } catch (err) {
      if (isConditionFailure(err)) return undefined;
      throw wrapDynamoError(err, 'claim message');
    }
  }

  /**
   * The write of a message's outcome (with its reply's send taken: `sending`) as a transaction action,
   * conditioned on the claim still being this invocation's (`attempts` moves on when another one takes the
   * message over), so an invocation that lost the message writes nothing and never sends.
   */
  outcomeAction(record: MessageRecord): TransactItems[number] {
    return {
      Put: {
        TableName: this.table,
        Item: { ...keys.message(record.messageId), ...this.messageGsi(record), ...storedText(record) },
        ConditionExpression: 'attempts = :a',
        ExpressionAttributeValues: { ':a': record.attempts },
      },
    };
  }

  /**
   * Takes the send of a stored reply before a retry sends it: the record moves from `from` (recorded after
   * a refusal, or sending when a resumed run sends again) to `sending`, only while this invocation's claim
   * holds (`attempts`), so an invocation that lost the message to another never sends. From then on the
   * reply may have gone out, and a later run asks the mail service's evidence before sending again. (A first
   * reply's send is taken by the write of its outcome.)
   */
  async takeSend(
    record: MessageRecord,
    from: MessageStatus,
    send: { sendingAt: string; sendTag: string },
  ): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.message(record.messageId),
          UpdateExpression: 'SET #status = :sending, sendingAt = :at, sendTag = :tag, updatedAt = :t',
          ConditionExpression: '#status = :from AND attempts = :a',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':sending': 'sending',
            ':from': from,
            ':a': record.attempts,
            ':at': send.sendingAt,
            ':tag': send.sendTag,
            ':t': new Date().toISOString(),
          },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw wrapDynamoError(err, 'take send');
    }
  }

  /** Reads a message's stored state. */
  async getMessage(messageId: string): Promise<MessageRecord | undefined> {
    const res = await this.db.send(
      new GetCommand({ TableName: this.table, Key: keys.message(messageId), ConsistentRead: true }),
    );
    return res.Item ? stripKeys<MessageRecord>(res.Item) : undefined;
  }

  /**
   * Writes a message's new status and outcome; with `ifStatus`, only over a record still in that status
   * (false when it was not, so two people deciding the same message cannot both win); with `ifAttempts`,
   * only while that claim holds the message (false when another invocation took it over).
   */
  async saveMessage(
    record: MessageRecord,
    opts: { ifStatus?: MessageStatus; ifAttempts?: number } = {},
  ): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...keys.message(record.messageId), ...this.messageGsi(record), ...storedText(record) },
          ...(opts.ifStatus
            ? {
                ConditionExpression: '#status = :expected',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: { ':expected': opts.ifStatus },
              }
            : opts.ifAttempts !== undefined
              ? { ConditionExpression: 'attempts = :a', ExpressionAttributeValues: { ':a': opts.ifAttempts } }
              : {}),
        }),
      );
      return true;
    } catch (err) {
      if ((opts.ifStatus || opts.ifAttempts !== undefined) && isConditionFailure(err)) return false;
      throw wrapDynamoError(err, 'save message');
    }
  }

  /**
   * Writes a message's record together with other items in one transaction (a sent reply's record with
   * what remembers it for bounces).
   */
  async saveMessageWith(record: MessageRecord, with_: TransactItems): Promise<void> {
    if (with_.length === 0) {
      await this.saveMessage(record);
      return;
    }
    const item = { ...keys.message(record.messageId), ...this.messageGsi(record), ...storedText(record) };
    const reasons = await transact(this.db, [{ Put: { TableName: this.table, Item: item } }, ...with_]);
    if (reasons) throw new TransientError(`save message cancelled: ${reasons.map((r) => r.Code).join(',')}`);
  }

  /**
   * Reopens a held message so the pipeline can process it again after the bureau approved it. Only a message
   * still held is reopened: approving twice, or after a rejection, does nothing.
   */
  async reopenHeld(messageId: string, now: Date): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.message(messageId),
          UpdateExpression: 'SET #status = :failed, leaseUntil = :zero, updatedAt = :t REMOVE heldReason',
          ConditionExpression: '#status = :held',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':failed': 'failed',
            ':held': 'held',
            ':zero': 0,
            ':t': now.toISOString(),
          },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw wrapDynamoError(err, 'reopen held message');
    }
  }

  /** Lists messages of the year, oldest first, optionally of one status. */
  async listMessages(status?: MessageStatus): Promise<MessageRecord[]> {
    const items = await queryAll(this.db, {
      TableName: this.table,
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.messagesGsiPk(this.year) },
    });
    const all = items.map((i) => stripKeys<MessageRecord>(i));
    return status ? all.filter((m) => m.status === status) : all;
  }

  /** True when the sweeper already re-drove this raw message (one that no message record names). */
  async rawMailSwept(rawKey: string): Promise<boolean> {
    const res = await this.db.send(
      new GetCommand({ TableName: this.table, Key: keys.sweptRaw(rawKey), ConsistentRead: true }),
    );
    return res.Item !== undefined;
  }

  /** Records that the sweeper re-drove a raw message to an outcome. */
  async markRawMailSwept(rawKey: string, status: string, now: Date): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: { ...keys.sweptRaw(rawKey), type: 'swept-raw', status, sweptAt: now.toISOString() },
      }),
    );
  }

  private messageGsi(record: MessageRecord) {
    return { gsi1pk: keys.messagesGsiPk(this.year), gsi1sk: `${record.receivedAt}#${record.messageId}` };
  }

  /** Writes a marker item once; false when it already existed (used for send-once records). */
  async putOnce(pk: string, sk: string, attributes: Record<string, unknown>): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { pk, sk, ...attributes },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw wrapDynamoError(err, 'put once');
    }
  }
}

/**
 * A message record as stored: its outcome and held reason are read back by people (approve, reports, the
 * console), so IDs and mobiles in them are masked (maskDeep); the reply's delivery addresses stay usable.
 */
function storedText(record: MessageRecord): MessageRecord {
  return {
    ...record,
    ...(record.outcome !== undefined ? { outcome: maskDeep(record.outcome, new Set(['to'])) } : {}),
    ...(record.heldReason !== undefined ? { heldReason: maskText(record.heldReason) } : {}),
  };
}
