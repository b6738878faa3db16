import {
  type AwsConfig,
  configFromEnv,
  keySecretFromEnv,
  type MailboxAccount,
  mailboxAccountFromEnv,
  mailboxPassword,
  services,
  stackProgram,
} from '@lingjun/aws';
import { log } from '@lingjun/core';
import {
  appendSentCopy,
  ImapConnectionError,
  type ImapMailbox,
  type PollResult,
  pollMailbox,
} from '@lingjun/ingress';
import type { DnsResolver } from '@lingjun/mail/mailauth';
import { deployedProgram, type Program } from '@lingjun/program';

/** Polls the mailbox once with explicit configuration; the local stack's poller calls this too. */
export async function pollOnce(ctx: {
  config: AwsConfig;
  program: Program;
  account: MailboxAccount;
  now?: () => Date;
  resolver?: DnsResolver;
}): Promise<PollResult> {
  const { account } = ctx;
  const mailbox: ImapMailbox = {
    host: account.host,
    port: account.imapPort,
    secure: account.secure,
    user: account.user,
    pass: await mailboxPassword(account, ctx.config),
    processed: account.processedFolder,
    // SEARCH SINCE compares calendar days; the UTC midnight of the configured day names that day.
    since: new Date(`${account.since}T00:00:00Z`),
    ...(account.allowSelfSigned ? { allowSelfSigned: true } : {}),
  };
  const afterSend = account.sentFolder ? appendSentCopy(mailbox, account.sentFolder) : undefined;
  const intake = {
    ...services(ctx.config, ctx.program.year, afterSend ? { afterSend } : {}),
    program: ctx.program,
    keySecret: keySecretFromEnv(),
    ...(ctx.now ? { now: ctx.now } : {}),
  };
  return pollMailbox({
    mailbox,
    intake,
    ...(account.authservId ? { authservId: account.authservId } : {}),
    ...(ctx.resolver ? { resolver: ctx.resolver } : {}),
    ...(process.env.LINGJUN_INBOUND_PREFIX ? { rawPrefix: process.env.LINGJUN_INBOUND_PREFIX } : {}),
  });
}

const program = stackProgram(configFromEnv, deployedProgram);

/**
 * Scheduled entry point (every minute). A mailbox that cannot be reached is logged, not retried: the next
 * minute's poll takes whatever is still in the inbox.
 */
export async function handler(): Promise<{ taken: number; vanished: number; failed: number }> {
  try {
    const res = await pollOnce({
      config: configFromEnv(),
      program: await program(),
      account: mailboxAccountFromEnv(),
    });
    return { taken: res.outcomes.length, vanished: res.vanished, failed: res.failed };
  } catch (error) {
    if (!(error instanceof ImapConnectionError)) throw error;
    log.warn('mailbox unreachable; the next poll retries', { error: String(error.cause ?? error) });
    return { taken: 0, vanished: 0, failed: 0 };
  }
}
