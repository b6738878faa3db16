import { configFromEnv, documentClient, keySecretFromEnv, services } from '@lingjun/aws';
import { type ClassEndResult, certSecretFromEnv, runCourseEnd } from '@lingjun/certificates';
import { ConfigError, log } from '@lingjun/core';
import { loadProgram, type Program } from '@lingjun/program';
import { CourseRegistry } from '@lingjun/registry';

let programPromise: Promise<Program> | undefined;

/** Where the QR codes point: the verify function's URL (set by the stack); a local address for development. */
function verifyBaseFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  if (env.LINGJUN_VERIFY_URL) return env.LINGJUN_VERIFY_URL;
  if (env.AWS_LAMBDA_FUNCTION_NAME && !env.LINGJUN_DYNAMODB_ENDPOINT) {
    throw new ConfigError('LINGJUN_VERIFY_URL is not set: certificates would carry no working QR code');
  }
  return 'http://localhost:8787/verify';
}

/**
 * Daily schedule: for every class that has ended, completion, certificates and mails. Re-running issues no
 * second number and sends nothing twice. `classNo` and `now` in the event serve manual runs.
 */
export async function handler(event: { classNo?: number; now?: string } = {}): Promise<ClassEndResult[]> {
  programPromise ??= loadProgram(process.env.LINGJUN_PROGRAM_FILE ?? 'program.json');
  const program = await programPromise;
  const config = configFromEnv();
  const results = await runCourseEnd(
    {
      ...services(config, program.year),
      program,
      course: new CourseRegistry(documentClient(config), config.tableName, program.year),
      keySecret: keySecretFromEnv(),
      certSecret: certSecretFromEnv(),
      verifyBase: verifyBaseFromEnv(),
      ...(process.env.LINGJUN_CERT_ISSUER ? { issuer: process.env.LINGJUN_CERT_ISSUER } : {}),
      now: event.now ? new Date(event.now) : new Date(),
    },
    event.classNo,
  );
  log.info('course-end run', { classes: results.map((r) => `${r.classNo}:${r.status}`).join(',') });
  // The bytes stay in S3; the scheduler only needs to know what happened.
  return results.map((r) => ({
    ...r,
    certificates: r.certificates.map((c) => ({ ...c, content: new Uint8Array() })),
    completion: [],
    printable: undefined,
  })) as ClassEndResult[];
}
