import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConflictError, TransientError } from '@lingjun/core';
import { ClassTakenOverError, type ClassVersion } from './class-version.ts';
import { keys } from './keys.ts';
import type { NewRegistration } from './registrations.ts';
import {
  type CancelReasons,
  MAX_CONFLICT_RETRIES,
  ownerOf,
  type TransactItems,
  transact,
} from './transact.ts';
import type { MarkerOwner, QuotaLimits, RegisterResult, Registration } from './types.ts';

/** Places a region uses: in total and per class. */
export interface QuotaUsed {
  total: number;
  perClass: Record<number, number>;
}

/** DynamoDB's limit on the actions of one TransactWriteItems. */
export const MAX_TRANSACT_ACTIONS = 100;

type Action = TransactItems[number];

/** What a student's registration becomes after a resubmission, as `update` takes it. */
export interface UpdateFields {
  uscc: string;
  name: string;
  values: Record<string, string>;
  messageId: string;
  seq: number;
}

/**
 * One write of a submission's list, in the order the per-student loop made them: a class's withdrawals,
 * then its rows in row order, class after class.
 */
export type Intent =
  | { kind: 'withdraw'; current: Registration; messageId: string }
  | { kind: 'update'; current: Registration; next: UpdateFields }
  | { kind: 'register'; reg: NewRegistration; limits: QuotaLimits };

/** What an intent did: a withdrawal happened or not; a registration or update was made or refused, and why. */
export type IntentResult = RegisterResult | { withdrawn: boolean };

/** A class the submission writes: the version it read and the one it moves the class to. */
export interface ClassWrite {
  classNo: number;
  read: ClassVersion | undefined;
  next: ClassVersion;
}

/** A submission's whole list, written in as few transactions as the action limit and item collisions allow. */
export interface SubmissionWrite {
  region: string;
  now: Date;
  intents: Intent[];
  /** Every class the submission owns: its version item moves on even when the class has nothing to write. */
  classes: ClassWrite[];
  /** Places used when the submission read them: the region's total and each class's counter. */
  used: QuotaUsed;
  /**
   * The last transaction's further actions (the message's outcome, contacts, submission marks), computed
   * from the results it would commit; called again whenever a cancellation changed the results.
   */
  finish?: (results: IntentResult[], used: QuotaUsed) => Promise<TransactItems>;
}

/** A cancelled transaction's lesson about one item. */
interface Learned {
  owners: Map<string, MarkerOwner>;
  alreadyActive: Set<number>;
  failedWithdraw: Set<number>;
}

interface Planned {
  results: IntentResult[];
  /** Per intent, the actions that carry it (empty: nothing written). */
  actions: Action[][];
  /** Per intent, the marker items it only checks (a quota refusal: a duplicate would be the reason). */
  probes: Action[][];
  /** Counters: per intent, the deltas it applies. */
  deltas: { total: number; cls: number; classNo: number; limits?: QuotaLimits }[];
  /** Per intent, the counters whose value refused it for quota (read as equal at commit). */
  quotaBound: ('total' | 'class' | undefined)[];
}

const k = (key: { pk: string; sk: string }) => `${key.pk}|${key.sk}`;

/**
 * Writes a submission's list with the outcome of the per-student loop it replaces: the writes are planned
 * in that loop's order against what is known of the table (markers, counters), sent in transactions of at
 * most 100 actions, and a cancelled transaction's reasons (a marker's owner, a counter's current `used`,
 * a registration no longer active) are learned and the rest planned again, until one plan commits.
 */
