import { type ReminderRun, runReminders } from './reminders.ts';
import { type ReportRun, runDigest, runUnderfillReport } from './reports.ts';
import type { DeadlineDeps } from './status.ts';

/** What the daily scheduled run did. */
export interface DailyRun {
  reminders: ReminderRun;
  digest: ReportRun;
  underfill: ReportRun;
}

/**
 * The one daily job at reminders.time: reminders due today, the bureau's digest while submissions are open,
 * and the under-fill report on the morning after a deadline. Each part sends at most once per day (or
 * deadline), so the whole job may be fired twice or retried.
 */
export async function runDaily(deps: DeadlineDeps, now: Date): Promise<DailyRun> {
  const reminders = await runReminders(deps, now);
  const underfill = await runUnderfillReport(deps, now);
  const digest = await runDigest(deps, now);
  return { reminders, digest, underfill };
}
