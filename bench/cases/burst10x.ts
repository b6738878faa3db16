/**
 * burst10x: ten times a season (issue 16). A synthetic ministry-wide program declares 370 regions (ten per
 * notice region) and 90 classes; each region sends 9 emails (one for each of 9 of the classes, 3 students, a
 * quota of 20 that they outnumber): 3,330 submissions, each class with 37 regions' students as in the burst.
 * Every ninth email is delivered twice at once (370 redeliveries), 8 workers run processInbound concurrently
 * against the local stack, and the table is read back as in the burst: lost, quota overrun and duplicate
 * registrations must all be 0. Then, on data of that size, the scheduled jobs run as their Lambdas would and
 * are timed against their Lambda timeouts (infra FUNCTION_TIMEOUT_S):
 *
 * - reminders, first reminder morning, nothing submitted yet (a fresh table): every one of the 370 regions owes
 *   its forms, the most reminder mail the job ever sends;
 * - reminders, the morning after the deadline on the season's table: under-fill report and digest over
 *   3,330 submissions;
 * - course-end for class 1 (the fullest class) with every student present on every half-day: certificates,
 *   completion lists and mails for the class.
 */
import { readFile } from 'node:fs/promises';
import { type AwsConfig, courseRegistry, keySecretFromEnv, services } from '@lingjun/aws';
import { setLogSink } from '@lingjun/core';
import { runDaily } from '@lingjun/deadlines';
import type { IntakeDeps } from '@lingjun/intake';
import { NOTICE_REGIONS, parseProgram, programRegions } from '@lingjun/program';
import { runCourseEndFor } from '../../functions/course-end/src/handler.ts';
import { FUNCTION_TIMEOUT_S } from '../../infra/src/stateless-stack.ts';
import {
  BURST10X_DEADLINE,
  BURST10X_EMAILS_PER_REGION,
  BURST10X_QUOTA,
  BURST10X_REGIONS_PER_REGION,
} from '../fixtures.ts';
import { checkRun, drain, stage, withRedeliveries, withTable } from './burst.ts';

const WORKERS = 8;

/** One scheduled job at ten times the size, against its timeout. */
export interface JobTiming {
  seconds: number;
  timeout_s: number;
  /** seconds / timeout: the share of the Lambda timeout used (budget: well inside, ≤ 0.5). */
  share_of_timeout: number;
  mails: number;
}

/** The burst10x key of the JSON line. */
export interface Burst10xResult {
  /** Regions that sent email in this run (all 370, or 2 in a --quick run), and the program's regions. */
  regions: number;
  program_regions: number;
  classes: number;
  emails: number;
  redelivered: number;
  workers: number;
  outcomes: Record<string, number>;
  findings: Record<string, number>;
  lost: number;
  quota_overrun: number;
  duplicate_registrations: number;
  answered_twice: number;
  emails_per_s: number;
  retries: number;
  wall_s: number;
  jobs: {
    reminders_first_morning: JobTiming;
    reminders_after_deadline: JobTiming;
    course_end_class1: JobTiming;
  };
}

function timing(seconds: number, timeout: number, mails: number): JobTiming {
  return {
    seconds: round2(seconds),
    timeout_s: timeout,
    share_of_timeout: round2(seconds / timeout),
    mails,
  };
}

/** Local instant of the program's reminder time on a date (Asia/Shanghai, UTC+8, no DST). */
function morning(date: string, time: string): Date {
  return new Date(`${date}T${time}:00+08:00`);
}

