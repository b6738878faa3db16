import { ConfigError } from '@lingjun/core';
import type { AwsConfig } from './config.ts';

/**
 * The organisation's own mailbox, for deployments that read mail over IMAP and/or send over SMTP submission
 * instead of SES. The password is never in the environment in AWS: `secretId` names a Secrets Manager secret
 * holding `{"password": "..."}`; locally `password` may be given directly.
 */
export interface MailboxAccount {
  host: string;
  imapPort: number;
  smtpPort: number;
  /** Implicit TLS on both ports (993/465); false means STARTTLS, which is then required. */
  secure: boolean;
  user: string;
  password?: string;
  secretId?: string;
  /** Only mail received on or after this day (YYYY-MM-DD) is taken from the inbox. */
  since: string;
  processedFolder: string;
  /** Folder a copy of every reply is appended to; undefined = no copy. */
  sentFolder?: string;
  /** authserv-id of the organisation's receiving server, whose Authentication-Results are trusted. */
  authservId?: string;
  /** Accept a self-signed certificate: only for the local stack's loopback servers. */
  allowSelfSigned?: boolean;
}

/** Which way mail comes in and goes out; SES both ways unless configured otherwise. */
export interface MailRoutes {
  ingress: 'ses' | 'imap';
  egress: 'ses' | 'smtp';
}

/** Reads LINGJUN_INGRESS / LINGJUN_EGRESS (ses | imap, ses | smtp). */
export function mailRoutesFromEnv(env: NodeJS.ProcessEnv = process.env): MailRoutes {
  const ingress = env.LINGJUN_INGRESS ?? 'ses';
  const egress = env.LINGJUN_EGRESS ?? 'ses';
  if (ingress !== 'ses' && ingress !== 'imap')
    throw new ConfigError(`LINGJUN_INGRESS must be ses or imap, not ${ingress}`);
  if (egress !== 'ses' && egress !== 'smtp')
    throw new ConfigError(`LINGJUN_EGRESS must be ses or smtp, not ${egress}`);
  return { ingress, egress };
}

/** Reads the mailbox account from LINGJUN_MAILBOX_* variables (set by the CDK stack or the local stack). */
export function mailboxAccountFromEnv(env: NodeJS.ProcessEnv = process.env): MailboxAccount {
  const host = env.LINGJUN_MAILBOX_HOST;
  const user = env.LINGJUN_MAILBOX_USER;
  if (!host || !user) throw new ConfigError('LINGJUN_MAILBOX_HOST and LINGJUN_MAILBOX_USER must be set');
  if (!env.LINGJUN_MAILBOX_SECRET && !env.LINGJUN_MAILBOX_PASSWORD) {
    throw new ConfigError('LINGJUN_MAILBOX_SECRET (or, locally, LINGJUN_MAILBOX_PASSWORD) must be set');
  }
  const since = env.LINGJUN_MAILBOX_SINCE ?? '';
  if (!/^\d{4}-\d{2}-\d{2}$/.test(since))
    throw new ConfigError('LINGJUN_MAILBOX_SINCE must be a date (YYYY-MM-DD)');
  const secure = env.LINGJUN_MAILBOX_SECURE !== 'false';
  return {
    host,
    user,
    secure,
    imapPort: Number(env.LINGJUN_IMAP_PORT ?? (secure ? 993 : 143)),
    smtpPort: Number(env.LINGJUN_SMTP_PORT ?? (secure ? 465 : 587)),
    since,
    processedFolder: env.LINGJUN_MAILBOX_PROCESSED ?? 'Processed',
    ...(env.LINGJUN_MAILBOX_SENT ? { sentFolder: env.LINGJUN_MAILBOX_SENT } : {}),
    ...(env.LINGJUN_AUTHSERV_ID ? { authservId: env.LINGJUN_AUTHSERV_ID } : {}),
    ...(env.LINGJUN_MAILBOX_SECRET ? { secretId: env.LINGJUN_MAILBOX_SECRET } : {}),
    ...(env.LINGJUN_MAILBOX_PASSWORD ? { password: env.LINGJUN_MAILBOX_PASSWORD } : {}),
  };
}

/** The mailbox password: given directly (local), or read from the secret store. */
export async function mailboxPassword(account: MailboxAccount, config: AwsConfig): Promise<string> {
  if (account.password) return account.password;
  if (!account.secretId) throw new ConfigError('mailbox account has neither password nor secretId');
  const { secretString } = await import('./secrets.ts');
  const raw = await secretString(account.secretId, config);
  const password = (JSON.parse(raw ?? '{}') as { password?: unknown }).password;
  if (typeof password !== 'string' || !password) {
    throw new ConfigError(`secret ${account.secretId} holds no "password"`);
  }
  return password;
}
