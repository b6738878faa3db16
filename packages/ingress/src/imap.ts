import { TransientError } from '@lingjun/core';
import { ImapFlow } from 'imapflow';

/** The organisation's mailbox as the poller reaches it. */
export interface ImapMailbox {
  host: string;
  port: number;
  /** Implicit TLS (993); false means plain, upgraded with STARTTLS when the server offers it. */
  secure: boolean;
  user: string;
  pass: string;
  /** Folder new mail arrives in. */
  inbox?: string;
  /** Folder a message is moved to once its outcome is recorded. */
  processed?: string;
  /** Only messages received on or after this day are taken: the mailbox may hold years of older mail. */
  since: Date;
  /** Most messages one poll takes, so a run ends well inside the function's timeout; the rest wait a minute. */
  maxMessages?: number;
  /** Accept a self-signed server certificate (a test server on loopback; never for a real mailbox). */
  allowSelfSigned?: boolean;
}

export const DEFAULT_INBOX = 'INBOX';
export const DEFAULT_PROCESSED = 'Processed';

/**
 * The IMAP ID (RFC 2971) the poller sends. NetEase and Coremail servers, which many government offices run,
 * refuse SELECT with "Unsafe Login" to a client that has not identified itself.
 */
export const IMAP_ID = {
  name: 'lingjun',
  version: '0.1.0',
  vendor: 'lingjun',
  'support-email': 'jiayue@miitec.cn',
} as const;

/** The mailbox could not be reached or the connection broke; the next poll takes what is left. */
export class ImapConnectionError extends TransientError {
  override readonly name: string = 'ImapConnectionError';
}

/** The mailbox's UIDVALIDITY changed during a poll: UIDs from before mean nothing, so the poll stops. */
export class UidValidityChangedError extends TransientError {
  override readonly name: string = 'UidValidityChangedError';
}

/** Opens an authenticated connection that identifies itself with IMAP_ID. */
export async function connectMailbox(mailbox: ImapMailbox): Promise<ImapFlow> {
  const client = new ImapFlow({
    host: mailbox.host,
    port: mailbox.port,
    secure: mailbox.secure,
    auth: { user: mailbox.user, pass: mailbox.pass },
    clientInfo: { ...IMAP_ID },
    // Each poll is short; IDLE would only keep a Lambda waiting.
    disableAutoIdle: true,
    logger: false,
    ...(mailbox.allowSelfSigned ? { tls: { rejectUnauthorized: false } } : {}),
  });
  // A socket error after connect is reported through the command that was waiting on it; without a listener
  // the 'error' event would crash the process.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    client.close();
    throw new ImapConnectionError(`cannot open mailbox ${mailbox.user}@${mailbox.host}:${mailbox.port}`, {
      cause: error,
    });
  }
  return client;
}

/**
 * A hook for the SMTP mailer that appends each sent message to the mailbox's Sent folder, seen, so people
 * reading the mailbox see the system's answers.
 */
export function appendSentCopy(mailbox: ImapMailbox, folder: string): (raw: Uint8Array) => Promise<void> {
  return async (raw) => {
    const client = await connectMailbox(mailbox);
    try {
      await client.append(folder, Buffer.from(raw), ['\\Seen']);
      await client.logout();
    } finally {
      client.close();
    }
  };
}
