import { type AwsConfig, configFromEnv, documentClient, services, stackProgram } from '@lingjun/aws';
import { log } from '@lingjun/core';
import { type DailyRun, type DeadlineDeps, runDaily } from '@lingjun/deadlines';
import { deployedProgram, type Program } from '@lingjun/program';
import { Bounces, SendOnce } from '@lingjun/registry';

/** What EventBridge Scheduler passes: the schedule's kind and the instant it was scheduled for. */
export interface ScheduledEvent {
  kind?: string;
  /** `<aws.scheduler.scheduled-time>`: the planned instant, the same on every retry of one firing. */
  scheduledTime?: string;
  /** EventBridge rule events carry `time` instead. */
  time?: string;
}

/** The deadline jobs' services for a configuration. */
export function deadlineDeps(config: AwsConfig, program: Program): DeadlineDeps {
  const { registry, mailer } = services(config, program.year);
  const db = documentClient(config);
  return {
    program,
    registry,
    mailer,
    sendOnce: new SendOnce(db, config.tableName),
    bounces: new Bounces(db, config.tableName, program.year),
  };
}

/**
 * The instant a firing stands for: the scheduled time when the event has one, so a retry two hours later
 * still counts as the morning it was meant for; otherwise now.
 */
export function eventTime(event: ScheduledEvent | undefined, now = new Date()): Date {
  const raw = event?.scheduledTime ?? event?.time;
  const at = raw ? new Date(raw) : now;
  return Number.isNaN(at.getTime()) ? now : at;
}

/** Runs the daily deadline job for an event with explicit configuration; the local scheduler calls this too. */
export async function runScheduled(
  event: ScheduledEvent | undefined,
  ctx: { config: AwsConfig; program: Program },
): Promise<DailyRun> {
  const at = eventTime(event);
  const result = await runDaily(deadlineDeps(ctx.config, ctx.program), at);
  log.info('daily deadline job done', {
    at: at.toISOString(),
    reminders: result.reminders.sent.length,
    skipped: result.reminders.skipped.length,
    digest: result.digest.result,
    underfill: result.underfill.result,
  });
  return result;
}

/**
 * The daily job for the local stack's scheduler: the same entry as the AWS schedule, at reminders.time in
 * the program's time zone, acting for the instant it was scheduled for. `config` is read when the job fires
 * (the stack chooses its ports after the schedules are given).
 */
export function localDailyJob(config: () => AwsConfig, seed: Program) {
  const program = stackProgram(config, async () => seed);
  return {
    name: 'reminders',
    local: { time: seed.reminders.time },
    handler: async (at: Date): Promise<void> => {
      await runScheduled(
        { kind: 'reminders', scheduledTime: at.toISOString() },
        { config: config(), program: await program() },
      );
    },
  };
}

const program = stackProgram(configFromEnv, deployedProgram);

/** EventBridge Scheduler entry point (daily at reminders.time in the program's time zone). */
export async function handler(event: ScheduledEvent): Promise<void> {
  await runScheduled(event, { config: configFromEnv(), program: await program() });
}
