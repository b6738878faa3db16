import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { ConflictError, TransientError } from '@lingjun/core';
import {
  type ClassClaim,
  type ClassGuard,
  ClassTakenOverError,
  type ClassVersion,
  classGuardCheck,
  receivedLater,
} from './class-version.ts';
import { isConditionFailure, queryAll, stripKeys, wrapDynamoError } from './dynamo.ts';
import { keys } from './keys.ts';
import type {
  ClaimResult,
  MarkerOwner,
  MessageRecord,
  MessageStatus,
  Placement,
  QuotaLimits,
  RegisterResult,
  Registration,
} from './types.ts';

type TransactItems = NonNullable<TransactWriteCommandInput['TransactItems']>;

/** Message states that a new attempt may take over once the lease has expired. */
const RESUMABLE: ReadonlySet<MessageStatus> = new Set(['processing', 'recorded', 'failed']);

/** How often a transaction that lost to a concurrent one is tried again before giving up. */
const MAX_CONFLICT_RETRIES = 12;

/** A new student's registration as intake hands it over. */
export interface NewRegistration extends Placement {
  personKey: string;
  uscc: string;
  name: string;
  messageId: string;
  seq: number;
  values: Record<string, string>;
}

/**
 * All DynamoDB access of lingjun. One enterprise and one person per year are marker items written with
 * attribute_not_exists in the same transaction as the registration and the quota counters, so two emails
 * racing for the last place or the same enterprise cannot both win.
 */
