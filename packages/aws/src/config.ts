import { type MailboxAccount, mailboxAccountFromEnv } from './mailbox.ts';

/**
 * Runtime configuration shared by every function and the local stack. In AWS it comes from the Lambda's
 * environment (set by the CDK stack); locally the stack fills in loopback endpoints. Only endpoints differ.
 */
export interface AwsConfig {
  region: string;
  /** The registry table (personal data, under the stack's customer-managed key). */
  tableName: string;
  /** The verification table: what the public certificate check reads, and its rate-limit counters. */
  verifyTableName: string;
  bucketName: string;
  /** Overrides for local services; undefined in AWS. */
  endpoints?: { dynamodb?: string; s3?: string; ses?: string };
  /**
   * SES configuration set every outbound mail is sent with, so its bounces and complaints reach the bounces
   * function; undefined locally (the local SES has no events).
   */
  configurationSet?: string;
  /** Local services accept any credentials; AWS uses the role's. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** The organisation's mailbox when replies go out by SMTP submission instead of SES (issue 17). */
  smtp?: MailboxAccount;
  /**
   * Messages per second this process may send: the SES account's maximum send rate (GetAccount's
   * SendQuota.MaxSendRate). A job that sends many mails at once (the reminders of a large program) goes no
   * faster; unset, nothing is paced (the local stack).
   */
  sendRate?: number;
}

/**
 * Credentials for the local services. DynamoDB Local and aws-ses-v2-local accept anything; s3rver accepts only
 * this pair, so one pair serves all three.
 */
export const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

/**
 * Reads the configuration from environment variables (LINGJUN_TABLE, LINGJUN_VERIFY_TABLE, LINGJUN_BUCKET,
 * LINGJUN_*_ENDPOINT, LINGJUN_SES_CONFIGURATION_SET, LINGJUN_SEND_RATE).
 */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): AwsConfig {
  const tableName = env.LINGJUN_TABLE;
  const verifyTableName = env.LINGJUN_VERIFY_TABLE;
  const bucketName = env.LINGJUN_BUCKET;
  if (!tableName || !verifyTableName || !bucketName) {
    throw new Error('LINGJUN_TABLE, LINGJUN_VERIFY_TABLE and LINGJUN_BUCKET must be set');
  }
  const endpoints = {
    ...(env.LINGJUN_DYNAMODB_ENDPOINT ? { dynamodb: env.LINGJUN_DYNAMODB_ENDPOINT } : {}),
    ...(env.LINGJUN_S3_ENDPOINT ? { s3: env.LINGJUN_S3_ENDPOINT } : {}),
    ...(env.LINGJUN_SES_ENDPOINT ? { ses: env.LINGJUN_SES_ENDPOINT } : {}),
  };
  const local = Object.keys(endpoints).length > 0;
  return {
    region: env.AWS_REGION ?? 'cn-north-1',
    tableName,
    verifyTableName,
    bucketName,
    ...(env.LINGJUN_SES_CONFIGURATION_SET ? { configurationSet: env.LINGJUN_SES_CONFIGURATION_SET } : {}),
    ...(local ? { endpoints, credentials: { ...LOCAL_CREDENTIALS } } : {}),
    ...(env.LINGJUN_EGRESS === 'smtp' ? { smtp: mailboxAccountFromEnv(env) } : {}),
    ...(sendRateFromEnv(env) ?? {}),
  };
}

function sendRateFromEnv(env: NodeJS.ProcessEnv): { sendRate: number } | undefined {
  const raw = env.LINGJUN_SEND_RATE;
  if (raw === undefined || raw === '') return undefined;
  const sendRate = Number(raw);
  if (!Number.isFinite(sendRate) || sendRate <= 0) {
    throw new Error(`LINGJUN_SEND_RATE must be a positive number of messages per second, not ${raw}`);
  }
  return { sendRate };
}