export async function writeSubmission(
  db: DynamoDBDocumentClient,
  table: string,
  year: number,
  input: SubmissionWrite,
): Promise<IntentResult[]> {
  const learned: Learned = { owners: new Map(), alreadyActive: new Set(), failedWithdraw: new Set() };
  // The table as far as this submission knows it: counters by key, markers freed or taken by committed chunks.
  const counters = new Map<string, number>([[k(keys.quotaTotal(year, input.region)), input.used.total]]);
  for (const [no, used] of Object.entries(input.used.perClass)) {
    counters.set(k(keys.quotaClass(year, input.region, Number(no))), used);
  }
  const committed = new Map<number, IntentResult>();
  const freed = new Set<string>();
  const claimed = new Set<number>();
  for (let round = 0; ; round++) {
    const plan = planIntents(table, year, input, learned, counters, committed, freed);
    const unclaimed = input.classes.map((c) => c.classNo).filter((no) => !claimed.has(no));
    const chunks = chunkIntents(plan, committed, unclaimed);
    let cancelled = false;
    for (let c = 0; c < chunks.length; c++) {
      const chunk = chunks[c] ?? [];
      const last = c === chunks.length - 1;
      const built = buildChunk(table, year, input, plan, chunk, counters, claimed);
      let extra: TransactItems = [];
      if (last && input.finish) {
        extra = await input.finish(plan.results, projected(year, input, counters, built.deltas));
        if (built.items.length + extra.length > MAX_TRANSACT_ACTIONS) {
          // The outcome cannot share the last chunk: that chunk commits alone first, then the outcome.
          const reasons = await transact(db, built.items);
          if (reasons) {
            learn(reasons, built, learned, counters, input);
            cancelled = true;
            break;
          }
          commitChunk(plan, chunk, built, { committed, counters, freed, claimed, learned });
          const outcome = await transact(db, [...extra, ...guards(table, year, input, claimed)]);
          if (outcome) throwUnexpected(outcome, 'submission outcome');
          return plan.results;
        }
      }
      if (built.items.length + extra.length === 0) continue;
      const reasons = await transact(db, [...built.items, ...extra]);
      if (reasons) {
        if (reasons.slice(built.items.length).some((r) => r.Code === 'ConditionalCheckFailed')) {
          throwUnexpected(reasons.slice(built.items.length), 'submission outcome');
        }
        learn(reasons, built, learned, counters, input);
        cancelled = true;
        break;
      }
      commitChunk(plan, chunk, built, { committed, counters, freed, claimed, learned });
    }
    if (!cancelled) {
      if (chunks.length === 0 && input.finish) {
        const extra = await input.finish(plan.results, projected(year, input, counters, new Map()));
        if (extra.length > 0) {
          const reasons = await transact(db, [...extra, ...guards(table, year, input, claimed)]);
          if (reasons) throwUnexpected(reasons, 'submission outcome');
        }
      }
      return plan.results;
    }
    if (round >= MAX_CONFLICT_RETRIES * 4) {
      throw new ConflictError('submission kept being cancelled by concurrent writers');
    }
  }
}

/** Places used once the transaction about to run commits: the region's total and each class read. */
function projected(
  year: number,
  input: SubmissionWrite,
  counters: Map<string, number>,
  deltas: Map<string, number>,
): QuotaUsed {
  const at = (key: { pk: string; sk: string }) => (counters.get(k(key)) ?? 0) + (deltas.get(k(key)) ?? 0);
  const perClass: Record<number, number> = {};
  for (const no of Object.keys(input.used.perClass)) {
    perClass[Number(no)] = at(keys.quotaClass(year, input.region, Number(no)));
  }
  return { total: at(keys.quotaTotal(year, input.region)), perClass };
}

/** The outcome's own conditions (the message's claim) failed: another invocation took the message over. */
function throwUnexpected(reasons: CancelReasons, what: string): never {
  throw new TransientError(`${what} cancelled: ${reasons.map((r) => r?.Code).join(',')}`);
}

/** Checks that keep a separate outcome transaction to the class versions this submission holds. */
function guards(table: string, year: number, input: SubmissionWrite, claimed: Set<number>): Action[] {
  return input.classes
    .filter((c) => claimed.has(c.classNo))
    .map((c) => classCheck(table, year, input.region, c.next));
}

