import { type AwsConfig, configFromEnv, keySecretFromEnv, services } from '@lingjun/aws';
import { handleSesEvent, type Outcome } from '@lingjun/intake';
import { deployedProgram, type Program } from '@lingjun/program';
import type { Context, SESEvent } from 'aws-lambda';

/** Processes an SES event with explicit configuration; the local SMTP receiver calls this too. */
export async function handleInbound(
  event: SESEvent,
  ctx: { config: AwsConfig; program: Program; now?: () => Date; remainingMs?: () => number },
): Promise<Outcome[]> {
  const deps = {
    ...services(ctx.config, ctx.program.year),
    program: ctx.program,
    keySecret: keySecretFromEnv(),
    ...(ctx.now ? { now: ctx.now } : {}),
    ...(ctx.remainingMs ? { remainingMs: ctx.remainingMs } : {}),
  };
  return handleSesEvent(event, deps, process.env.LINGJUN_INBOUND_PREFIX);
}

/** SES receipt-rule entry point (Lambda action after the S3 action). */
export async function handler(
  event: SESEvent,
  context: Pick<Context, 'getRemainingTimeInMillis'>,
): Promise<void> {
  await handleInbound(event, {
    config: configFromEnv(),
    program: await deployedProgram(),
    // The claim lease must outlast this invocation, whatever its configured timeout.
    remainingMs: () => context.getRemainingTimeInMillis(),
  });
}
