/** Merging what the sheets say into a program file's JSON, and saying what changed. */
import type { RegionTable } from '@lingjun/program';
import { ImportError, type ProgramChange, type QuotaEntry, type ScheduleEntry } from './types.ts';

type RawClass = { no: number; start?: string; end?: string; location?: string; deadline?: string };
type RawQuota = { total?: number; perClass?: Record<string, number> };

/** What to merge: the schedule and quota tables as read, and deadlines given on the command line. */
export interface ImportInput {
  schedule?: ScheduleEntry[];
  quotas?: QuotaEntry[];
  /** Class number → YYYY-MM-DD; wins over the sheet and the program file. */
  deadlines?: Record<number, string>;
}

const sameQuota = (a: RawQuota | undefined, b: RawQuota) => JSON.stringify(a ?? null) === JSON.stringify(b);

const CLASS_FIELDS = [
  ['start', '开班日期'],
  ['end', '结班日期'],
  ['location', '地点'],
  ['deadline', '报名截止日期'],
] as const;

function mergeClasses(old: RawClass[], input: ImportInput, changes: ProgramChange[]): RawClass[] {
  const deadlines = input.deadlines ?? {};
  const listed: RawClass[] = input.schedule
    ? [...input.schedule]
        .sort((a, b) => a.no - b.no)
        .map(({ no, start, end, location, deadline }) => ({ no, start, end, location, deadline }))
    : old.map((c) => ({ ...c }));
  const unknown = Object.keys(deadlines)
    .map(Number)
    .filter((no) => !listed.some((c) => c.no === no));
  if (unknown.length)
    throw new ImportError(`--deadline 指定的第${unknown.join('、')}期不在期次表或程序文件中`);
  const missingDeadline: number[] = [];
  const classes = listed.map((e, i) => {
    const prev = old.find((c) => c.no === e.no);
    // A deadline 附件1 does not give stays as the program has it.
    const deadline = deadlines[e.no] ?? e.deadline ?? prev?.deadline;
    if (!deadline) missingDeadline.push(e.no);
    const cls: RawClass = { ...e, deadline: deadline ?? '' };
    const path = `classes[${i}]`;
    if (!prev) {
      changes.push({
        kind: 'class-added',
        path,
        message: `新增第${e.no}期：${e.start} 至 ${e.end}，${e.location}，报名截止 ${deadline}`,
      });
    } else {
      const diffs = CLASS_FIELDS.filter(([k]) => prev[k] !== cls[k]).map(
        ([k, label]) => `${label} ${prev[k] ?? '（无）'} → ${cls[k]}`,
      );
      if (diffs.length)
        changes.push({ kind: 'class-changed', path, message: `第${e.no}期：${diffs.join('，')}` });
    }
    return cls;
  });
  if (missingDeadline.length) {
    throw new ImportError(
      `期次表没有“报名截止日期”列，而第${missingDeadline.join('、')}期在程序文件中还没有截止日期：` +
        '请在表中加上报名截止日期列，或用 --deadline 期次=日期 给出，或先在程序文件中写好这些期次的 deadline',
    );
  }
  for (const c of old) {
    if (!listed.some((e) => e.no === c.no)) {
      changes.push({ kind: 'class-removed', path: `classes`, message: `删除第${c.no}期（期次表中没有）` });
    }
  }
  return classes;
}

function describeQuota(x: RawQuota): string {
  const perClass = x.perClass
    ? `（${Object.entries(x.perClass)
        .map(([k, v]) => `第${k}期 ${v}`)
        .join('，')}）`
    : '';
  return `${x.total ?? '?'}${perClass}`;
}

function mergeQuotas(
  old: Record<string, RawQuota>,
  entries: QuotaEntry[],
  changes: ProgramChange[],
  regions: RegionTable,
): Record<string, RawQuota> {
  const quotas: Record<string, RawQuota> = {};
  for (const e of entries) {
    const q: RawQuota = { total: e.total, ...(e.perClass ? { perClass: e.perClass } : {}) };
    quotas[e.code] = q;
    const prev = old[e.code];
    const path = `quotas.${e.code}`;
    if (!prev) changes.push({ kind: 'quota-added', path, message: `${e.name}：名额 ${describeQuota(q)}` });
    else if (!sameQuota(prev, q)) {
      changes.push({
        kind: 'quota-changed',
        path,
        message: `${e.name}：名额 ${describeQuota(prev)} → ${describeQuota(q)}`,
      });
    }
  }
  for (const code of Object.keys(old)) {
    if (!(code in quotas)) {
      const name = regions.nameOf(code);
      changes.push({
        kind: 'quota-removed',
        path: `quotas.${code}`,
        message: `${name}：名额表中没有，删除其名额`,
      });
    }
  }
  return quotas;
}

/**
 * Applies a schedule and/or quota table (and deadlines) to a program's JSON, keeping every other key,
 * $comment included. Both sheets are the bureau's complete list: classes or regions missing from them are
 * removed.
 */
export function applyImport(
  data: Record<string, unknown>,
  input: ImportInput,
  regions: RegionTable,
): { data: Record<string, unknown>; changes: ProgramChange[] } {
  const next: Record<string, unknown> = structuredClone(data);
  const changes: ProgramChange[] = [];
  if (input.schedule || input.deadlines) {
    const old = (Array.isArray(data.classes) ? data.classes : []) as RawClass[];
    next.classes = mergeClasses(old, input, changes);
  }
  if (input.quotas) {
    const old = (typeof data.quotas === 'object' && data.quotas !== null ? data.quotas : {}) as Record<
      string,
      RawQuota
    >;
    next.quotas = mergeQuotas(old, input.quotas, changes, regions);
  }
  return { data: next, changes };
}