function classCheck(table: string, year: number, region: string, next: ClassVersion): Action {
  return {
    ConditionCheck: {
      TableName: table,
      Key: keys.classVersion(year, region, next.classNo),
      ConditionExpression: 'version = :v',
      ExpressionAttributeValues: { ':v': next.version },
    },
  };
}

/**
 * The per-student loop played in memory: each intent against the markers and counters as the earlier ones
 * leave them. A marker no cancellation has shown taken is assumed free (the transaction checks it); a row
 * refused for quota still probes its markers, because a duplicate is the reason the loop would give.
 */
function planIntents(
  table: string,
  year: number,
  input: SubmissionWrite,
  learned: Learned,
  counters: Map<string, number>,
  committed: Map<number, IntentResult>,
  freed: Set<string>,
): Planned {
  const owners = new Map<string, MarkerOwner | null>();
  for (const key of freed) owners.set(key, null);
  for (const [key, owner] of learned.owners) owners.set(key, owner);
  const used = new Map(counters);
  const plan: Planned = { results: [], actions: [], probes: [], deltas: [], quotaBound: [] };
  const at = input.now.toISOString();
  input.intents.forEach((intent, i) => {
    plan.actions[i] = [];
    plan.probes[i] = [];
    plan.deltas[i] = { total: 0, cls: 0, classNo: classOf(intent) };
    const done = committed.get(i);
    if (done) {
      // Committed: its counters are in `counters` already; its markers are what later intents meet.
      plan.results[i] = done;
      if ('ok' in done && done.ok) markersOf(year, intent, owners);
      return;
    }
    if (intent.kind === 'withdraw') {
      const { current } = intent;
      if (learned.failedWithdraw.has(i)) {
        plan.results[i] = { withdrawn: false };
        return;
      }
      plan.results[i] = { withdrawn: true };
      plan.actions[i] = withdrawActions(table, year, current, intent.messageId, at);
      plan.deltas[i] = { total: -1, cls: -1, classNo: current.classNo };
      owners.set(k(keys.enterprise(year, current.uscc)), null);
      owners.set(k(keys.person(year, current.personKey)), null);
      bump(used, year, current.region, current.classNo, -1);
      return;
    }
    if (intent.kind === 'update') {
      const { current, next } = intent;
      const entKey = k(keys.enterprise(year, next.uscc));
      const changes = next.uscc !== current.uscc;
      const entOwner = changes ? owners.get(entKey) : undefined;
      if (entOwner) {
        plan.results[i] = { ok: false, reason: 'enterprise', owner: entOwner };
        return;
      }
      if (learned.alreadyActive.has(i)) {
        plan.results[i] = { ok: false, reason: 'already-active' };
        return;
      }
      plan.results[i] = { ok: true };
      plan.actions[i] = updateActions(table, year, current, next, at);
      if (changes) {
        const owner: MarkerOwner = { ...placementOf(current), uscc: next.uscc, messageId: next.messageId };
        owners.set(entKey, owner);
        owners.set(k(keys.enterprise(year, current.uscc)), null);
        owners.set(k(keys.person(year, current.personKey)), owner);
      }
      return;
    }
    const { reg, limits } = intent;
    const perKey = k(keys.person(year, reg.personKey));
    const entKey = k(keys.enterprise(year, reg.uscc));
    const perOwner = owners.get(perKey);
    const entOwner = owners.get(entKey);
    // The order of the loop's reasons: the same person, the same enterprise, a registration still active.
    if (perOwner) plan.results[i] = { ok: false, reason: 'person', owner: perOwner };
    else if (entOwner) plan.results[i] = { ok: false, reason: 'enterprise', owner: entOwner };
    else if (learned.alreadyActive.has(i)) plan.results[i] = { ok: false, reason: 'already-active' };
    if (plan.results[i]) return;
    const total = used.get(k(keys.quotaTotal(year, reg.region))) ?? 0;
    const cls = used.get(k(keys.quotaClass(year, reg.region, reg.classNo))) ?? 0;
    const bound =
      total >= limits.total
        ? 'total'
        : limits.perClass !== undefined && cls >= limits.perClass
          ? 'class'
          : undefined;
    if (bound) {
      plan.results[i] = { ok: false, reason: bound === 'total' ? 'quota-total' : 'quota-class' };
      plan.quotaBound[i] = bound;
      // A marker whose owner is unknown is checked: taken, it is the reason instead of the quota.
      if (perOwner === undefined) plan.probes[i]?.push(probe(table, keys.person(year, reg.personKey)));
      if (entOwner === undefined) plan.probes[i]?.push(probe(table, keys.enterprise(year, reg.uscc)));
      return;
    }
    const owner: MarkerOwner = { ...placementOf(reg), uscc: reg.uscc, messageId: reg.messageId };
    plan.results[i] = { ok: true };
    plan.actions[i] = registerActions(table, year, reg, owner, at);
    plan.deltas[i] = { total: 1, cls: 1, classNo: reg.classNo, limits };
    owners.set(perKey, owner);
    owners.set(entKey, owner);
    bump(used, year, reg.region, reg.classNo, 1);
  });
  return plan;
}

