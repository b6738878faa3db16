import { log } from '@lingjun/core';
import { localDate, zonedInstant } from '@lingjun/program';

/** One scheduled job: explicit instants, or a local wall-clock time on given dates (or every day). */
export interface ScheduledJob {
  name: string;
  /** Explicit instants. */
  at?: Date[];
  /** Local time `HH:MM` in the scheduler's time zone, on `dates` (YYYY-MM-DD) or, if absent, every day. */
  local?: { time: string; dates?: string[] };
  /** Receives the instant it was scheduled for (not the possibly later moment it ran). */
  handler: (scheduledFor: Date) => Promise<void>;
}

/** A running scheduler. */
export interface Scheduler {
  /** The next instant each job will fire, for display. */
  next(): { name: string; at: Date | undefined }[];
  stop(): void;
}

// setTimeout overflows above 2^31-1 ms (~24.8 days); longer waits are done in hops.
const MAX_DELAY = 2 ** 31 - 1;

/** The first instant of the job strictly after `after`, or undefined if it has none left. */
export function nextFire(job: ScheduledJob, timeZone: string, after: Date): Date | undefined {
  const candidates: Date[] = [...(job.at ?? [])];
  if (job.local) {
    const { time, dates } = job.local;
    if (dates) {
      for (const d of dates) candidates.push(zonedInstant(d, time, timeZone));
    } else {
      // Today's and tomorrow's occurrence are enough to find the next daily one.
      const today = localDate(after, timeZone);
      const tomorrow = localDate(
        new Date(zonedInstant(today, '12:00', timeZone).getTime() + 86_400_000),
        timeZone,
      );
      candidates.push(zonedInstant(today, time, timeZone), zonedInstant(tomorrow, time, timeZone));
    }
  }
  return candidates.filter((c) => c.getTime() > after.getTime()).sort((a, b) => a.getTime() - b.getTime())[0];
}

/** Starts timers for the jobs, firing each at its times in `timeZone`; instants already past are skipped. */
export function startScheduler(
  jobs: ScheduledJob[],
  timeZone: string,
  now: () => Date = () => new Date(),
): Scheduler {
  const timers = new Map<ScheduledJob, NodeJS.Timeout>();
  const upcoming = new Map<ScheduledJob, Date | undefined>();
  let stopped = false;

  const arm = (job: ScheduledJob, after: Date) => {
    const at = nextFire(job, timeZone, after);
    upcoming.set(job, at);
    if (!at || stopped) return;
    const wait = () => {
      const delay = at.getTime() - now().getTime();
      if (delay > MAX_DELAY) {
        timers.set(job, setTimeout(wait, MAX_DELAY));
        return;
      }
      timers.set(
        job,
        setTimeout(
          () => {
            if (stopped) return;
            log.info('scheduled job firing', { job: job.name, scheduledFor: at.toISOString() });
            job
              .handler(at)
              .catch((error: unknown) => log.error('scheduled job failed', { job: job.name, error }))
              .finally(() => arm(job, at));
          },
          Math.max(0, delay),
        ),
      );
    };
    wait();
  };

  const start = now();
  for (const job of jobs) arm(job, start);
  return {
    next: () => jobs.map((j) => ({ name: j.name, at: upcoming.get(j) })),
    stop() {
      stopped = true;
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
    },
  };
}
