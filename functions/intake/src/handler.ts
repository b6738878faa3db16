import { type AwsConfig, configFromEnv, keySecretFromEnv, services, stackProgram } from '@lingjun/aws';
import { handleSesEvent, type Outcome } from '@lingjun/intake';
import { deployedProgram, type Program } from '@lingjun/program';
import type { SESEvent } from 'aws-lambda';

/** Processes an SES event with explicit configuration; the local SMTP receiver calls this too. */
export async function handleInbound(
  event: SESEvent,
  ctx: { config: AwsConfig; program: Program; now?: () => Date },
): Promise<Outcome[]> {
  const deps = {
    ...services(ctx.config, ctx.program.year),
    program: ctx.program,
    keySecret: keySecretFromEnv(),
    ...(ctx.now ? { now: ctx.now } : {}),
  };
  return handleSesEvent(event, deps, process.env.LINGJUN_INBOUND_PREFIX);
}

/** The stack's current program, seeded from the bundled file. */
const program = stackProgram(configFromEnv, deployedProgram);

/** SES receipt-rule entry point (Lambda action after the S3 action). */
export async function handler(event: SESEvent): Promise<void> {
  await handleInbound(event, { config: configFromEnv(), program: await program() });
}
