import { localDateTime, type Program, programRegions } from '@lingjun/program';
import {
  ClassTakenOverError,
  type ClassVersion,
  type ClassWrite,
  decideClassClaim,
  type Intent,
  type IntentResult,
  keys,
  type MarkerOwner,
  personKey,
  type QuotaUsed,
  type Registration,
  type Registry,
  type SubmissionReads,
  type TransactItems,
} from '@lingjun/registry';
import { type Finding, finding, isError } from '@lingjun/rules';
import { type Candidate, formMissing } from './assemble.ts';

/** What recording one class of one region did. */
export interface ClassResult {
  no: number;
  accepted: Candidate[];
  rejected: Candidate[];
  withdrawn: Registration[];
  /** Candidates updated in place (already registered, still listed). */
  updated: Candidate[];
  /** Findings about the class as a whole (a list older than the one on file). */
  findings: Finding[];
  /** For each updated candidate, the keys of the values that differ from what was on file (empty: 无变化). */
  changes: Map<Candidate, string[]>;
}

/** What recordClasses needs. */
export interface RecordClassesInput {
  region: string;
  /** The email's classes in class order; a class not `open` (deadline passed) is refused and not written. */
  classes: { no: number; candidates: Candidate[]; open: boolean }[];
  messageId: string;
  /** Receipt time of the email (ISO): a list received before the one on file does not replace it. */
  receivedAt: string;
  program: Program;
  registry: Registry;
  /** What the email's decisions read, in one Query and one BatchGetItem (read again after a lost class). */
  reads: SubmissionReads;
  keySecret: string;
  now: Date;
  /**
   * The last transaction's further writes (the email's outcome, its contacts), from the results it would
   * commit and the places then used; called again whenever a cancelled transaction changed the results.
   */
  finish?: (results: ClassResult[], used: QuotaUsed) => Promise<TransactItems>;
}

/** Attempts at claiming the classes; each lost claim means a newer list took one, so a second loss is rare. */
const CLAIM_ATTEMPTS = 5;

/** One 附件4 row of a class being written: refused before any write, or the intent that writes it. */
type Row = { c: Candidate; refused: true } | { c: Candidate; intent: number; update?: Registration };

/** A class being written: its rows, its withdrawals, and those an earlier attempt of this email withdrew. */
interface ClassPlan {
  no: number;
  fixed?: ClassResult;
  rows: Row[];
  withdrawals: { reg: Registration; intent: number }[];
  earlier: Registration[];
}

/**
 * Writes a region's classes of one submission (spec §4), class by class in class order and row by row in
 * row order, in as few transactions as DynamoDB allows: each class replaces the region's earlier submission
 * for it, unless the one on file was received later. Each class's version item moves on in the same
 * transactions, so two lists for one region and class are written one after the other: a list that loses a
 * class midway starts again and, finding a newer list on file, replaces nothing.
 */
export async function recordClasses(
  input: RecordClassesInput,
): Promise<{ results: ClassResult[]; used: QuotaUsed }> {
  const { region, registry, messageId, now } = input;
  const all = input.classes.flatMap((cl) => cl.candidates);
  // A pass that lost a class leaves findings on the candidates; a new pass starts from the ones it had.
  const before = all.map((c) => c.findings.length);
  let reads = input.reads;
  for (let attempt = 0; ; attempt++) {
    all.forEach((c, i) => {
      c.findings.length = before[i] ?? 0;
    });
    const intents: Intent[] = [];
    const classWrites: ClassWrite[] = [];
    const plans: ClassPlan[] = [];
    for (const cl of input.classes) {
      if (!cl.open) {
        plans.push({ ...emptyPlan(cl.no), fixed: { ...emptyResult(cl.no), rejected: [...cl.candidates] } });
        continue;
      }
      const claim = claimOf(
        await reads.classVersion(region, cl.no),
        { region, classNo: cl.no, messageId, receivedAt: input.receivedAt },
        attempt > 0,
      );
      if ('onFile' in claim) {
        plans.push({ ...emptyPlan(cl.no), fixed: superseded(input, cl.no, cl.candidates, claim.onFile) });
        continue;
      }
      classWrites.push(claim);
      plans.push(planClass(input, cl.no, cl.candidates, await reads.listRegion(region, cl.no), intents));
    }
    // Refusal findings are added per plan: the candidates' findings up to here are each pass's own.
    const built = all.map((c) => c.findings.length);
    const results = (outcome: IntentResult[]): ClassResult[] => {
      all.forEach((c, i) => {
        c.findings.length = built[i] ?? 0;
      });
      return plans.map((plan) => classResult(input, plan, intents, outcome));
    };
    try {
      const outcome = await registry.writeSubmission({
        region,
        now,
        intents,
        classes: classWrites,
        used: await reads.quotaUsed(region),
        finish: async (outcome, used) => {
          const mapped = results(outcome);
          // Only a class with students accepted counts as submitted for reminders; a refused list still owes one.
          const marks = mapped
            .filter((r) => r.accepted.length > 0)
            .map((r) => registry.markAction(region, keys.classSubmission(r.no), messageId, now));
          return [...marks, ...((await input.finish?.(mapped, used)) ?? [])];
        },
      });
      return { results: results(outcome), used: await projectedUsed(reads, region, intents, outcome) };
    } catch (err) {
      if (!(err instanceof ClassTakenOverError) || attempt >= CLAIM_ATTEMPTS) throw err;
      reads = await registry.readSubmission(reads.plan);
    }
  }
}

