import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { ConflictError, TransientError } from '@lingjun/core';
import { type IntentResult, type SubmissionWrite, writeSubmission } from './batch.ts';
import {
  type ClassClaim,
  type ClassGuard,
  ClassTakenOverError,
  type ClassVersion,
  classGuardCheck,
  decideClassClaim,
} from './class-version.ts';
import { isConditionFailure, queryAll, stripKeys, wrapDynamoError } from './dynamo.ts';
import { keys } from './keys.ts';
import { type ReadPlan, readSubmission, type SubmissionReads } from './reads.ts';
import { counterUpdate, MAX_CONFLICT_RETRIES, ownerOf, type TransactItems, transact } from './transact.ts';
import type { MarkerOwner, Placement, QuotaLimits, RegisterResult, Registration } from './types.ts';
import {
  placementOf,
  registerActions,
  type UpdateFields,
  updateActions,
  withdrawActions,
} from './write-actions.ts';

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
 * Registrations, the enterprise and person markers, the quota counters and the class versions. One
 * enterprise and one person per year are marker items written with attribute_not_exists in the same
 * transaction as the registration and the quota counters, so two emails racing for the last place or the
 * same enterprise cannot both win.
 */
export class Registrations {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    readonly year: number,
  ) {}

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
      const claim = decideClassClaim(current, claimant, claimant.yieldOnTie ?? false);
      if (claim.state === 'superseded') {
        return {
          state: 'superseded',
          onFile: { messageId: claim.onFile.messageId, receivedAt: claim.onFile.receivedAt },
        };
      }
      const next = claim.next;
      if (next === current) return { state: 'owner', guard: { region, classNo, version: current.version } };
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
    const owner: MarkerOwner = { ...placementOf(reg), uscc: reg.uscc, messageId: reg.messageId };
    const items: TransactItems = [
      ...registerActions(this.table, this.year, reg, owner, now.toISOString()),
      counterUpdate(this.table, keys.quotaTotal(this.year, reg.region), 1, limits.total),
      counterUpdate(this.table, keys.quotaClass(this.year, reg.region, reg.classNo), 1, limits.perClass),
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
    next: UpdateFields,
    now: Date,
    guard?: ClassGuard,
  ): Promise<RegisterResult> {
    const items = updateActions(this.table, this.year, current, next, now.toISOString());
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
      ...withdrawActions(this.table, this.year, current, messageId, now.toISOString()),
      counterUpdate(this.table, keys.quotaTotal(this.year, current.region), -1),
      counterUpdate(this.table, keys.quotaClass(this.year, current.region, current.classNo), -1),
    ];
    const reasons = await this.transactGuarded(items, guard);
    return reasons === undefined;
  }

  /**
   * Reads what a submission's decisions need in one Query and one BatchGetItem (see reads.ts); reads the
   * plan did not name fall back to the single reads.
   */
  async readSubmission(
    plan: ReadPlan,
    directory: Pick<SubmissionReads, 'senderRegion' | 'getContacts'>,
  ): Promise<SubmissionReads> {
    return readSubmission(this.db, this.table, this.year, plan, {
      senderRegion: (e) => directory.senderRegion(e),
      getContacts: (r) => directory.getContacts(r),
      listRegion: (r, c) => this.listRegion(r, c),
      classVersion: (r, c) => this.classVersion(r, c),
      quotaUsed: (r) => this.quotaUsed(r),
    });
  }

  /**
   * Writes a submission's whole list (withdrawals, updates, registrations, counters, class versions and,
   * through `finish`, its outcome) in as few transactions as DynamoDB allows, with the results the
   * per-student `register`/`update`/`withdraw` calls would have given (see batch.ts).
   */
  async writeSubmission(input: SubmissionWrite): Promise<IntentResult[]> {
    return writeSubmission(this.db, this.table, this.year, input);
  }

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

  /**
   * Runs a transaction of a submission's list, with the check that the submission still owns the class
   * (appended last, so the indices of the other reasons stay as the caller built them).
   */
  private async transactGuarded(
    items: TransactItems,
    guard: ClassGuard | undefined,
  ): Promise<{ Code?: string; Item?: Record<string, unknown> }[] | undefined> {
    if (!guard) return transact(this.db, items);
    const reasons = await transact(this.db, [...items, classGuardCheck(this.table, this.year, guard)]);
    if (reasons?.[items.length]?.Code === 'ConditionalCheckFailed') {
      throw new ClassTakenOverError(
        `class ${guard.classNo} of region ${guard.region} was claimed by a newer submission`,
      );
    }
    return reasons;
  }
}
