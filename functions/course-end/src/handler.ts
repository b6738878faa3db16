import { type AwsConfig, configFromEnv, keySecretFromEnv, services, stackProgram } from '@lingjun/aws';
// Subpaths, not the package index: the index re-exports the certificate writer (docx, QR codes), which the job
// loads only when it writes certificates (npm run bench, bundle_initial_kb.course_end).
import { certSecretFromEnv } from '@lingjun/certificates/code';
import { type ClassEndResult, runCourseEnd } from '@lingjun/certificates/job';
import { ConfigError, log } from '@lingjun/core';
import { COURSE_END_TIME, deployedProgram, type Program } from '@lingjun/program';

/** Where the QR codes point: the verify function's URL (set by the stack); a local address for development. */
function verifyBaseFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  if (env.LINGJUN_VERIFY_URL) return env.LINGJUN_VERIFY_URL;
  if (env.AWS_LAMBDA_FUNCTION_NAME && !env.LINGJUN_DYNAMODB_ENDPOINT) {
    throw new ConfigError('LINGJUN_VERIFY_URL is not set: certificates would carry no working QR code');
  }
  return 'http://localhost:8787/verify';
}

/** Runs the course-end job with explicit configuration; the local scheduler and the Lambda both call this. */
export async function runCourseEndFor(
  event: { classNo?: number; now?: string },
  ctx: { config: AwsConfig; program: Program; at?: Date; verifyBase?: string | undefined },
): Promise<ClassEndResult[]> {
  const { config, program } = ctx;
  const results = await runCourseEnd(
    {
      ...services(config, program.year),
      program,
      keySecret: keySecretFromEnv(),
      certSecret: certSecretFromEnv(),
      verifyBase: ctx.verifyBase ?? verifyBaseFromEnv(),
      ...(process.env.LINGJUN_CERT_ISSUER ? { issuer: process.env.LINGJUN_CERT_ISSUER } : {}),
      now: event.now ? new Date(event.now) : (ctx.at ?? new Date()),
    },
    event.classNo,
  );
  log.info('course-end run', { classes: results.map((r) => `${r.classNo}:${r.status}`).join(',') });
  return results;
}

/** What EventBridge Scheduler passes (kind, planned instant); `classNo` and `now` serve manual runs. */
export interface CourseEndEvent {
  kind?: string;
  /** `<aws.scheduler.scheduled-time>`: the same on every retry, so a late retry acts for the planned day. */
  scheduledTime?: string;
  classNo?: number;
  now?: string;
}

const program = stackProgram(configFromEnv, deployedProgram);

/**
 * Daily schedule: for every class that has ended, completion, certificates and mails. Re-running issues no
 * second number and sends nothing twice.
 */
export async function handler(event: CourseEndEvent = {}): Promise<ClassEndResult[]> {
  const now = event.now ?? event.scheduledTime;
  const results = await runCourseEndFor(
    { ...(event.classNo !== undefined ? { classNo: event.classNo } : {}), ...(now ? { now } : {}) },
    { config: configFromEnv(), program: await program() },
  );
  // The bytes stay in S3; the scheduler only needs to know what happened.
  return results.map((r) => ({
    ...r,
    certificates: r.certificates.map((c) => ({ ...c, content: new Uint8Array() })),
    completion: [],
    printable: undefined,
  })) as ClassEndResult[];
}

/** The course-end job for the local stack's scheduler, at the same local time as the AWS schedule. */
export function localCourseEndJob(
  config: () => AwsConfig,
  seed: Program,
  verifyBase?: () => string | undefined,
) {
  const program = stackProgram(config, async () => seed);
  return {
    name: 'course-end',
    local: { time: COURSE_END_TIME },
    handler: async (at: Date): Promise<void> => {
      await runCourseEndFor(
        {},
        { config: config(), program: await program(), at, verifyBase: verifyBase?.() },
      );
    },
  };
}