/** Places used after the write: as read, moved by what this email registered and withdrew. */
async function projectedUsed(
  reads: SubmissionReads,
  region: string,
  intents: Intent[],
  outcome: IntentResult[],
): Promise<QuotaUsed> {
  const used = await reads.quotaUsed(region);
  const perClass = { ...used.perClass };
  let total = used.total;
  intents.forEach((intent, i) => {
    const r = outcome[i];
    const d =
      intent.kind === 'register' && r && 'ok' in r && r.ok
        ? 1
        : intent.kind === 'withdraw' && r && 'withdrawn' in r && r.withdrawn
          ? -1
          : 0;
    const no = intent.kind === 'register' ? intent.reg.classNo : intent.current.classNo;
    total += d;
    perClass[no] = (perClass[no] ?? 0) + d;
  });
  return { total, perClass };
}

/**
 * Who owns a region's class for this submission (as `claimClass` decides): the version it moves the class
 * to, or the newer submission on file. On equal receipt times the claimant wins, except when it lost the
 * class once already (`yieldOnTie`), so two submissions of one instant cannot take it from each other.
 */
export function claimOf(
  current: ClassVersion | undefined,
  claimant: { region: string; classNo: number; messageId: string; receivedAt: string },
  yieldOnTie: boolean,
): ClassWrite | { onFile: string } {
  const claim = decideClassClaim(current, claimant, yieldOnTie);
  if (claim.state === 'superseded') return { onFile: claim.onFile.receivedAt };
  return { classNo: claimant.classNo, read: current, next: claim.next };
}

function emptyPlan(no: number): ClassPlan {
  return { no, rows: [], withdrawals: [], earlier: [] };
}

function emptyResult(classNo: number): ClassResult {
  return {
    no: classNo,
    accepted: [],
    rejected: [],
    withdrawn: [],
    updated: [],
    findings: [],
    changes: new Map(),
  };
}

/** A list received before the one on file: nothing written, the sender told which one stands. */
function superseded(
  input: RecordClassesInput,
  classNo: number,
  candidates: Candidate[],
  onFileAt: string,
): ClassResult {
  const tz = input.program.timezone;
  const own = localDateTime(new Date(input.receivedAt), tz);
  const other = localDateTime(new Date(onFileAt), tz);
  return {
    ...emptyResult(classNo),
    rejected: [...candidates],
    findings: [
      finding(
        'SUPERSEDED',
        `第${classNo}期：本邮件（收到于 ${own}）早于系统已受理的本地区该期次报送（收到于 ${other}）。同一期次以收到时间较晚的报送为准，本邮件中该期次名单未作处理，已受理名单保持不变。如需调整，请重新报送该期次完整的报名汇总表。`,
        { form: '附件4', classNo },
      ),
    ],
  };
}

/**
 * The writes that replace one class's list (appended to `intents`, in the per-student loop's order: the
 * withdrawals of those it leaves out, then its rows in row order).
 */
function planClass(
  input: RecordClassesInput,
  classNo: number,
  candidates: Candidate[],
  existing: Registration[],
  intents: Intent[],
): ClassPlan {
  const { region, messageId } = input;
  const plan = emptyPlan(classNo);
  const active = new Map(existing.filter((r) => r.status === 'active').map((r) => [r.personKey, r]));
  const keyed = candidates.map((c) => ({
    c,
    key: c.values.idNumber ? personKey(input.keySecret, c.values.idNumber) : undefined,
  }));
  for (const { c, key } of keyed) {
    if (!c.hasForm5 && !(key && active.get(key)?.values.form5 === '1')) c.findings.push(formMissing(c));
  }
  // The enterprise code is a required field: a candidate without one already carries an error finding.
  const valid = new Map<Candidate, { key: string; uscc: string }>();
  for (const { c, key } of keyed) {
    const uscc = c.values.uscc;
    if (key && uscc && !c.findings.some(isError)) valid.set(c, { key, uscc });
  }
  const keep = new Set([...valid.values()].map((v) => v.key));
  for (const reg of active.values()) {
    if (keep.has(reg.personKey)) continue;
    plan.withdrawals.push({ reg, intent: intents.length });
    intents.push({ kind: 'withdraw', current: reg, messageId });
  }
  // A crashed earlier attempt of this same message may already have withdrawn some: count them again so a
  // retried email reports what it did, not what was left to do.
  for (const reg of existing) {
    if (reg.status === 'withdrawn' && reg.withdrawnBy === messageId && !keep.has(reg.personKey)) {
      plan.earlier.push(reg);
    }
  }
  const quota = input.program.quotas[region];
  for (const { c } of keyed) {
    const ok = valid.get(c);
    if (ok === undefined) {
      plan.rows.push({ c, refused: true });
      continue;
    }
    const values: Record<string, string> = { ...c.values, ...(c.hasForm5 ? { form5: '1' } : {}) };
    const { key, uscc } = ok;
    const current = active.get(key);
    if (current) {
      plan.rows.push({ c, intent: intents.length, update: current });
      intents.push({
        kind: 'update',
        current,
        next: { uscc, name: c.name, values: { ...current.values, ...values }, messageId, seq: c.order },
      });
      continue;
    }
    if (!quota || quota.total === 0) {
      c.findings.push(
        finding(
          'QUOTA_EXCEEDED',
          `${programRegions(input.program).nameOf(region)}本年度没有分配名额，无法受理报名。如需名额请与部中小企业局联系。`,
          where(c),
        ),
      );
      plan.rows.push({ c, refused: true });
      continue;
    }
    const perClass = quota.perClass?.[String(classNo)];
    plan.rows.push({ c, intent: intents.length });
    intents.push({
      kind: 'register',
      reg: { region, classNo, personKey: key, uscc, name: c.name, messageId, seq: c.order, values },
      limits: { total: quota.total, ...(perClass !== undefined ? { perClass } : {}) },
    });
  }
  return plan;
}

