import { isAbsolute, resolve } from 'node:path';
import { ConfigError } from '@lingjun/core';
import { COURSE_END_TIME, loadProgram, type Program } from '@lingjun/program';
import { loadMailConfig, type MailConfig } from './mailbox.ts';

/**
 * Everything the stacks need that differs between deployments. Nothing here is hard-coded in the stacks:
 * it comes from CDK context (cdk.json or `-c key=value`) or from the program file that context names.
 */
export interface LingjunConfig {
  /** Repository root: function entries and the lock file are found from here. */
  root: string;
  /** Prefix of physical names (table, bucket, rule set); change it to run a second copy in one account. */
  name: string;
  /** Absolute path of the program file; it is shipped inside every function bundle. */
  programFile: string;
  program: Program;
  /** The address provinces write to; the receipt rule's recipient and the From of replies. */
  mailbox: string;
  /** The SES identity (domain) replies are sent from. */
  domain: string;
  adminEmails: string[];
  /** Who is emailed when a dead-letter queue fills. */
  alarmEmails: string[];
  /** Days raw mail under inbound/ is kept before S3 expires it (personal data: keep no longer than needed). */
  rawMailRetentionDays: number;
  logRetentionDays: number;
  receiptRuleSetName: string;
  /** Local time (HH:MM, program time zone) of the daily course-end check. */
  courseEndTime: string;
  /**
   * Reserved concurrency of the public verify URL, which also caps it, so strangers cannot take intake's
   * share of the account; undefined (context `off`) leaves it unreserved. See infra/README for sizing.
   */
  verifyReservedConcurrency: number | undefined;
  /**
   * Whether Node maps stack traces through the bundles' source maps (NODE_OPTIONS=--enable-source-maps).
   * Off by default: reading the maps costs every cold start about a tenth, and lingjun's own logs carry error
   * names, messages and causes, never stacks. The maps ship either way, so turning it on is a redeploy of
   * configuration only.
   */
  sourceMaps: boolean;
  /**
   * The SES account's maximum send rate, messages per second (the SES console's "sending statistics", or
   * `aws sesv2 get-account`'s SendQuota.MaxSendRate): each function sends no faster (LINGJUN_SEND_RATE).
   */
  sendRate: number;
  /** SES or the organisation's own mailbox, for mail in and out (context ingress, egress, mailbox*). */
  mail: MailConfig;
}

/**
 * Default cap on concurrent verify invocations: a check takes well under a second, so 10 answer hundreds of
 * people a minute, and the account keeps the 100 unreserved executions Lambda insists on once its quota is
 * at least 110.
 */
export const DEFAULT_VERIFY_CONCURRENCY = 10;

/** SES's usual maximum send rate for an account out of the sandbox; a sandbox account has 1 (context sendRate). */
export const DEFAULT_SEND_RATE = 14;

/** Reads a context value the way `-c` passes it (always a string) or as cdk.json gives it (any JSON). */
type ContextReader = (key: string) => unknown;

function list(value: unknown): string[] | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (Array.isArray(value)) return value.map(String);
  return String(value)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function int(key: string, value: unknown, fallback: number): number {
  if (value === undefined || value === null || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0)
    throw new ConfigError(`context ${key} must be a positive integer, got ${value}`);
  return n;
}

function flag(key: string, value: unknown): boolean {
  if (value === undefined || value === null || value === '' || value === false || value === 'false')
    return false;
  if (value === true || value === 'true') return true;
  throw new ConfigError(`context ${key} must be true or false, got ${value}`);
}

function hhmm(key: string, value: unknown, fallback: string): string {
  const v = value === undefined || value === null || value === '' ? fallback : String(value);
  if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(v)) throw new ConfigError(`context ${key} must be HH:MM, got ${v}`);
  return v;
}

/** Builds the deployment configuration from CDK context and the program file it names. */
export async function loadConfig(context: ContextReader, root: string): Promise<LingjunConfig> {
  const programPath = String(context('program') ?? 'examples/program-2025.json');
  const programFile = isAbsolute(programPath) ? programPath : resolve(root, programPath);
  const program = await loadProgram(programFile);
  const mailbox = String(context('mailbox') ?? program.mailbox);
  const domain = String(context('domain') ?? mailbox.split('@')[1] ?? '');
  if (!domain) throw new ConfigError(`cannot derive a domain from mailbox ${mailbox}; set context domain`);
  const adminEmails = list(context('adminEmails')) ?? program.adminEmails;
  const verifyConcurrency = context('verifyReservedConcurrency');
  const name = String(context('name') ?? 'lingjun');
  if (!/^[a-z][a-z0-9-]{1,30}$/.test(name))
    throw new ConfigError(`context name must be lower-case letters, digits, -: ${name}`);
  return {
    root,
    name,
    programFile,
    program,
    mailbox,
    domain,
    adminEmails,
    alarmEmails: list(context('alarmEmails')) ?? adminEmails,
    rawMailRetentionDays: int('rawMailRetentionDays', context('rawMailRetentionDays'), 180),
    logRetentionDays: int('logRetentionDays', context('logRetentionDays'), 90),
    receiptRuleSetName: String(context('receiptRuleSetName') ?? name),
    courseEndTime: hhmm('courseEndTime', context('courseEndTime'), COURSE_END_TIME),
    verifyReservedConcurrency:
      verifyConcurrency === 'off' || verifyConcurrency === false || verifyConcurrency === 'false'
        ? undefined
        : int('verifyReservedConcurrency', verifyConcurrency, DEFAULT_VERIFY_CONCURRENCY),
    sourceMaps: flag('sourceMaps', context('sourceMaps')),
    sendRate: int('sendRate', context('sendRate'), DEFAULT_SEND_RATE),
    mail: loadMailConfig(context, mailbox, program.year),
  };
}