function addDays(date: string, n: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** Runs burst10x on the given emails (region by region, 9 each) against the local stack. */
export async function runBurst10x(
  programFile: string,
  files: string[],
  config: AwsConfig,
): Promise<Burst10xResult> {
  setLogSink({ write: () => {} });
  const program = parseProgram(JSON.parse(await readFile(programFile, 'utf8')));
  const raws = await Promise.all(files.map((f) => readFile(f)));
  const base = (cfg: AwsConfig): IntakeDeps => ({
    ...services(cfg, program.year),
    program,
    keySecret: keySecretFromEnv(),
  });
  // The reminders function's own services, as the daily schedule builds them.
  const { deadlineDeps: functionDeps } = await import('@lingjun/fn-reminders');
  const deadlineDeps = (cfg: AwsConfig) => functionDeps(cfg, program);
  const firstReminder = Math.max(...program.reminders.daysBefore);

  // Reminders with nothing submitted: a fresh table, every region owes all 90 classes.
  const first = await withTable(config, async (cfg) => {
    const t0 = performance.now();
    const run = await runDaily(
      deadlineDeps(cfg),
      morning(addDays(BURST10X_DEADLINE, -firstReminder), program.reminders.time),
    );
    return timing((performance.now() - t0) / 1000, FUNCTION_TIMEOUT_S.reminders, run.reminders.sent.length);
  });

  return withTable(config, async (cfg) => {
    const deps = base(cfg);
    const delivery = withRedeliveries(raws, (i) => i % 9 === 0);
    const jobs = await stage(deps, delivery);
    const run = await drain(jobs, deps, WORKERS);
    const checked = await checkRun(run, raws.length, deps, program, BURST10X_QUOTA);

    let t0 = performance.now();
    const after = await runDaily(
      deadlineDeps(cfg),
      morning(addDays(BURST10X_DEADLINE, 1), program.reminders.time),
    );
    const afterDeadline = timing(
      (performance.now() - t0) / 1000,
      FUNCTION_TIMEOUT_S.reminders,
      after.reminders.sent.length +
        (after.digest.result === 'sent' ? 1 : 0) +
        (after.underfill.result === 'sent' ? 1 : 0),
    );

    // Course end of class 1: every active student present on every half-day of the class.
    const cls = program.classes[0]!;
    const course = courseRegistry(cfg, program.year);
    const students = (await deps.registry.listClass(cls.no)).filter((r) => r.status === 'active');
    const marks = Object.fromEntries(students.map((s) => [s.personKey, 'present' as const]));
    for (let d = cls.start; d <= cls.end; d = addDays(d, 1)) {
      for (const half of ['AM', 'PM']) {
        await course.putAttendance({
          classNo: cls.no,
          halfDay: `${d}${half}`,
          marks,
          source: 'bench',
          updatedAt: new Date().toISOString(),
        });
      }
    }
    t0 = performance.now();
    const ended = await runCourseEndFor(
      { classNo: cls.no, now: morning(addDays(cls.end, 1), '18:00').toISOString() },
      { config: cfg, program, verifyBase: 'http://localhost:8787/verify' },
    );
    const courseEnd = timing(
      (performance.now() - t0) / 1000,
      FUNCTION_TIMEOUT_S.course_end,
      ended.reduce((n, r) => n + r.sent.length, 0),
    );
    const certs = ended.reduce((n, r) => n + r.certificates.length, 0);
    process.stderr.write(
      `burst10x: class ${cls.no} has ${students.length} active students, ${certs} certificates\n`,
    );

    return {
      regions: raws.length / BURST10X_EMAILS_PER_REGION,
      program_regions: programRegions(program).list.length,
      classes: program.classes.length,
      emails: raws.length,
      redelivered: delivery.length - raws.length,
      workers: WORKERS,
      ...checked,
      emails_per_s: round2(raws.length / run.seconds),
      retries: run.retries,
      wall_s: round2(run.seconds),
      jobs: {
        reminders_first_morning: first,
        reminders_after_deadline: afterDeadline,
        course_end_class1: courseEnd,
      },
    };
  });
}

/** Regions of the full ten-times run (370), and of a --quick check. */
export function burst10xRegions(quick: boolean): number {
  return quick ? 2 : NOTICE_REGIONS.length * BURST10X_REGIONS_PER_REGION;
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
