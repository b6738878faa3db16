import { log, SENDER_NAME, TransientError } from '@lingjun/core';
import { composeMessage, textToHtml } from '@lingjun/mail';
import { keys } from '@lingjun/registry';
import type { IntakeDeps } from './context.ts';

/** What a bureau notice is about: one per inbound message and kind, sent at most once. */
export type NoticeKind = 'quarantined' | 'held' | 'first-contact';

/** A notice to the bureau about one inbound message. */
export interface Notice {
  /** The idempotency key of the message it is about. */
  messageKey: string;
  kind: NoticeKind;
  subject: string;
  lines: string[];
  /** Composes the notice's bytes when its own shape is needed (the hold notice's signed token). */
  compose?: () => Promise<Uint8Array>;
}

/** Where a notice's bytes are stored before it is sent, so a retry sends the same message. */
export function noticeBlobKey(messageKey: string, kind: NoticeKind): string {
  return `notices/${messageKey}-${kind}.eml`;
}

/**
 * Sends a notice to the bureau once, keyed by the message and kind it answers: the bytes are stored, the
 * send is claimed in the send-once ledger, sent and marked sent. A retried step finds the mark and sends
 * nothing; one that crashed between claim and mark sends the stored bytes again after the claim's lease,
 * unless SES's evidence says they left.
 */
export async function sendNoticeOnce(
  deps: Pick<IntakeDeps, 'program' | 'mailer' | 'store' | 'sendOnce'>,
  notice: Notice,
  at: { now: Date; leaseMs: number },
): Promise<'sent' | 'already-sent'> {
  const { program } = deps;
  const { pk, sk } = keys.notice(notice.messageKey, notice.kind);
  const sent = await deps.sendOnce.send({ pk, sk }, { kind: notice.kind }, at, async (tags) => {
    const raw = await storedOrComposed(deps, notice, noticeBlobKey(notice.messageKey, notice.kind));
    return deps.mailer.sendRaw({ from: program.mailbox, to: program.adminEmails, raw, tags });
  });
  if (sent.state === 'busy') {
    throw new TransientError(`notice ${notice.kind} for ${notice.messageKey} is being sent by another run`);
  }
  if (sent.state === 'already-sent') {
    log.info('bureau notice already sent', { messageKey: notice.messageKey, kind: notice.kind });
  }
  return sent.state;
}

async function storedOrComposed(
  deps: Pick<IntakeDeps, 'program' | 'store'>,
  notice: Notice,
  blob: string,
): Promise<Uint8Array> {
  try {
    return await deps.store.get(blob);
  } catch {
    // Not stored yet: the first attempt at this notice.
  }
  if (notice.compose) {
    const raw = await notice.compose();
    await deps.store.put(blob, raw, 'message/rfc822');
    return raw;
  }
  const { program } = deps;
  const text = `${notice.lines.join('\n')}\n\n${program.title}报名系统`;
  const msg = await composeMessage({
    from: { address: program.mailbox, name: SENDER_NAME },
    to: program.adminEmails,
    subject: notice.subject,
    text,
    html: `<div>${notice.lines.map((l) => `<p>${textToHtml(l)}</p>`).join('')}</div>`,
  });
  await deps.store.put(blob, msg.raw, 'message/rfc822');
  return msg.raw;
}
