import type { AwsConfig, MailboxAccount } from '@lingjun/aws';
import { log, once } from '@lingjun/core';
import type { Program } from '@lingjun/program';
import { type LocalImap, startImap } from './imap.ts';
import { type LocalSubmission, startSubmission } from './imap-submission.ts';

/**
 * authserv-id of the local mailbox's receiving server. Nothing adds its header for us: mail put into the local
 * INBOX must carry `Authentication-Results: localhost; …` (withAuthenticationResults writes it) as the
 * organisation's server would add it, or the poller checks DKIM/DMARC itself and a contact's unsigned mail is held.
 */
export const LOCAL_AUTHSERV_ID = 'localhost';

/** The organisation's mailbox on loopback, polled like the scheduled function polls the real one. */
export interface LocalImapIngress {
  imap: LocalImap;
  submission: LocalSubmission;
  account: MailboxAccount;
  /** The stack's configuration with SMTP submission as egress. */
  config: AwsConfig;
  /** Runs one poll now (after any poll under way). */
  pollNow(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts the program mailbox as a real IMAP server plus an SMTP submission server writing the outbox, and polls
 * the mailbox every `pollMs` through the imap-poll function's own entry, so local mail takes the AWS code path.
 */
export async function startImapIngress(opts: {
  config: AwsConfig;
  program: Program;
  outboxDir: string;
  pollMs?: number;
  ports?: { imap?: number; submission?: number };
}): Promise<LocalImapIngress> {
  const imap = await startImap({
    user: opts.program.mailbox,
    ...(opts.ports?.imap ? { port: opts.ports.imap } : {}),
  });
  const submission = await startSubmission({
    user: imap.user,
    password: imap.password,
    outboxDir: opts.outboxDir,
    ...(opts.ports?.submission ? { port: opts.ports.submission } : {}),
  }).catch(async (error: unknown) => {
    await imap.stop();
    throw error;
  });
  const account: MailboxAccount = {
    host: imap.host,
    imapPort: imap.port,
    smtpPort: submission.port,
    secure: false,
    allowSelfSigned: true,
    user: imap.user,
    password: imap.password,
    // Locally every message in the inbox is new.
    since: '2000-01-01',
    processedFolder: 'Processed',
    sentFolder: 'Sent',
    authservId: LOCAL_AUTHSERV_ID,
  };
  const config: AwsConfig = { ...opts.config, smtp: account };
  // Loaded on first poll, so starting the stack does not pay for the form readers.
  const fn = once(() => import('@lingjun/fn-imap-poll'));
  let running: Promise<void> = Promise.resolve();
  const poll = () => {
    running = running.then(async () => {
      try {
        const res = await (await fn()).pollOnce({ config, program: opts.program, account });
        for (const o of res.outcomes) {
          log.info('mailbox mail processed', {
            messageId: o.messageId,
            status: o.status,
            region: o.region?.code,
          });
        }
      } catch (error) {
        log.error('local IMAP poll failed', { error: String(error) });
      }
    });
    return running;
  };
  const timer = setInterval(() => void poll(), opts.pollMs ?? 2000);
  return {
    imap,
    submission,
    account,
    config,
    pollNow: poll,
    async stop() {
      clearInterval(timer);
      await running;
      await submission.stop();
      await imap.stop();
    },
  };
}
