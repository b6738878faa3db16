import { localDateTime, type Program, programRegions } from '@lingjun/program';
import {
  type ClassGuard,
  ClassTakenOverError,
  type MarkerOwner,
  personKey,
  type Registration,
  type Registry,
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

/** What recordClass needs. */
export interface RecordClassInput {
  region: string;
  classNo: number;
  candidates: Candidate[];
  messageId: string;
  /** Receipt time of the email (ISO): a list received before the one on file does not replace it. */
  receivedAt: string;
  program: Program;
  registry: Registry;
  keySecret: string;
  now: Date;
  /** When false (deadline passed), nothing is written and every candidate is rejected. */
  open: boolean;
}

/** Attempts at claiming a class; each lost claim means a newer list took it, so a second loss is rare. */
const CLAIM_ATTEMPTS = 5;

/**
 * Writes one class of a region's submission (spec §4): the submission replaces the region's earlier one for
 * that class, unless the one on file was received later. The class is claimed first (its version item), so
 * two lists for one region and class are written one after the other: a list that loses the class midway
 * starts again and, finding a newer list on file, replaces nothing.
 */
export async function recordClass(input: RecordClassInput): Promise<ClassResult> {
  const { region, classNo, candidates, registry, messageId, now } = input;
  if (!input.open) return { ...emptyResult(classNo), rejected: [...candidates] };
  // A pass that lost the class leaves findings on the candidates; a new pass starts from the ones it had.
  const before = candidates.map((c) => c.findings.length);
  for (let attempt = 0; ; attempt++) {
    const claim = await registry.claimClass(
      { region, classNo, messageId, receivedAt: input.receivedAt, yieldOnTie: attempt > 0 },
      now,
    );
    if (claim.state === 'superseded') return superseded(input, claim.onFile.receivedAt);
    try {
      return await replaceClass(input, claim.guard);
    } catch (err) {
      if (!(err instanceof ClassTakenOverError) || attempt >= CLAIM_ATTEMPTS) throw err;
      candidates.forEach((c, i) => {
        c.findings.length = before[i] ?? 0;
      });
    }
  }
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
function superseded(input: RecordClassInput, onFileAt: string): ClassResult {
  const tz = input.program.timezone;
  const own = localDateTime(new Date(input.receivedAt), tz);
  const other = localDateTime(new Date(onFileAt), tz);
  return {
    ...emptyResult(input.classNo),
    rejected: [...input.candidates],
    findings: [
      finding(
        'SUPERSEDED',
        `第${input.classNo}期：本邮件（收到于 ${own}）早于系统已受理的本地区该期次报送（收到于 ${other}）。同一期次以收到时间较晚的报送为准，本邮件中该期次名单未作处理，已受理名单保持不变。如需调整，请重新报送该期次完整的报名汇总表。`,
        { form: '附件4', classNo: input.classNo },
      ),
    ],
  };
}

/** Replaces the class's list while this submission holds it (every write conditioned on `guard`). */
async function replaceClass(input: RecordClassInput, guard: ClassGuard): Promise<ClassResult> {
  const { region, classNo, candidates, registry, messageId, now } = input;
  const result = emptyResult(classNo);
  const existing = await registry.listRegion(region, classNo);
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
    if (!keep.has(reg.personKey) && (await registry.withdraw(reg, messageId, now, guard)))
      result.withdrawn.push(reg);
  }
  // A crashed earlier attempt of this same message may already have withdrawn some: count them again so a
  // retried email reports what it did, not what was left to do.
  for (const reg of existing) {
    if (reg.status === 'withdrawn' && reg.withdrawnBy === messageId && !keep.has(reg.personKey)) {
      result.withdrawn.push(reg);
    }
  }

  const quota = input.program.quotas[region];
  for (const { c } of keyed) {
    const ok = valid.get(c);
    if (ok === undefined) {
      result.rejected.push(c);
      continue;
    }
    const values: Record<string, string> = { ...c.values, ...(c.hasForm5 ? { form5: '1' } : {}) };
    const { key, uscc } = ok;
    const current = active.get(key);
    if (current) {
      const res = await registry.update(
        current,
        {
          uscc,
          name: c.name,
          values: { ...current.values, ...values },
          messageId,
          seq: c.order,
        },
        now,
        guard,
      );
      if (res.ok) {
        result.accepted.push(c);
        result.updated.push(c);
        result.changes.set(c, changedKeys(current.values, values));
      } else {
        c.findings.push(refusal(c, res, input.program));
        result.rejected.push(c);
      }
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
      result.rejected.push(c);
      continue;
    }
    const perClass = quota.perClass?.[String(classNo)];
    const res = await registry.register(
      { region, classNo, personKey: key, uscc, name: c.name, messageId, seq: c.order, values },
      { total: quota.total, ...(perClass !== undefined ? { perClass } : {}) },
      now,
      guard,
    );
    if (res.ok) {
      result.accepted.push(c);
    } else {
      c.findings.push(refusal(c, res, input.program, quota.total, perClass));
      result.rejected.push(c);
    }
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
