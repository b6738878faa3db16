/**
 * The transaction actions of the registrations' writes, one builder per write: the per-student methods of
 * `Registrations` and the batched `writeSubmission` send the same items with the same conditions.
 */
import type { ClassWrite } from './batch.ts';
import type { ClassVersion } from './class-version.ts';
import { keys } from './keys.ts';
import type { NewRegistration } from './registrations.ts';
import type { TransactItems } from './transact.ts';
import type { MarkerOwner, Registration } from './types.ts';

type Action = TransactItems[number];

/** What a student's registration becomes after a resubmission, as `update` takes it. */
export interface UpdateFields {
  uscc: string;
  name: string;
  values: Record<string, string>;
  messageId: string;
  seq: number;
}

/** Who a registration's markers name. */
export function placementOf(p: { region: string; classNo: number; personKey: string }) {
  return { region: p.region, classNo: p.classNo, personKey: p.personKey };
}
/**
 * One update per counter and transaction: by the chunk's total, conditioned on the limit minus that total;
 * a counter whose value refused a row for quota is conditioned on that value (a place freed meanwhile would
 * have gone to the row), and a counter without a change is only checked.
 */
export function counterAction(
  table: string,
  c: { key: { pk: string; sk: string }; delta: number; limit?: number; exact: boolean; adds: boolean },
  now: number,
): Action | undefined {
  const values: Record<string, number> = {};
  const conds: string[] = [];
  if (c.exact) {
    conds.push(now === 0 ? '(attribute_not_exists(used) OR used = :now)' : 'used = :now');
    values[':now'] = now;
  } else if (c.adds && c.limit !== undefined) {
    conds.push('(attribute_not_exists(used) OR used <= :max)');
    values[':max'] = c.limit - c.delta;
  }
  if (c.delta === 0) {
    // Nothing to add and nothing to check (places freed and taken again, no limit): no action.
    if (conds.length === 0) return undefined;
    return {
      ConditionCheck: {
        TableName: table,
        Key: c.key,
        ConditionExpression: conds.join(' AND '),
        ...(Object.keys(values).length ? { ExpressionAttributeValues: values } : {}),
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    };
  }
  return {
    Update: {
      TableName: table,
      Key: c.key,
      UpdateExpression: 'ADD used :d',
      ExpressionAttributeValues: { ':d': c.delta, ...values },
      ...(conds.length ? { ConditionExpression: conds.join(' AND ') } : {}),
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    },
  };
}

/** Writes a class's next version, only over the version its submission read (or none). */
export function classPut(table: string, year: number, cw: ClassWrite): Action {
  const { next, read } = cw;
  return {
    Put: {
      TableName: table,
      Item: { ...keys.classVersion(year, next.region, next.classNo), type: 'class-version', ...next },
      ConditionExpression: read ? 'version = :v' : 'attribute_not_exists(pk)',
      ...(read ? { ExpressionAttributeValues: { ':v': read.version } } : {}),
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    },
  };
}

/** Checks that an item does not exist yet; its cancellation reason returns the item that does. */
export function probe(table: string, key: { pk: string; sk: string }): Action {
  return {
    ConditionCheck: {
      TableName: table,
      Key: key,
      ConditionExpression: 'attribute_not_exists(pk)',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    },
  };
}

/** A new registration with its enterprise and person markers, each only if free. */
export function registerActions(
  table: string,
  year: number,
  reg: NewRegistration,
  owner: MarkerOwner,
  at: string,
): Action[] {
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
  return [
    {
      Put: {
        TableName: table,
        Item: {
          ...keys.registration(year, reg.region, reg.classNo, reg.personKey),
          ...keys.registrationGsi(year, reg.region, reg.classNo, reg.personKey),
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
        TableName: table,
        Item: { ...keys.enterprise(year, reg.uscc), type: 'enterprise', owner },
        ConditionExpression: 'attribute_not_exists(pk)',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    },
    {
      Put: {
        TableName: table,
        Item: { ...keys.person(year, reg.personKey), type: 'person', owner },
        ConditionExpression: 'attribute_not_exists(pk)',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    },
  ];
}

/** Changes an active registration; a changed enterprise moves its marker and is noted in the person's. */
export function updateActions(
  table: string,
  year: number,
  current: Registration,
  next: UpdateFields,
  at: string,
): Action[] {
  const items: Action[] = [
    {
      Update: {
        TableName: table,
        Key: keys.registration(year, current.region, current.classNo, current.personKey),
        UpdateExpression: 'SET #values = :v, uscc = :u, #name = :n, messageId = :m, seq = :s, updatedAt = :t',
        ConditionExpression: '#status = :active',
        ExpressionAttributeNames: { '#values': 'values', '#name': 'name', '#status': 'status' },
        ExpressionAttributeValues: {
          ':v': next.values,
          ':u': next.uscc,
          ':n': next.name,
          ':m': next.messageId,
          ':s': next.seq,
          ':t': at,
          ':active': 'active',
        },
      },
    },
  ];
  if (next.uscc === current.uscc) return items;
  const owner: MarkerOwner = { ...placementOf(current), uscc: next.uscc, messageId: next.messageId };
  items.push(
    {
      Put: {
        TableName: table,
        Item: { ...keys.enterprise(year, next.uscc), type: 'enterprise', owner },
        ConditionExpression: 'attribute_not_exists(pk)',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    },
    {
      Delete: {
        TableName: table,
        Key: keys.enterprise(year, current.uscc),
        ConditionExpression: '#owner.personKey = :p',
        ExpressionAttributeNames: { '#owner': 'owner' },
        ExpressionAttributeValues: { ':p': current.personKey },
      },
    },
    {
      Update: {
        TableName: table,
        Key: keys.person(year, current.personKey),
        UpdateExpression: 'SET #owner.uscc = :u, #owner.messageId = :m',
        ExpressionAttributeNames: { '#owner': 'owner' },
        ExpressionAttributeValues: { ':u': next.uscc, ':m': next.messageId },
      },
    },
  );
  return items;
}

/** Withdraws an active registration and frees the enterprise and person markers it holds. */
export function withdrawActions(
  table: string,
  year: number,
  current: Registration,
  messageId: string,
  at: string,
): Action[] {
  return [
    {
      Update: {
        TableName: table,
        Key: keys.registration(year, current.region, current.classNo, current.personKey),
        UpdateExpression: 'SET #status = :withdrawn, withdrawnBy = :m, updatedAt = :t',
        ConditionExpression: '#status = :active',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':withdrawn': 'withdrawn',
          ':active': 'active',
          ':m': messageId,
          ':t': at,
        },
      },
    },
    {
      Delete: {
        TableName: table,
        Key: keys.enterprise(year, current.uscc),
        ConditionExpression: 'attribute_not_exists(pk) OR #owner.personKey = :p',
        ExpressionAttributeNames: { '#owner': 'owner' },
        ExpressionAttributeValues: { ':p': current.personKey },
      },
    },
    {
      Delete: {
        TableName: table,
        Key: keys.person(year, current.personKey),
        ConditionExpression: 'attribute_not_exists(pk) OR (#owner.#region = :r AND #owner.classNo = :c)',
        // REGION is a DynamoDB reserved word, even as a nested attribute name.
        ExpressionAttributeNames: { '#owner': 'owner', '#region': 'region' },
        ExpressionAttributeValues: { ':r': current.region, ':c': current.classNo },
      },
    },
  ];
}

/** The check that keeps a transaction to the class version its submission holds. */
export function classCheck(table: string, year: number, region: string, next: ClassVersion): Action {
  return {
    ConditionCheck: {
      TableName: table,
      Key: keys.classVersion(year, region, next.classNo),
      ConditionExpression: 'version = :v',
      ExpressionAttributeValues: { ':v': next.version },
    },
  };
}
