import { ConflictError } from '@lingjun/core';
import { programRegions } from './regions.ts';
import type { Program } from './schema.ts';

/** One published version of the program, as the stack keeps it. */
export interface PublishedProgram {
  version: number;
  program: Program;
  /** Who published it (an operator's name, `lingjun start`, or `seed` for the bundled program). */
  publishedBy: string;
  publishedAt: string;
  /** What changed against the version before, one line each, in Chinese. */
  changes: string[];
}

/**
 * The stack's store of program versions. The current version number is cheap to read, so a function checks
 * it on every invocation and loads a version only when it changed.
 */
export interface ProgramVersions {
  /** The current version number, or undefined when nothing was ever published. */
  currentVersion(): Promise<number | undefined>;
  /** The current version with its program, or undefined when nothing was ever published. */
  current(): Promise<PublishedProgram | undefined>;
  /** One version, or undefined when there is no such version. */
  get(version: number): Promise<PublishedProgram | undefined>;
  /**
   * Publishes `program` as version `after + 1`, only if `after` is still the current version (0 = none);
   * throws ConflictError when another publication came first.
   */
  publish(input: {
    after: number;
    program: Program;
    publishedBy: string;
    changes: string[];
    now: Date;
  }): Promise<PublishedProgram>;
}

/** The current published version, publishing `seed` as version 1 when the store has none. */
export async function currentProgram(
  store: ProgramVersions,
  seed: () => Promise<Program>,
  now = new Date(),
): Promise<PublishedProgram> {
  const found = await store.current();
  if (found) return found;
  try {
    return await store.publish({
      after: 0,
      program: await seed(),
      publishedBy: 'seed',
      changes: ['初始版本'],
      now,
    });
  } catch (error) {
    // Two cold containers seeding at once: the other one's version stands.
    if (!(error instanceof ConflictError)) throw error;
    return currentProgram(store, seed, now);
  }
}

/**
 * A per-container view of the program: every call checks the current version number (one small read) and
 * loads the version only when it changed, so a published quota change reaches the next invocation.
 */
export function liveProgram(
  store: () => ProgramVersions,
  seed: () => Promise<Program>,
): () => Promise<PublishedProgram> {
  let held: PublishedProgram | undefined;
  return async () => {
    const s = store();
    if (held && (await s.currentVersion()) === held.version) return held;
    held = await currentProgram(s, seed);
    return held;
  };
}

/** Regions whose places differ between two programs (in total or for any class). */
export function quotaChangedRegions(before: Program, after: Program): string[] {
  const codes = new Set([...Object.keys(before.quotas), ...Object.keys(after.quotas)]);
  return [...codes]
    .filter(
      (code) => JSON.stringify(before.quotas[code] ?? null) !== JSON.stringify(after.quotas[code] ?? null),
    )
    .sort();
}

/** What changed between two programs, one Chinese line each (quotas, classes, contacts, admins). */
export function describeProgramChanges(before: Program, after: Program): string[] {
  const lines: string[] = [];
  if (before.year !== after.year) lines.push(`年度：${before.year} → ${after.year}`);
  const classes = new Map(before.classes.map((c) => [c.no, c]));
  for (const c of after.classes) {
    const old = classes.get(c.no);
    if (!old) lines.push(`新增第${c.no}期：${c.start}至${c.end}，${c.location}，截止${c.deadline}`);
    else
      for (const key of ['start', 'end', 'location', 'deadline'] as const)
        if (old[key] !== c[key]) lines.push(`第${c.no}期${CLASS_FIELDS[key]}：${old[key]} → ${c[key]}`);
    classes.delete(c.no);
  }
  for (const no of classes.keys()) lines.push(`删除第${no}期`);
  // Names as the newer program has them; a region it no longer lists is named by the older one.
  const nameOf = (code: string) =>
    programRegions(after).byCode(code)?.name ?? programRegions(before).nameOf(code);
  const listed = (p: Program) => programRegions(p).list.map((r) => `${r.code} ${r.name}`);
  const [was, now] = [new Set(listed(before)), new Set(listed(after))];
  const added = [...now].filter((r) => !was.has(r));
  const removed = [...was].filter((r) => !now.has(r));
  if (added.length > 0) lines.push(`新增地区：${added.join('、')}`);
  if (removed.length > 0) lines.push(`删除地区：${removed.join('、')}`);
  for (const code of quotaChangedRegions(before, after)) {
    const name = nameOf(code);
    lines.push(`${name}名额：${quotaText(before.quotas[code])} → ${quotaText(after.quotas[code])}`);
  }
  const contactCodes = new Set([...Object.keys(before.contacts), ...Object.keys(after.contacts)]);
  for (const code of [...contactCodes].sort()) {
    const a = (before.contacts[code] ?? []).join('、');
    const b = (after.contacts[code] ?? []).join('、');
    if (a !== b) lines.push(`${nameOf(code)}联系人：${a || '无'} → ${b || '无'}`);
  }
  if (before.adminEmails.join() !== after.adminEmails.join())
    lines.push(`管理员邮箱：${before.adminEmails.join('、')} → ${after.adminEmails.join('、')}`);
  return lines;
}

const CLASS_FIELDS = { start: '开班日期', end: '结班日期', location: '地点', deadline: '报名截止' } as const;

function quotaText(q: Program['quotas'][string] | undefined): string {
  if (!q) return '未设';
  const per = Object.entries(q.perClass ?? {})
    .map(([no, n]) => `第${no}期${n}`)
    .join('，');
  return per ? `${q.total}（${per}）` : String(q.total);
}
