import {
  type AwsConfig,
  configFromEnv,
  documentClient,
  keySecretFromEnv,
  programVersions,
  services,
  stackProgram,
} from '@lingjun/aws';
import type { handleOrganiserMail } from '@lingjun/certificates/organiser';
import { log } from '@lingjun/core';
import type { MailRoute, Outcome } from '@lingjun/intake';
// The route module, not the index: the index re-exports the bureau's command handling, which loads only
// with an admin's mail.
import { routeSesEvent } from '@lingjun/intake/route';
import { deployedProgram, type Program } from '@lingjun/program';
import { Bounces } from '@lingjun/registry';
import type { Context, SESEvent } from 'aws-lambda';

/** Processes an SES event with explicit configuration; the local SMTP receiver calls this too. */
export async function handleInbound(
  event: SESEvent,
  ctx: { config: AwsConfig; program: Program; now?: () => Date; remainingMs?: () => number },
): Promise<Outcome[]> {
  const svc = services(ctx.config, ctx.program.year);
  const keySecret = keySecretFromEnv();
  const deps = {
    ...svc,
    program: ctx.program,
    keySecret,
    routes: [organiserRoute({ ...svc, program: ctx.program, keySecret })],
    // The bureau's mail commands (同意 / 拒绝 replies, 名额调整, 进度, 名单) are taken before intake.
    versions: programVersions(ctx.config),
    bounces: new Bounces(documentClient(ctx.config), ctx.config.tableName, ctx.program.year),
    ...(ctx.now ? { now: ctx.now } : {}),
    ...(ctx.remainingMs ? { remainingMs: ctx.remainingMs } : {}),
  };
  return routeSesEvent(event, deps, process.env.LINGJUN_INBOUND_PREFIX);
}

/**
 * Mail from the class organiser carries sign-in sheets and evaluation forms, not submissions: the course
 * package records them and answers the organiser itself.
 */
function organiserRoute(deps: Omit<Parameters<typeof handleOrganiserMail>[1], 'now'>): MailRoute {
  return {
    name: 'organiser',
    async take(mail, now) {
      // The organiser module only: the package index would bring the certificate writer (docx, QR codes)
      // into the intake bundle (npm run bench, bundle_kb).
      const { handleOrganiserMail } = await import('@lingjun/certificates/organiser');
      const res = await handleOrganiserMail(mail, { ...deps, now });
      if (!res.handled) return undefined;
      log.info('organiser mail recorded', { sheets: res.attendance.length, evaluations: res.evaluations });
      return { recorded: res.attendance.length + res.evaluations > 0 };
    },
  };
}

/** The stack's current program, seeded from the bundled file. */
const program = stackProgram(configFromEnv, deployedProgram);

/** SES receipt-rule entry point (Lambda action after the S3 action). */
export async function handler(
  event: SESEvent,
  context: Pick<Context, 'getRemainingTimeInMillis'>,
): Promise<void> {
  await handleInbound(event, {
    config: configFromEnv(),
    program: await program(),
    // The claim lease must outlast this invocation, whatever its configured timeout.
    remainingMs: () => context.getRemainingTimeInMillis(),
  });
}
