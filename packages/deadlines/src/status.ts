import type { Mailer } from '@lingjun/core';
import { deadlines, localDate, type Program, type ProgramClass, programRegions } from '@lingjun/program';
import type { Bounces, MessageRecord, Registry, SendOnce } from '@lingjun/registry';
import pMap from 'p-map';

/** What the deadline jobs need: the program, the registry, send-once records and a mailer. */
export interface DeadlineDeps {
  program: Program;
  registry: Registry;
  sendOnce: SendOnce;
  /** Where sent mail is remembered by SES message id and its bounces are recorded, by region. */
  bounces: Bounces;
  mailer: Mailer;
  /**
   * Wall clock for send-once leases (default: the real time). Distinct from the moment a job acts for: a
   * retried firing carries the same scheduled time, yet its lease must be able to expire.
   */
  clock?: () => Date;
}

/**
 * How many regions a job works on at once: reads for its status, and mails sent (each paced by the mailer to
 * the mail service's rate).
 */
export const JOB_CONCURRENCY = 16;

/** One region's standing: quota, places used, what it has submitted, and whom to write to. */
export interface RegionStatus {
  code: string;
  name: string;
  quota: { total: number; perClass: Record<number, number> };
  used: { total: number; perClass: Record<number, number> };
  /** Registry submission keys: 'FORM3', 'C#01', … */
  submitted: Set<string>;
  contacts: string[];
}

/** A deadline of the program: its date and the classes due then. */
export interface Deadline {
  date: string;
  classes: ProgramClass[];
}

/** Submission key of a class, as intake records it. */
export function classKey(no: number): string {
  return `C#${String(no).padStart(2, '0')}`;
}

/** Regions that have a quota in the program, in the program's order (spec §2's for the notice's 37). */
export function quotaRegions(program: Program): { code: string; name: string }[] {
  return programRegions(program)
    .list.filter((r) => (program.quotas[r.code]?.total ?? 0) > 0)
    .map((r) => ({
      code: r.code,
      name: r.name,
    }));
}

/** Contacts of a region: the program file's and its latest 附件3's, lower-cased, once each. */
export async function contactsOf(deps: Pick<DeadlineDeps, 'program' | 'registry'>, code: string) {
  const fromProgram = deps.program.contacts[code] ?? [];
  const fromForm3 = await deps.registry.getContacts(code);
  return [...new Set([...fromProgram, ...fromForm3].map((e) => e.toLowerCase()))];
}

/** The standing of every region with a quota, or of all the program's regions (`all`, for the bureau's report). */
export async function regionStatuses(
  deps: Pick<DeadlineDeps, 'program' | 'registry'>,
  opts: { all?: boolean } = {},
): Promise<RegionStatus[]> {
  const regions = opts.all
    ? programRegions(deps.program).list.map((r) => ({ code: r.code, name: r.name }))
    : quotaRegions(deps.program);
  // Bounded: a program of hundreds of regions would otherwise queue thousands of reads on the SDK's sockets.
  return pMap(
    regions,
    async (r) => {
      const q = deps.program.quotas[r.code] ?? { total: 0 };
      const perClass: Record<number, number> = {};
      for (const [no, n] of Object.entries(q.perClass ?? {})) perClass[Number(no)] = n;
      const [used, submitted, contacts] = await Promise.all([
        deps.registry.quotaUsed(r.code),
        deps.registry.submitted(r.code),
        contactsOf(deps, r.code),
      ]);
      return { ...r, quota: { total: q.total, perClass }, used, submitted, contacts };
    },
    { concurrency: JOB_CONCURRENCY },
  );
}

/** The calendar date `days` after a YYYY-MM-DD date. */
export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** Whole days from `from` to `to` (both YYYY-MM-DD). */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/** The program's deadlines. */
export function programDeadlines(program: Program): Deadline[] {
  return deadlines(program);
}

/** The local date of `now` in the program's time zone. */
export function today(program: Program, now: Date): string {
  return localDate(now, program.timezone);
}

/** True while some class still takes submissions on the local date of `now`. */
export function submissionsOpen(program: Program, now: Date): boolean {
  const day = today(program, now);
  return program.classes.some((c) => c.deadline >= day);
}

/** Messages the bureau must look at: late, held and quarantined. */
export interface AttentionLists {
  late: MessageRecord[];
  held: MessageRecord[];
  quarantined: MessageRecord[];
}

/** Sorts the year's messages into late, held and quarantined. */
export async function attentionLists(registry: Registry): Promise<AttentionLists> {
  const all = await registry.listMessages();
  const late = all.filter((m) => {
    const findings = (m.outcome as { findings?: { code: string }[] } | undefined)?.findings ?? [];
    return findings.some((f) => f.code === 'DEADLINE_PASSED') || /截止/.test(m.heldReason ?? '');
  });
  return {
    late,
    held: all.filter((m) => m.status === 'held'),
    quarantined: all.filter((m) => m.status === 'quarantined'),
  };
}