/** The markers a committed registration or update holds. */
function markersOf(year: number, intent: Intent, owners: Map<string, MarkerOwner | null>): void {
  if (intent.kind === 'register') {
    const { reg } = intent;
    const owner: MarkerOwner = { ...placementOf(reg), uscc: reg.uscc, messageId: reg.messageId };
    owners.set(k(keys.person(year, reg.personKey)), owner);
    owners.set(k(keys.enterprise(year, reg.uscc)), owner);
  } else if (intent.kind === 'update' && intent.next.uscc !== intent.current.uscc) {
    const { current, next } = intent;
    const owner: MarkerOwner = { ...placementOf(current), uscc: next.uscc, messageId: next.messageId };
    owners.set(k(keys.enterprise(year, next.uscc)), owner);
    owners.set(k(keys.person(year, current.personKey)), owner);
  }
}

function classOf(intent: Intent): number {
  return intent.kind === 'register' ? intent.reg.classNo : intent.current.classNo;
}

function placementOf(p: { region: string; classNo: number; personKey: string }) {
  return { region: p.region, classNo: p.classNo, personKey: p.personKey };
}

function bump(used: Map<string, number>, year: number, region: string, classNo: number, d: number) {
  for (const key of [k(keys.quotaTotal(year, region)), k(keys.quotaClass(year, region, classNo))]) {
    used.set(key, (used.get(key) ?? 0) + d);
  }
}

/** Item keys an action touches (counters and class versions are merged per transaction, so not listed). */
function itemKey(a: Action): string {
  const body = (a.Put ?? a.Update ?? a.Delete ?? a.ConditionCheck) as {
    Item?: { pk: string; sk: string };
    Key?: { pk: string; sk: string };
  };
  const key = body.Key ?? body.Item;
  return key ? k(key) : '';
}

/**
 * Intents in order, cut into transactions: a cut where the 100 actions would be exceeded (counting the
 * counters and class versions the chunk carries), and where an intent touches an item an earlier intent of
 * the chunk touches (DynamoDB refuses two actions on one item in one transaction; the loop's order is kept
 * by committing the earlier one first).
 */