/** What one class's writes did, with the finding of each refused row (as the per-student loop gave it). */
function classResult(
  input: RecordClassesInput,
  plan: ClassPlan,
  intents: Intent[],
  outcome: IntentResult[],
): ClassResult {
  if (plan.fixed) return plan.fixed;
  const result = emptyResult(plan.no);
  for (const w of plan.withdrawals) {
    const r = outcome[w.intent];
    if (r && 'withdrawn' in r && r.withdrawn) result.withdrawn.push(w.reg);
  }
  result.withdrawn.push(...plan.earlier);
  const quota = input.program.quotas[input.region];
  for (const row of plan.rows) {
    const { c } = row;
    if ('refused' in row) {
      result.rejected.push(c);
      continue;
    }
    const res = outcome[row.intent];
    const intent = intents[row.intent];
    if (!res || !('ok' in res)) throw new Error(`no result for row ${c.order} of class ${plan.no}`);
    if (res.ok) {
      result.accepted.push(c);
      if (row.update && intent?.kind === 'update') {
        result.updated.push(c);
        const values = { ...c.values, ...(c.hasForm5 ? { form5: '1' } : {}) };
        result.changes.set(c, changedKeys(row.update.values, values));
      }
      continue;
    }
    const perClass = row.update ? undefined : quota?.perClass?.[String(plan.no)];
    c.findings.push(
      row.update ? refusal(c, res, input.program) : refusal(c, res, input.program, quota?.total, perClass),
    );
    result.rejected.push(c);
  }
  return result;
}

/** Keys whose value this submission sets differently from the registration on file; form5 is bookkeeping. */
function changedKeys(before: Record<string, string>, after: Record<string, string>): string[] {
  return Object.keys(after).filter((k) => k !== 'form5' && (before[k] ?? '') !== (after[k] ?? ''));
}

function where(c: Candidate) {
  return {
    form: '附件4' as const,
    file: c.file,
    ...(c.row ? { row: c.row } : {}),
    student: c.name,
    classNo: c.classNo,
  };
}

function describeOwner(owner: MarkerOwner | undefined, program: Program): string {
  if (!owner) return '';
  const region = programRegions(program).nameOf(owner.region);
  const cls = program.classes.find((c) => c.no === owner.classNo);
  return `（已由${region}报名第${owner.classNo}期${cls ? `，${cls.location}` : ''}）`;
}

function refusal(
  c: Candidate,
  res: { ok: false; reason: string; owner?: MarkerOwner },
  program: Program,
  total?: number,
  perClass?: number,
): Finding {
  switch (res.reason) {
    case 'enterprise':
      return finding(
        'ENTERPRISE_DUPLICATE',
        `该企业本年度已有学员报名${describeOwner(res.owner, program)}。每个企业本年度仅可报名一个培训班，且限报一人（通知第十二段）。`,
        { ...where(c), field: '统一社会信用代码' },
      );
    case 'person':
    case 'already-active':
      return finding(
        'PERSON_DUPLICATE',
        `该学员本年度已报名${describeOwner(res.owner, program)}，不能重复报名。如需调整期次，请由原报送地区重新报送原期次的汇总表并删去该学员。`,
        { ...where(c), field: '身份证号码' },
      );
    case 'quota-class':
      return finding(
        'QUOTA_EXCEEDED',
        `超出本地区第${c.classNo}期名额（${perClass ?? ''}人），按汇总表行序，该行及以后的学员未能受理。请调整至其他期次。`,
        { ...where(c), field: '姓名' },
      );
    default:
      return finding(
        'QUOTA_EXCEEDED',
        `超出本地区本年度名额（共${total ?? ''}人），按汇总表行序，该行及以后的学员未能受理。`,
        { ...where(c), field: '姓名' },
      );
  }
}
