import {
  type AwsConfig,
  configFromEnv,
  keySecretFromEnv,
  RAW_MAIL_PREFIX,
  s3Client,
  s3RawMailList,
  services,
  stackProgram,
} from '@lingjun/aws';
import { log, SWEEP_EVERY_MINUTES } from '@lingjun/core';
import { SWEEP_MIN_AGE_MS, type SweepResult, sweepInbound } from '@lingjun/ingress';
import { processInbound } from '@lingjun/intake';
import { deployedProgram, type Program } from '@lingjun/program';
import type { Context } from 'aws-lambda';

/** Runs one sweep of the inbound folder with explicit configuration; the local stack calls this too. */
export async function runSweep(ctx: {
  config: AwsConfig;
  program: Program;
  now?: Date;
  minAgeMs?: number;
  remainingMs?: () => number;
  /** The organisation's mail server whose Authentication-Results the mailbox ingress trusts (LINGJUN_AUTHSERV_ID). */
  organisationAuthservId?: string;
}): Promise<SweepResult> {
  const svc = services(ctx.config, ctx.program.year);
  const intake = {
    ...svc,
    program: ctx.program,
    keySecret: keySecretFromEnv(),
    ...(ctx.remainingMs ? { remainingMs: ctx.remainingMs } : {}),
    // A sweep acting for a given instant judges leases by it too.
    ...(ctx.now ? { now: () => ctx.now as Date } : {}),
  };
  const s3 = s3Client(ctx.config);
  try {
    const result = await sweepInbound({
      registry: svc.registry,
      store: svc.store,
      rawMail: s3RawMailList(s3, ctx.config.bucketName),
      redrive: (ref) => processInbound(ref, intake),
      prefix: process.env.LINGJUN_INBOUND_PREFIX ?? RAW_MAIL_PREFIX,
      now: ctx.now ?? new Date(),
      minAgeMs: ctx.minAgeMs ?? SWEEP_MIN_AGE_MS,
      ...(ctx.organisationAuthservId ? { organisationAuthservId: ctx.organisationAuthservId } : {}),
    });
    log.info('inbound sweep done', {
      redriven: result.redriven.length,
      failed: result.failed.length,
      stuck: result.stuck.length,
    });
    return result;
  } finally {
    s3.destroy();
  }
}

/**
 * The sweep for the local stack: every SWEEP_EVERY_MINUTES, and once at start-up with no minimum age (a
 * stack that starts has nothing of an earlier run still working).
 */
export function localSweep(program: Program, opts: { organisationAuthservId?: string } = {}) {
  return {
    everyMs: SWEEP_EVERY_MINUTES * 60_000,
    run: async (config: AwsConfig, atStartUp: boolean): Promise<void> => {
      await runSweep({ config, program, ...opts, ...(atStartUp ? { minAgeMs: 0 } : {}) });
    },
  };
}

const program = stackProgram(configFromEnv, deployedProgram);

/** EventBridge Scheduler entry point (every SWEEP_EVERY_MINUTES); `now` in the event serves manual runs. */
export async function handler(
  event: { now?: string } | undefined,
  context: Pick<Context, 'getRemainingTimeInMillis'>,
): Promise<SweepResult> {
  const now = event?.now ? new Date(event.now) : undefined;
  return runSweep({
    config: configFromEnv(),
    program: await program(),
    ...(now && !Number.isNaN(now.getTime()) ? { now } : {}),
    remainingMs: () => context.getRemainingTimeInMillis(),
    ...(process.env.LINGJUN_AUTHSERV_ID ? { organisationAuthservId: process.env.LINGJUN_AUTHSERV_ID } : {}),
  });
}