function chunkIntents(plan: Planned, committed: Map<number, IntentResult>, unclaimed: number[]): number[][] {
  const chunks: number[][] = [];
  let current: number[] = [];
  let items = new Set<string>();
  let counters = new Set<string>();
  // The first transaction claims every class the submission has not claimed yet.
  let classes = new Set<number>(unclaimed);
  const size = () => {
    let n = counters.size + classes.size;
    for (const i of current) n += (plan.actions[i]?.length ?? 0) + (plan.probes[i]?.length ?? 0);
    return n;
  };
  plan.results.forEach((_, i) => {
    if (committed.has(i)) return;
    const acts = [...(plan.actions[i] ?? []), ...(plan.probes[i] ?? [])];
    if (acts.length === 0) return;
    const d = plan.deltas[i];
    const newCounters = new Set(counters);
    const newClasses = new Set(classes).add(d?.classNo ?? 0);
    if (d && (d.total !== 0 || plan.quotaBound[i])) newCounters.add('total');
    if (d && (d.cls !== 0 || plan.quotaBound[i])) newCounters.add(`c${d.classNo}`);
    const keysOf = acts.map(itemKey);
    const collides = keysOf.some((key) => items.has(key));
    const grown = size() - counters.size - classes.size + acts.length + newCounters.size + newClasses.size;
    // The outcome's few actions (message, contacts, marks) join the last transaction if they fit, or
    // follow it in one of their own.
    if (current.length > 0 && (collides || grown > MAX_TRANSACT_ACTIONS)) {
      chunks.push(current);
      current = [];
      items = new Set();
      counters = new Set();
      classes = new Set();
    }
    current.push(i);
    for (const key of keysOf) items.add(key);
    if (d && (d.total !== 0 || plan.quotaBound[i])) counters.add('total');
    if (d && (d.cls !== 0 || plan.quotaBound[i])) counters.add(`c${d.classNo}`);
    classes.add(d?.classNo ?? 0);
  });
  if (current.length > 0 || unclaimed.length > 0) chunks.push(current);
  return chunks;
}

/** One transaction's actions and which intent, counter or class each position belongs to. */
interface BuiltChunk {
  items: TransactItems;
  owner: ({ intent: number } | { counter: string; classNo?: number } | { classNo: number })[];
  /** Counter deltas this chunk applies, by counter key. */
  deltas: Map<string, number>;
}

function buildChunk(
  table: string,
  year: number,
  input: SubmissionWrite,
  plan: Planned,
  chunk: number[],
  counters: Map<string, number>,
  claimed: Set<number>,
): BuiltChunk {
  const built: BuiltChunk = { items: [], owner: [], deltas: new Map() };
  const counterPlan = new Map<
    string,
    { key: { pk: string; sk: string }; delta: number; limit?: number; exact: boolean; adds: boolean }
  >();
  const touch = (
    key: { pk: string; sk: string },
    delta: number,
    limit: number | undefined,
    exact: boolean,
  ) => {
    const c = counterPlan.get(k(key)) ?? { key, delta: 0, exact: false, adds: false };
    c.delta += delta;
    if (delta > 0) c.adds = true;
    if (limit !== undefined) c.limit = Math.min(c.limit ?? limit, limit);
    c.exact ||= exact;
    counterPlan.set(k(key), c);
  };
  const classes = new Set<number>();
  for (const i of chunk) {
    for (const a of [...(plan.actions[i] ?? []), ...(plan.probes[i] ?? [])]) {
      built.items.push(a);
      built.owner.push({ intent: i });
    }
    const d = plan.deltas[i];
    if (!d) continue;
    classes.add(d.classNo);
    const intent = input.intents[i];
    const limits = intent?.kind === 'register' ? intent.limits : undefined;
    const bound = plan.quotaBound[i];
    if (d.total !== 0 || bound) {
      touch(keys.quotaTotal(year, input.region), d.total, limits?.total, bound === 'total');
    }
    if (d.cls !== 0 || bound) {
      touch(keys.quotaClass(year, input.region, d.classNo), d.cls, limits?.perClass, bound === 'class');
    }
  }
  for (const [key, c] of counterPlan) {
    const now = counters.get(key) ?? 0;
    built.deltas.set(key, c.delta);
    const action = counterAction(table, c, now);
    if (!action) continue;
    built.items.push(action);
    built.owner.push({ counter: key });
  }
  // Every class the submission owns is claimed in its first transaction, also one with nothing to write.
  const firstChunk = claimed.size === 0;
  for (const cw of input.classes) {
    if (!classes.has(cw.classNo) && !(firstChunk && !claimed.has(cw.classNo))) continue;
    built.items.push(
      claimed.has(cw.classNo) ? classCheck(table, year, input.region, cw.next) : classPut(table, year, cw),
    );
    built.owner.push({ classNo: cw.classNo });
  }
  return built;
}

