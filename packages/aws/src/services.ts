import type { Mailer } from '@lingjun/core';
import { liveProgram, type Program } from '@lingjun/program';
import {
  CourseRegistry,
  DynamoProgramVersions,
  Registry,
  SendEvidence,
  SendOnce,
  VerificationTable,
} from '@lingjun/registry';
import { lazyMailer, s3BlobStore } from './adapters.ts';
import type { AwsConfig } from './config.ts';
import { documentClient } from './dynamodb.ts';
import { s3Client } from './s3.ts';

/**
 * The registry, blob store and mailer for a configuration: the one place use cases get their services. The
 * mailer is SES, or SMTP submission when `config.smtp` is set; `afterSend` receives each SMTP-sent message.
 */
export function services(
  config: AwsConfig,
  year: number,
  mail: { afterSend?: (raw: Uint8Array) => Promise<void> } = {},
) {
  const db = documentClient(config);
  const verification = new VerificationTable(db, config.verifyTableName);
  return {
    registry: new Registry(db, config.tableName, year),
    course: new CourseRegistry(db, config.tableName, year, verification),
    sendOnce: new SendOnce(db, config.tableName),
    verification,
    sendEvidence: new SendEvidence(db, config.tableName),
    store: s3BlobStore(s3Client(config), config.bucketName),
    mailer: lazyMailer(async () => paced(await mailerFor(config, mail.afterSend), config.sendRate)),
  };
}

/** The verification table of a configuration: the public check's certificates and rate-limit counters. */
export function verificationTable(config: AwsConfig): VerificationTable {
  return new VerificationTable(documentClient(config), config.verifyTableName);
}

/** The course-end registry of a configuration, its revocations reaching the verification table too. */
export function courseRegistry(config: AwsConfig, year: number): CourseRegistry {
  const db = documentClient(config);
  return new CourseRegistry(db, config.tableName, year, new VerificationTable(db, config.verifyTableName));
}

/**
 * Secret for the HMAC that keys people by ID number. In AWS it is set from a secret at deploy time; locally a
 * fixed development value is fine because local data never leaves the machine.
 */
export function keySecretFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return env.LINGJUN_KEY_SECRET ?? 'lingjun-local-development-key';
}

/** The stack's published program versions. */
export function programVersions(config: AwsConfig): DynamoProgramVersions {
  return new DynamoProgramVersions(documentClient(config), config.tableName);
}

/**
 * The program a function runs with: the stack's current published version, checked on every call (one small
 * read) and loaded only when it changed; `seed` (the bundled program file) is published when there is none.
 * `config` is read on each call because the local stack knows its ports only once it runs.
 */
export function stackProgram(config: () => AwsConfig, seed: () => Promise<Program>): () => Promise<Program> {
  let store: { key: string; versions: DynamoProgramVersions } | undefined;
  const live = liveProgram(() => {
    const c = config();
    const key = `${c.tableName}@${c.endpoints?.dynamodb ?? c.region}`;
    if (store?.key !== key) store = { key, versions: programVersions(c) };
    return store.versions;
  }, seed);
  return async () => (await live()).program;
}

async function mailerFor(
  config: AwsConfig,
  afterSend: ((raw: Uint8Array) => Promise<void>) | undefined,
): Promise<Mailer> {
  if (config.smtp) return (await import('./smtp.ts')).smtpMailerFor(config, afterSend);
  const { sesClient, sesMailer } = await import('./ses.ts');
  return sesMailer(sesClient(config), config.configurationSet);
}

/** The mailer paced to the configured send rate; loaded with the mailer, on the first send. */
async function paced(mailer: Mailer, sendRate: number | undefined): Promise<Mailer> {
  return sendRate === undefined ? mailer : (await import('./paced.ts')).pacedMailer(mailer, sendRate);
}
