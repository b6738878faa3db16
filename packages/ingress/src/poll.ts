import { createHash } from 'node:crypto';
import { type BlobStore, log } from '@lingjun/core';
import {
  type InboundRef,
  type IntakeDeps,
  type Outcome,
  processInbound,
  type Verdicts,
} from '@lingjun/intake';
import { authenticateMailbox, type DnsResolver } from '@lingjun/mail/mailauth';
import type { ImapFlow } from 'imapflow';
import {
  connectMailbox,
  DEFAULT_INBOX,
  DEFAULT_PROCESSED,
  ImapConnectionError,
  type ImapMailbox,
  UidValidityChangedError,
} from './imap.ts';

/** Where raw mail is kept, as for SES receipts (the S3 action's object key prefix). */
export const RAW_PREFIX = 'inbound/';
const DEFAULT_MAX_MESSAGES = 50;

/** What one poll needs: the mailbox, the intake pipeline's deps, and how to judge sender authentication. */
export interface PollDeps {
  mailbox: ImapMailbox;
  intake: IntakeDeps;
  /** authserv-id of the organisation's receiving server (its Authentication-Results are trusted). */
  authservId?: string;
  /** DNS for our own DKIM/SPF/DMARC checks when that header is absent. */
  resolver?: DnsResolver;
  rawPrefix?: string;
}

/** What one poll did. */
export interface PollResult {
  uidValidity: string;
  outcomes: Outcome[];
  /** Messages found but gone before they could be read (deleted by someone else meanwhile). */
  vanished: number;
  /** Messages whose processing failed; they stay in the inbox and the next poll tries them again. */
  failed: number;
}

/** One message read from the mailbox. */
export interface FetchedMessage {
  uid: number;
  raw: Buffer;
  /** When the organisation's server received it: deadlines are judged by this, never by the Date header. */
  receivedAt: Date;
}

/** Creates the processed folder if the mailbox has none yet. */
export async function ensureFolder(client: ImapFlow, path: string): Promise<void> {
  const folders = await client.list();
  if (folders.some((f) => f.path === path)) return;
  await client.mailboxCreate(path);
}

/** Selects the inbox; returns its UIDVALIDITY, which every UID used afterwards belongs to. */
export async function openInbox(client: ImapFlow, path: string): Promise<bigint> {
  const box = await client.mailboxOpen(path);
  return box.uidValidity;
}

/**
 * UIDs of the messages still in the inbox received since `since`, oldest first, at most `max`. The server
 * filters by date (SEARCH SINCE), so years of older mail are never downloaded.
 */
export async function findNew(client: ImapFlow, since: Date, max: number): Promise<number[]> {
  const uids = await client.search({ since, deleted: false }, { uid: true });
  return (uids || []).sort((a, b) => a - b).slice(0, max);
}

/** Downloads one message by UID; undefined when it was deleted after the search. */
export async function fetchMessage(client: ImapFlow, uid: number): Promise<FetchedMessage | undefined> {
  const msg = await client.fetchOne(
    String(uid),
    { uid: true, source: true, internalDate: true },
    { uid: true },
  );
  if (msg === false || !msg.source) return undefined;
  const date = msg.internalDate;
  return { uid, raw: msg.source, receivedAt: date instanceof Date ? date : new Date(date ?? Date.now()) };
}

/**
 * Stores the raw message under `inbound/<id>`, the id being a digest of the fetched bytes: reading the same message
 * again after a crash writes the same object instead of a second copy.
 */
export async function storeRaw(
  store: BlobStore,
  raw: Uint8Array,
  prefix = RAW_PREFIX,
  keyedBy: Uint8Array = raw,
): Promise<{ id: string; rawKey: string }> {
  const id = createHash('sha256').update(keyedBy).digest('hex').slice(0, 40);
  const rawKey = `${prefix}${id}`;
  await store.put(rawKey, raw, 'message/rfc822');
  return { id, rawKey };
}

/**
 * The verdicts the pipeline screens by. Spam and virus scanning were the receiving server's job and it
 * reports no verdict we could read, so they are DISABLED (not a failure); SPF, DKIM and DMARC come from the
 * organisation's Authentication-Results or our own check.
 */
