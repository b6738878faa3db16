import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { TransientError } from '@lingjun/core';
import type { QuotaUsed } from './batch.ts';
import type { ClassVersion } from './class-version.ts';
import { queryAll, stripKeys, wrapDynamoError } from './dynamo.ts';
import { keys } from './keys.ts';
import type { Registration } from './types.ts';

/** What a submission's decisions read, named before reading: its sender, its region and the classes. */
export interface ReadPlan {
  sender?: string;
  region?: string;
  /** Classes whose version and quota counter are read (the receipt shows every class's places). */
  classes: number[];
}

/** The reads a submission's decisions need, each served from the one Query and one BatchGetItem. */
export interface SubmissionReads {
  readonly plan: ReadPlan;
  /** The region a sender address is registered for (sender index), when the plan named that sender. */
  senderRegion(email: string): Promise<string | undefined>;
  getContacts(region: string): Promise<string[]>;
  /** Active and withdrawn registrations of the planned region, optionally for one class. */
  listRegion(region: string, classNo?: number): Promise<Registration[]>;
  classVersion(region: string, classNo: number): Promise<ClassVersion | undefined>;
  quotaUsed(region: string): Promise<QuotaUsed>;
}

/** The item reads a submission falls back to for anything its plan did not name. */
export interface ItemReads {
  senderRegion(email: string): Promise<string | undefined>;
  getContacts(region: string): Promise<string[]>;
  listRegion(region: string, classNo?: number): Promise<Registration[]>;
  classVersion(region: string, classNo: number): Promise<ClassVersion | undefined>;
  quotaUsed(region: string): Promise<QuotaUsed>;
}

const BATCH_GET_KEYS = 100;

/**
 * Reads everything a submission's decisions depend on at once: one Query of the region's registrations and
 * one BatchGetItem of the sender index, the region's contacts, its quota counters and the class versions
 * (strongly consistent, as the single reads were). A read the plan did not name goes to `fallback`.
 */
export async function readSubmission(
  db: DynamoDBDocumentClient,
  table: string,
  year: number,
  plan: ReadPlan,
  fallback: ItemReads,
): Promise<SubmissionReads> {
  const wanted: { pk: string; sk: string }[] = [];
  if (plan.sender) wanted.push(keys.sender(year, plan.sender));
  const { region } = plan;
  if (region) {
    wanted.push(keys.regionInfo(year, region, 'CONTACTS'), keys.quotaTotal(year, region));
    for (const no of plan.classes) {
      wanted.push(keys.quotaClass(year, region, no), keys.classVersion(year, region, no));
    }
  }
  const [items, registrations] = await Promise.all([
    batchGet(db, table, wanted),
    region
      ? queryAll(db, {
          TableName: table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :c)',
          ExpressionAttributeValues: { ':pk': keys.regionPk(year, region), ':c': 'C#' },
          ConsistentRead: true,
        }).then((rows) => rows.map((i) => stripKeys<Registration>(i)))
      : Promise.resolve([]),
  ]);
  const at = (key: { pk: string; sk: string }) => items.get(`${key.pk}|${key.sk}`);
  const sender = plan.sender?.toLowerCase();
  return {
    plan,
    async senderRegion(email) {
      if (email.toLowerCase() !== sender) return fallback.senderRegion(email);
      return at(keys.sender(year, email))?.region as string | undefined;
    },
    async getContacts(r) {
      if (r !== region) return fallback.getContacts(r);
      return (at(keys.regionInfo(year, r, 'CONTACTS'))?.emails as string[] | undefined) ?? [];
    },
    async listRegion(r, classNo) {
      if (r !== region) return fallback.listRegion(r, classNo);
      return registrations.filter((reg) => classNo === undefined || reg.classNo === classNo);
    },
    async classVersion(r, classNo) {
      if (r !== region || !plan.classes.includes(classNo)) return fallback.classVersion(r, classNo);
      const item = at(keys.classVersion(year, r, classNo));
      return item ? stripKeys<ClassVersion>(item) : undefined;
    },
    async quotaUsed(r) {
      if (r !== region) return fallback.quotaUsed(r);
      const perClass: Record<number, number> = {};
      for (const no of plan.classes) perClass[no] = Number(at(keys.quotaClass(year, r, no))?.used ?? 0);
      return { total: Number(at(keys.quotaTotal(year, r))?.used ?? 0), perClass };
    },
  };
}

/** Items by "pk|sk"; keys DynamoDB leaves unprocessed are asked again. */
async function batchGet(
  db: DynamoDBDocumentClient,
  table: string,
  wanted: { pk: string; sk: string }[],
): Promise<Map<string, Record<string, unknown>>> {
  const out = new Map<string, Record<string, unknown>>();
  const unique = [...new Map(wanted.map((w) => [`${w.pk}|${w.sk}`, w])).values()];
  for (let i = 0; i < unique.length; i += BATCH_GET_KEYS) {
    let pending: Record<string, unknown>[] | undefined = unique.slice(i, i + BATCH_GET_KEYS);
    type Res = {
      Responses?: Record<string, Record<string, unknown>[]>;
      UnprocessedKeys?: Record<string, { Keys?: Record<string, unknown>[] }>;
    };
    for (let attempt = 0; pending && pending.length > 0; attempt++) {
      try {
        const res: Res = await db.send(
          new BatchGetCommand({ RequestItems: { [table]: { Keys: pending, ConsistentRead: true } } }),
        );
        for (const item of res.Responses?.[table] ?? []) out.set(`${item.pk}|${item.sk}`, item);
        pending = res.UnprocessedKeys?.[table]?.Keys;
      } catch (err) {
        throw wrapDynamoError(err, 'read submission');
      }
      if (pending?.length && attempt > 8) throw new TransientError('read submission: keys left unprocessed');
      if (pending?.length) await new Promise((r) => setTimeout(r, 20 * 2 ** attempt));
    }
  }
  return out;
}