export class Registry {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    readonly year: number,
  ) {}

  // ---- messages ---------------------------------------------------------------------------------------

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
    const existing = await this.getMessage(input.messageId);
    if (existing && !RESUMABLE.has(existing.status)) return { state: 'finished', record: existing };
    const record: MessageRecord = existing
      ? // A message whose records were written but whose reply was not sent keeps 'recorded', so the retry
        // resumes at the reply instead of computing the outcome again.
        {
          ...existing,
          status: existing.status === 'recorded' ? 'recorded' : 'processing',
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

  /** Reads a message's stored state. */
  async getMessage(messageId: string): Promise<MessageRecord | undefined> {
    const res = await this.db.send(
      new GetCommand({ TableName: this.table, Key: keys.message(messageId), ConsistentRead: true }),
    );
    return res.Item ? stripKeys<MessageRecord>(res.Item) : undefined;
  }

  /**
   * Writes a message's new status and outcome; with `ifStatus`, only over a record still in that status
   * (false when it was not, so two people deciding the same message cannot both win).
   */
  async saveMessage(record: MessageRecord, opts: { ifStatus?: MessageStatus } = {}): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...keys.message(record.messageId), ...this.messageGsi(record), ...record },
          ...(opts.ifStatus
            ? {
                ConditionExpression: '#status = :expected',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: { ':expected': opts.ifStatus },
              }
            : {}),
        }),
      );
      return true;
    } catch (err) {
      if (opts.ifStatus && isConditionFailure(err)) return false;
      throw wrapDynamoError(err, 'save message');
    }
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

  /** Adds one address to a region's contacts (a sender the bureau approved). */
  async addContact(region: string, email: string, messageId: string, now: Date): Promise<void> {
    const current = await this.getContacts(region);
    if (current.includes(email.toLowerCase())) return;
    await this.setContacts(region, [...current, email], messageId, now);
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

  // ---- registrations --------------------------------------------------------------------------------

  /**
   * Claims a region's class for a submission before it replaces the list: the version item moves on, and
   * the returned guard keeps every later write of this submission to that version. A submission received
   * before the one on file is `superseded`. On equal receipt times the claimant wins, except when it lost
   * the class once already (`yieldOnTie`), so two submissions of one instant cannot take it from each other
   * for ever.
   */
  async claimClass(
    claimant: {
      region: string;
      classNo: number;
      messageId: string;
      receivedAt: string;
      yieldOnTie?: boolean;
    },
    now: Date,
  ): Promise<ClassClaim> {
    const { region, classNo } = claimant;
    const key = keys.classVersion(this.year, region, classNo);
    for (let attempt = 0; ; attempt++) {
      const res = await this.db.send(
        new GetCommand({ TableName: this.table, Key: key, ConsistentRead: true }),
      );
      const current = res.Item ? stripKeys<ClassVersion>(res.Item) : undefined;
      if (current?.messageId === claimant.messageId) {
        return { state: 'owner', guard: { region, classNo, version: current.version } };
      }
      const tie =
        current !== undefined && !receivedLater(claimant, current) && !receivedLater(current, claimant);
      if (current && (receivedLater(current, claimant) || (tie && claimant.yieldOnTie))) {
        return {
          state: 'superseded',
          onFile: { messageId: current.messageId, receivedAt: current.receivedAt },
        };
      }
      const next: ClassVersion = {
        region,
        classNo,
        version: (current?.version ?? 0) + 1,
        messageId: claimant.messageId,
        receivedAt: claimant.receivedAt,
      };
      try {
        await this.db.send(
          new PutCommand({
            TableName: this.table,
            Item: { ...key, type: 'class-version', ...next, updatedAt: now.toISOString() },
            ConditionExpression: current ? 'version = :v' : 'attribute_not_exists(pk)',
            ...(current ? { ExpressionAttributeValues: { ':v': current.version } } : {}),
          }),
        );
        return { state: 'owner', guard: { region, classNo, version: next.version } };
      } catch (err) {
        if (!isConditionFailure(err)) throw wrapDynamoError(err, 'claim class');
        if (attempt >= MAX_CONFLICT_RETRIES) {
          throw new ConflictError('class version kept changing under concurrent submissions', { cause: err });
        }
      }
    }
  }

  /** The submission on file for a region's class, if any. */
  async classVersion(region: string, classNo: number): Promise<ClassVersion | undefined> {
    const res = await this.db.send(
      new GetCommand({
        TableName: this.table,
        Key: keys.classVersion(this.year, region, classNo),
        ConsistentRead: true,
      }),
    );
    return res.Item ? stripKeys<ClassVersion>(res.Item) : undefined;
  }

  /** Active and withdrawn registrations of a region, optionally for one class. */
  async listRegion(region: string, classNo?: number): Promise<Registration[]> {
    const items = await queryAll(this.db, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :c)',
      ExpressionAttributeValues: {
        ':pk': keys.regionPk(this.year, region),
        ':c': classNo === undefined ? 'C#' : keys.classPrefix(classNo),
      },
      ConsistentRead: true,
    });
    return items.map((i) => stripKeys<Registration>(i));
  }

  /** All registrations of one class across regions (eventually consistent: an index). */
  async listClass(classNo: number): Promise<Registration[]> {
    const items = await queryAll(this.db, {
      TableName: this.table,
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.classGsiPk(this.year, classNo) },
    });
    return items.map((i) => stripKeys<Registration>(i));
  }

  /**
   * Registers a new student: registration, enterprise marker, person marker and quota counters in one
   * transaction. Lost races are retried; a failed condition says which rule the student broke.
   */
  async register(
    reg: NewRegistration,
    limits: QuotaLimits,
    now: Date,
    guard?: ClassGuard,
  ): Promise<RegisterResult> {
    const at = now.toISOString();
    const owner: MarkerOwner = {
      region: reg.region,
      classNo: reg.classNo,
      personKey: reg.personKey,
      uscc: reg.uscc,
      messageId: reg.messageId,
    };
    const item: Registration = {
      region: reg.region,
      classNo: reg.classNo,
      personKey: reg.personKey,
      uscc: reg.uscc,
      name: reg.name,
      status: 'active',
      messageId: reg.messageId,
      seq: reg.seq,
      acceptedAt: at,
      updatedAt: at,
      values: reg.values,
    };
    const items: TransactItems = [
      {
        Put: {
          TableName: this.table,
          Item: {
            ...keys.registration(this.year, reg.region, reg.classNo, reg.personKey),
            ...keys.registrationGsi(this.year, reg.region, reg.classNo, reg.personKey),
            type: 'registration',
            ...item,
          },
          ConditionExpression: 'attribute_not_exists(pk) OR #status = :withdrawn',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':withdrawn': 'withdrawn' },
        },
      },
      {
        Put: {
          TableName: this.table,
          Item: { ...keys.enterprise(this.year, reg.uscc), type: 'enterprise', owner },
          ConditionExpression: 'attribute_not_exists(pk)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      },
      {
        Put: {
          TableName: this.table,
          Item: { ...keys.person(this.year, reg.personKey), type: 'person', owner },
          ConditionExpression: 'attribute_not_exists(pk)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      },
      this.counterUpdate(keys.quotaTotal(this.year, reg.region), 1, limits.total),
      this.counterUpdate(keys.quotaClass(this.year, reg.region, reg.classNo), 1, limits.perClass),
    ];
    const reasons = await this.transactGuarded(items, guard);
    if (!reasons) return { ok: true };
    const [regR, entR, perR, totR, clsR] = reasons;
    // The same person again is the more exact reason, even when they also bring the same enterprise.
    if (perR?.Code === 'ConditionalCheckFailed') {
      return { ok: false, reason: 'person', owner: ownerOf(perR.Item) };
    }
    if (entR?.Code === 'ConditionalCheckFailed') {
      return { ok: false, reason: 'enterprise', owner: ownerOf(entR.Item) };
    }
    if (regR?.Code === 'ConditionalCheckFailed') return { ok: false, reason: 'already-active' };
    if (totR?.Code === 'ConditionalCheckFailed') return { ok: false, reason: 'quota-total' };
    if (clsR?.Code === 'ConditionalCheckFailed') return { ok: false, reason: 'quota-class' };
    throw new TransientError(`register transaction cancelled: ${reasons.map((r) => r?.Code).join(',')}`);
  }

  /**
   * Updates a student who stays registered after a resubmission. When the enterprise changed, the old
   * enterprise marker is released and the new one claimed in the same transaction.
   */
  async update(
    current: Registration,
    next: { uscc: string; name: string; values: Record<string, string>; messageId: string; seq: number },
    now: Date,
    guard?: ClassGuard,
  ): Promise<RegisterResult> {
    const key = keys.registration(this.year, current.region, current.classNo, current.personKey);
    const items: TransactItems = [
      {
        Update: {
          TableName: this.table,
          Key: key,
          UpdateExpression:
            'SET #values = :v, uscc = :u, #name = :n, messageId = :m, seq = :s, updatedAt = :t',
          ConditionExpression: '#status = :active',
          ExpressionAttributeNames: { '#values': 'values', '#name': 'name', '#status': 'status' },
          ExpressionAttributeValues: {
            ':v': next.values,
            ':u': next.uscc,
            ':n': next.name,
            ':m': next.messageId,
            ':s': next.seq,
            ':t': now.toISOString(),
            ':active': 'active',
          },
        },
      },
    ];
    if (next.uscc !== current.uscc) {
      const owner: MarkerOwner = {
        region: current.region,
        classNo: current.classNo,
        personKey: current.personKey,
        uscc: next.uscc,
        messageId: next.messageId,
      };
      items.push(
        {
          Put: {
            TableName: this.table,
            Item: { ...keys.enterprise(this.year, next.uscc), type: 'enterprise', owner },
            ConditionExpression: 'attribute_not_exists(pk)',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        },
        {
          Delete: {
            TableName: this.table,
            Key: keys.enterprise(this.year, current.uscc),
            ConditionExpression: '#owner.personKey = :p',
            ExpressionAttributeNames: { '#owner': 'owner' },
            ExpressionAttributeValues: { ':p': current.personKey },
          },
        },
        {
          Update: {
            TableName: this.table,
            Key: keys.person(this.year, current.personKey),
            UpdateExpression: 'SET #owner.uscc = :u, #owner.messageId = :m',
            ExpressionAttributeNames: { '#owner': 'owner' },
            ExpressionAttributeValues: { ':u': next.uscc, ':m': next.messageId },
          },
        },
      );
    }
    const reasons = await this.transactGuarded(items, guard);
    if (!reasons) return { ok: true };
    if (reasons[1]?.Code === 'ConditionalCheckFailed') {
      return { ok: false, reason: 'enterprise', owner: ownerOf(reasons[1].Item) };
    }
    if (reasons[0]?.Code === 'ConditionalCheckFailed') return { ok: false, reason: 'already-active' };
    throw new TransientError(`update transaction cancelled: ${reasons.map((r) => r?.Code).join(',')}`);
  }

  /** Withdraws a student no longer listed: releases the enterprise and person markers and the quota places. */
  async withdraw(current: Registration, messageId: string, now: Date, guard?: ClassGuard): Promise<boolean> {
    const items: TransactItems = [
      {
        Update: {
          TableName: this.table,
          Key: keys.registration(this.year, current.region, current.classNo, current.personKey),
          UpdateExpression: 'SET #status = :withdrawn, withdrawnBy = :m, updatedAt = :t',
          ConditionExpression: '#status = :active',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':withdrawn': 'withdrawn',
            ':active': 'active',
            ':m': messageId,
            ':t': now.toISOString(),
          },
        },
      },
      {
        Delete: {
          TableName: this.table,
          Key: keys.enterprise(this.year, current.uscc),
          ConditionExpression: 'attribute_not_exists(pk) OR #owner.personKey = :p',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':p': current.personKey },
        },
      },
      {
        Delete: {
          TableName: this.table,
          Key: keys.person(this.year, current.personKey),
          ConditionExpression: 'attribute_not_exists(pk) OR (#owner.#region = :r AND #owner.classNo = :c)',
          // REGION is a DynamoDB reserved word, even as a nested attribute name.
          ExpressionAttributeNames: { '#owner': 'owner', '#region': 'region' },
          ExpressionAttributeValues: { ':r': current.region, ':c': current.classNo },
        },
      },
      this.counterUpdate(keys.quotaTotal(this.year, current.region), -1),
      this.counterUpdate(keys.quotaClass(this.year, current.region, current.classNo), -1),
    ];
    const reasons = await this.transactGuarded(items, guard);
    return reasons === undefined;
  }

  // ---- quotas ---------------------------------------------------------------------------------------

  /** Places used by a region: in total and per class. */
  async quotaUsed(region: string): Promise<{ total: number; perClass: Record<number, number> }> {
    const items = await queryAll(this.db, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.quotaPk(this.year, region) },
      ConsistentRead: true,
    });
    const out = { total: 0, perClass: {} as Record<number, number> };
    for (const i of items) {
      const used = Number(i.used ?? 0);
      if (i.sk === 'TOTAL') out.total = used;
      else out.perClass[Number(String(i.sk).slice(2))] = used;
    }
    return out;
  }

  // ---- regions: contacts and form status ---------------------------------------------------------------

  /** The contacts a region named in its latest 附件3. */
  async getContacts(region: string): Promise<string[]> {
    const res = await this.db.send(
      new GetCommand({
        TableName: this.table,
        Key: keys.regionInfo(this.year, region, 'CONTACTS'),
        ConsistentRead: true,
      }),
    );
    return (res.Item?.emails as string[] | undefined) ?? [];
  }

  /** The region a sender address is registered for through a 附件3, if any. */
  async senderRegion(email: string): Promise<string | undefined> {
    const res = await this.db.send(
      new GetCommand({ TableName: this.table, Key: keys.sender(this.year, email), ConsistentRead: true }),
    );
    return res.Item?.region as string | undefined;
  }

  /** Replaces a region's contacts with those of its latest 附件3 and indexes each address. */
  async setContacts(region: string, emails: string[], messageId: string, now: Date): Promise<void> {
    const previous = await this.getContacts(region);
    const unique = [...new Set(emails.map((e) => e.toLowerCase()))];
    const items: TransactItems = [
      {
        Put: {
          TableName: this.table,
          Item: {
            ...keys.regionInfo(this.year, region, 'CONTACTS'),
            emails: unique,
            messageId,
            updatedAt: now.toISOString(),
          },
        },
      },
      ...unique.map((e) => ({
        Put: { TableName: this.table, Item: { ...keys.sender(this.year, e), region, messageId } },
      })),
      ...previous
        .filter((e) => !unique.includes(e))
        .map((e) => ({
          Delete: {
            TableName: this.table,
            Key: keys.sender(this.year, e),
            ConditionExpression: '#r = :r',
            ExpressionAttributeNames: { '#r': 'region' },
            ExpressionAttributeValues: { ':r': region },
          },
        })),
    ];
    // A 附件3 lists a handful of contacts; the transaction limit of 100 items is far away.
    await this.transact(items.slice(0, 100));
  }

  /** Records that a region has submitted something (附件3, or a class's 附件4), for reminders and digests. */
  async markSubmitted(region: string, what: string, messageId: string, now: Date): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: keys.regionInfo(this.year, region, `SUB#${what}`),
        UpdateExpression: 'SET messageId = :m, updatedAt = :t, firstAt = if_not_exists(firstAt, :t)',
        ExpressionAttributeValues: { ':m': messageId, ':t': now.toISOString() },
      }),
    );
  }

  /** What a region has submitted: keys such as 'FORM3', 'C#01'. */
  async submitted(region: string): Promise<Set<string>> {
    const items = await queryAll(this.db, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :s)',
      ExpressionAttributeValues: { ':pk': keys.regionInfoPk(this.year, region), ':s': 'SUB#' },
      ConsistentRead: true,
    });
    return new Set(items.map((i) => String(i.sk).slice(4)));
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

  // ---- plumbing ----------------------------------------------------------------------------------------

  private counterUpdate(
    key: { pk: string; sk: string },
    delta: number,
    limit?: number,
  ): TransactItems[number] {
    return {
      Update: {
        TableName: this.table,
        Key: key,
        UpdateExpression: 'ADD used :d',
        ...(limit !== undefined && delta > 0
          ? {
              ConditionExpression: 'attribute_not_exists(used) OR used < :limit',
              ExpressionAttributeValues: { ':d': delta, ':limit': limit },
            }
          : { ExpressionAttributeValues: { ':d': delta } }),
      },
    };
  }

  /**
   * Runs a transaction of a submission's list, with the check that the submission still owns the class
   * (appended last, so the indices of the other reasons stay as the caller built them).
   */
  private async transactGuarded(
    items: TransactItems,
    guard: ClassGuard | undefined,
  ): Promise<{ Code?: string; Item?: Record<string, unknown> }[] | undefined> {
    if (!guard) return this.transact(items);
    const reasons = await this.transact([...items, classGuardCheck(this.table, this.year, guard)]);
    if (reasons?.[items.length]?.Code === 'ConditionalCheckFailed') {
      throw new ClassTakenOverError(
        `class ${guard.classNo} of region ${guard.region} was claimed by a newer submission`,
      );
    }
    return reasons;
  }

  /**
   * Runs a transaction; returns undefined on success or the cancellation reasons when a condition failed.
   * TransactionConflict (another transaction touched the same items) is retried with jitter: a lost race
   * is never reported as a full quota or a duplicate.
   */
  private async transact(
    items: TransactItems,
  ): Promise<{ Code?: string; Item?: Record<string, unknown> }[] | undefined> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.db.send(new TransactWriteCommand({ TransactItems: items }));
        return undefined;
      } catch (err) {
        if (
          err instanceof TransactionCanceledException ||
          (err as Error).name === 'TransactionCanceledException'
        ) {
          const reasons = ((err as TransactionCanceledException).CancellationReasons ?? []).map((r) => ({
            Code: r.Code,
            Item: r.Item ? unmarshall(r.Item as never) : undefined,
          }));
          const conflict = reasons.some((r) => r.Code === 'TransactionConflict');
          const conditionFailed = reasons.some((r) => r.Code === 'ConditionalCheckFailed');
          if (conditionFailed) return reasons;
          if (conflict && attempt < MAX_CONFLICT_RETRIES) {
            await sleep(jitter(attempt));
            continue;
          }
          throw new ConflictError('transaction kept conflicting with concurrent writers', { cause: err });
        }
        if ((err as Error).name === 'TransactionInProgressException' && attempt < MAX_CONFLICT_RETRIES) {
          await sleep(jitter(attempt));
          continue;
        }
        throw wrapDynamoError(err, 'transaction');
      }
    }
  }
}

function ownerOf(item: Record<string, unknown> | undefined): MarkerOwner | undefined {
  return item?.owner as MarkerOwner | undefined;
}

function jitter(attempt: number): number {
  return Math.random() * Math.min(500, 20 * 2 ** attempt);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