export async function verdictsOf(
  raw: Uint8Array,
  opts: { authservId?: string; resolver?: DnsResolver },
): Promise<{ verdicts: Verdicts; authservId: string; raw: Uint8Array }> {
  const auth = await authenticateMailbox(raw, opts);
  log.debug('mailbox message authenticated', { source: auth.source, spf: auth.spf, dkim: auth.dkim });
  return {
    verdicts: { spam: 'DISABLED', virus: 'DISABLED', spf: auth.spf, dkim: auth.dkim, dmarc: auth.dmarc },
    authservId: auth.authservId,
    // Our own check's result is added on top, as a receiving server adds its own: the sender policy then reads
    // one Authentication-Results header whichever ingress delivered the mail.
    raw: auth.headers ? Buffer.concat([Buffer.from(auth.headers, 'latin1'), Buffer.from(raw)]) : raw,
  };
}

/** The pipeline's input for a stored mailbox message. */
export function inboundRefOf(
  stored: { id: string; rawKey: string },
  receivedAt: Date,
  checked: { verdicts: Verdicts; authservId: string },
): InboundRef {
  return {
    sesMessageId: stored.id,
    rawKey: stored.rawKey,
    receivedAt,
    verdicts: checked.verdicts,
    authservId: checked.authservId,
  };
}

/**
 * Moves a message whose outcome is recorded out of the inbox. False when it was already gone. Refuses when the
 * UIDVALIDITY is no longer the one the UID came from, since the UID may now name another message.
 */
export async function moveProcessed(
  client: ImapFlow,
  uid: number,
  folder: string,
  uidValidity: bigint,
): Promise<boolean> {
  const current = client.mailbox ? client.mailbox.uidValidity : undefined;
  if (current !== uidValidity) {
    throw new UidValidityChangedError(`UIDVALIDITY changed from ${uidValidity} to ${current}`);
  }
  const res = await client.messageMove(String(uid), folder, { uid: true });
  return res !== false && (res.uidMap?.size ?? 1) > 0;
}

/** Takes one message through store, authentication, the pipeline and the move, in that order. */
export async function takeMessage(
  client: ImapFlow,
  msg: FetchedMessage,
  deps: PollDeps,
  uidValidity: bigint,
): Promise<Outcome> {
  const checked = await verdictsOf(msg.raw, {
    ...(deps.authservId ? { authservId: deps.authservId } : {}),
    ...(deps.resolver ? { resolver: deps.resolver } : {}),
  });
  // Keyed by the fetched bytes, so a re-read of the same message lands on the same object and message key.
  const stored = await storeRaw(deps.intake.store, checked.raw, deps.rawPrefix, msg.raw);
  // The outcome is recorded before the move: a crash in between leaves the message in the inbox, and the
  // ledger answers the next read with `duplicate`.
  const outcome = await processInbound(inboundRefOf(stored, msg.receivedAt, checked), deps.intake);
  const moved = await moveProcessed(
    client,
    msg.uid,
    deps.mailbox.processed ?? DEFAULT_PROCESSED,
    uidValidity,
  );
  if (!moved) log.warn('processed message was gone before the move', { uid: msg.uid });
  return outcome;
}

/**
 * One poll of the organisation's mailbox: every message received since the configured day that is still in
 * the inbox is stored, judged, processed and moved to the processed folder. Connection trouble ends the poll
 * with an ImapConnectionError; what was not moved is taken by the next poll.
 */
export async function pollMailbox(deps: PollDeps): Promise<PollResult> {
  const { mailbox } = deps;
  const client = await connectMailbox(mailbox);
  const result: PollResult = { uidValidity: '', outcomes: [], vanished: 0, failed: 0 };
  try {
    await ensureFolder(client, mailbox.processed ?? DEFAULT_PROCESSED);
    const uidValidity = await openInbox(client, mailbox.inbox ?? DEFAULT_INBOX);
    result.uidValidity = uidValidity.toString();
    const uids = await findNew(client, mailbox.since, mailbox.maxMessages ?? DEFAULT_MAX_MESSAGES);
    for (const uid of uids) {
      const msg = await fetchMessage(client, uid);
      if (!msg) {
        result.vanished++;
        log.info('message deleted from the mailbox before it was read', { uid });
        continue;
      }
      try {
        result.outcomes.push(await takeMessage(client, msg, deps, uidValidity));
      } catch (error) {
        // A message that cannot be processed must not hold up the ones behind it; a broken connection or a
        // changed UIDVALIDITY ends the poll, since every later step would fail the same way.
        if (!client.usable || error instanceof UidValidityChangedError) throw error;
        result.failed++;
        log.error('mailbox message could not be processed; left in the inbox', {
          uid,
          error: String(error),
        });
      }
    }
    await client.logout();
    return result;
  } catch (error) {
    const lost = !client.usable;
    client.close();
    if (lost && !(error instanceof ImapConnectionError)) {
      throw new ImapConnectionError('connection to the mailbox was lost during a poll', { cause: error });
    }
    throw error;
  }
}