/**
 * One update per counter and transaction: by the chunk's total, conditioned on the limit minus that total;
 * a counter whose value refused a row for quota is conditioned on that value (a place freed meanwhile would
 * have gone to the row), and a counter without a change is only checked.
 */
function counterAction(
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

function classPut(table: string, year: number, cw: ClassWrite): Action {
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

function probe(table: string, key: { pk: string; sk: string }): Action {
  return {
    ConditionCheck: {
      TableName: table,
      Key: key,
      ConditionExpression: 'attribute_not_exists(pk)',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    },
  };
}

/** Takes what a cancelled transaction says about each of its items into what the next plan knows. */
function learn(
  reasons: CancelReasons,
  built: BuiltChunk,
  learned: Learned,
  counters: Map<string, number>,
  input: SubmissionWrite,
): void {
  let any = false;
  reasons.forEach((r, pos) => {
    if (r?.Code !== 'ConditionalCheckFailed') return;
    const owner = built.owner[pos];
    const action = built.items[pos];
    if (!owner || !action) return;
    any = true;
    if ('intent' in owner) {
      const intent = input.intents[owner.intent];
      const key = itemKey(action);
      const marker = /#(ENT|PER)#/.test(key);
      if (marker && r.Item) {
        const taken = ownerOf(r.Item);
        if (taken) learned.owners.set(key, taken);
        else throw new TransientError(`marker ${key.split('|')[0]} has no owner`);
      } else if (intent?.kind === 'withdraw') {
        learned.failedWithdraw.add(owner.intent);
      } else if (intent && /#R#/.test(key) && action.Update?.UpdateExpression?.includes('#values')) {
        learned.alreadyActive.add(owner.intent);
      } else if (intent?.kind === 'register' && /#R#/.test(key)) {
        learned.alreadyActive.add(owner.intent);
      } else {
        throw new TransientError(`submission write cancelled on ${key.split('|')[0]}: ${r.Code}`);
      }
      return;
    }
    if ('counter' in owner) {
      counters.set(owner.counter, Number(r.Item?.used ?? 0));
      return;
    }
    throw new ClassTakenOverError(
      `class ${owner.classNo} of region ${input.region} was claimed by a newer submission`,
    );
  });
  if (!any) throw new TransientError('submission write cancelled without a failed condition');
}

/** A committed chunk: its intents' results stand, the counters and markers move as it moved them. */
function commitChunk(
  plan: Planned,
  chunk: number[],
  built: BuiltChunk,
  state: {
    committed: Map<number, IntentResult>;
    counters: Map<string, number>;
    freed: Set<string>;
    claimed: Set<number>;
    learned: Learned;
  },
): void {
  const { committed, counters, freed, claimed, learned } = state;
  for (const i of chunk) {
    const result = plan.results[i];
    if (result) committed.set(i, result);
    for (const a of plan.actions[i] ?? []) {
      if (!a.Delete) continue;
      freed.add(itemKey(a));
      learned.owners.delete(itemKey(a));
    }
  }
  for (const [key, d] of built.deltas) counters.set(key, (counters.get(key) ?? 0) + d);
  for (const o of built.owner) if ('classNo' in o && !('counter' in o)) claimed.add(o.classNo);
}

function registerActions(
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

function updateActions(
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

function withdrawActions(
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
