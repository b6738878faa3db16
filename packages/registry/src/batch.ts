import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConflictError, TransientError } from '@lingjun/core';
import {
  type Intent,
  type IntentResult,
  k,
  type Learned,
  type Planned,
  planIntents,
  type QuotaUsed,
} from './batch-plan.ts';
import { ClassTakenOverError, type ClassVersion } from './class-version.ts';
import { keys } from './keys.ts';
import { ClaimLostError } from './ledger.ts';
import {
  type CancelReasons,
  MAX_CONFLICT_RETRIES,
  ownerOf,
  type TransactItems,
  transact,
} from './transact.ts';
import { classCheck, classPut, counterAction } from './write-actions.ts';

export type { Intent, IntentResult, QuotaUsed } from './batch-plan.ts';
export type { UpdateFields } from './write-actions.ts';

type Action = TransactItems[number];

/** DynamoDB's limit on the actions of one TransactWriteItems. */
export const MAX_TRANSACT_ACTIONS = 100;

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
  // Outcome actions left out: a former contact's index entry that another region has taken since.
  const dropped = new Set<string>();
  const keep = (extra: TransactItems) => extra.filter((a) => !dropped.has(itemKey(a)));
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
        extra = keep(await input.finish(plan.results, projected(year, input, counters, built.deltas)));
        if (built.items.length + extra.length > MAX_TRANSACT_ACTIONS) {
          // The outcome cannot share the last chunk: that chunk commits alone first, then the outcome.
          const reasons = await transact(db, built.items);
          if (reasons) {
            learn(reasons, built, learned, counters, input);
            cancelled = true;
            break;
          }
          commitChunk(plan, chunk, built, { committed, counters, freed, claimed, learned });
          await transactOutcome(db, [...extra, ...guards(table, year, input, claimed)]);
          return plan.results;
        }
      }
      if (built.items.length + extra.length === 0) continue;
      const reasons = await transact(db, [...built.items, ...extra]);
      if (reasons) {
        const failedExtra = extra.filter((_, j) => failed(reasons[built.items.length + j]));
        if (failedExtra.some((a) => !a.Delete)) {
          throwUnexpected(reasons.slice(built.items.length), 'submission outcome');
        }
        for (const a of failedExtra) dropped.add(itemKey(a));
        if (reasons.slice(0, built.items.length).some(failed))
          learn(reasons, built, learned, counters, input);
        cancelled = true;
        break;
      }
      commitChunk(plan, chunk, built, { committed, counters, freed, claimed, learned });
    }
    if (!cancelled) {
      if (chunks.length === 0 && input.finish) {
        const extra = await input.finish(plan.results, projected(year, input, counters, new Map()));
        if (extra.length > 0) await transactOutcome(db, [...extra, ...guards(table, year, input, claimed)]);
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

function failed(r: CancelReasons[number] | undefined): boolean {
  return r?.Code === 'ConditionalCheckFailed';
}

/**
 * The outcome's transaction alone. A conditional delete that fails (a former contact's index entry another
 * region has taken since) is left out and the rest written; any other failed condition is the message's
 * claim, lost to another invocation.
 */
async function transactOutcome(db: DynamoDBDocumentClient, items: TransactItems): Promise<void> {
  let rest = items;
  for (let attempt = 0; attempt < 4; attempt++) {
    const reasons = await transact(db, rest);
    if (!reasons) return;
    const lost = rest.filter((_, j) => failed(reasons[j]));
    if (lost.length === 0 || lost.some((a) => !a.Delete)) throwUnexpected(reasons, 'submission outcome');
    rest = rest.filter((a) => !lost.includes(a));
  }
  throw new TransientError('submission outcome kept failing');
}

/** The outcome's own conditions (the message's claim) failed: another invocation took the message over. */
function throwUnexpected(reasons: CancelReasons, what: string): never {
  throw new ClaimLostError(`${what} cancelled: ${reasons.map((r) => r?.Code).join(',')}`);
}

/** Checks that keep a separate outcome transaction to the class versions this submission holds. */
function guards(table: string, year: number, input: SubmissionWrite, claimed: Set<number>): Action[] {
  return input.classes
    .filter((c) => claimed.has(c.classNo))
    .map((c) => classCheck(table, year, input.region, c.next));
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
