import type { SubmissionWrite } from './batch.ts';
import { keys } from './keys.ts';
import type { NewRegistration } from './registrations.ts';
import type { TransactItems } from './transact.ts';
import type { MarkerOwner, QuotaLimits, RegisterResult, Registration } from './types.ts';
import {
  placementOf,
  probe,
  registerActions,
  type UpdateFields,
  updateActions,
  withdrawActions,
} from './write-actions.ts';

type Action = TransactItems[number];

/** Places a region uses: in total and per class. */
export interface QuotaUsed {
  total: number;
  perClass: Record<number, number>;
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

/** What the in-memory loop knows of the table beyond what the submission read. */
/** A cancelled transaction's lesson about one item. */
export interface Learned {
  owners: Map<string, MarkerOwner>;
  alreadyActive: Set<number>;
  failedWithdraw: Set<number>;
}

export interface Planned {
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

/** An item's key as one string. */
export const k = (key: { pk: string; sk: string }) => `${key.pk}|${key.sk}`;

/**
 * The per-student loop played in memory: each intent against the markers and counters as the earlier ones
 * leave them. A marker no cancellation has shown taken is assumed free (the transaction checks it); a row
 * refused for quota still probes its markers, because a duplicate is the reason the loop would give.
 */
export function planIntents(
  table: string,
  year: number,
  input: Pick<SubmissionWrite, 'intents' | 'now'>,
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

function bump(used: Map<string, number>, year: number, region: string, classNo: number, d: number) {
  for (const key of [k(keys.quotaTotal(year, region)), k(keys.quotaClass(year, region, classNo))]) {
    used.set(key, (used.get(key) ?? 0) + d);
  }
}
