import { log } from '@lingjun/core';
import type { BounceOutcome } from '@lingjun/deadlines/bounces';
import { keys, type SentMailRef, type TransactItems } from '@lingjun/registry';
import type { Run } from './lifecycle.ts';
import type { Outcome } from './outcome.ts';

/** Ids a sent mail is remembered and looked up by: SES's id, or a Message-ID without its brackets. */
export function sentMailId(id: string): string {
  return id.trim().replace(/^<|>$/g, '');
}

/**
 * Remembers a reply under the id the mailer returned (SES's message id, which SES bounce events carry) and
 * under its own Message-ID (which a DSN in the mailbox quotes), with the region and recipients, so either
 * kind of bounce is recorded against the region. A reply without a region has nothing to record against.
 */
export async function rememberReply(
  run: Run,
  sent: { mailerId: string; messageId: string; to: string[] },
  outcome: Outcome,
): Promise<void> {
  const { bounces } = run.deps;
  if (!bounces) return;
  try {
    for (const { id, ref } of replyMemory(run, sent, outcome)) await bounces.remember(id, ref, run.now);
  } catch (error) {
    // The reply is already sent: failing here would resend it on retry. A bounce of it goes unlinked.
    log.warn('sent reply not remembered for bounces', { messageKey: run.key, error: String(error) });
  }
}

/**
 * The writes of `rememberReply` as transaction actions, for the record that marks the email done (one
 * transaction instead of a write per id).
 */
export function rememberActions(
  run: Run,
  sent: { mailerId: string; messageId: string; to: string[] },
  outcome: Outcome,
): TransactItems {
  const { bounces } = run.deps;
  if (!bounces) return [];
  return replyMemory(run, sent, outcome).map(({ id, ref }) => bounces.rememberAction(id, ref, run.now));
}

/** The ids a reply is remembered by and what it answered; none for a reply without a region. */
function replyMemory(
  run: Run,
  sent: { mailerId: string; messageId: string; to: string[] },
  outcome: Outcome,
): { id: string; ref: SentMailRef }[] {
  const region = outcome.region?.code;
  if (!region) return [];
  const ref = {
    region,
    kind: outcome.status === 'held' ? 'held-notice' : 'receipt',
    ...keys.message(run.key),
    to: sent.to,
  };
  const ids = new Set([sent.mailerId, sent.messageId].map(sentMailId).filter(Boolean));
  return [...ids].map((id) => ({ id, ref }));
}

/**
 * Links a DSN in the mailbox to the reply it returns, and records a permanent failure against that reply's
 * region exactly as an SES bounce event is: the digest lists the region and reminders skip the address.
 * Undefined when the mail is no DSN or returns no reply of ours.
 */
export async function linkBounceMail(run: Run): Promise<BounceOutcome | undefined> {
  const { bounces } = run.deps;
  if (!bounces || (run.mail.kind !== 'dsn' && run.mail.kind !== 'bounce')) return undefined;
  // The DSN reader and the bounce record load with the first returned mail: not at cold start.
  const [{ parseDeliveryReport, permanentlyFailed }, { recordDeliveryProblem }] = await Promise.all([
    import('@lingjun/mail/dsn'),
    import('@lingjun/deadlines/bounces'),
  ]);
  const report = await parseDeliveryReport(run.raw);
  if (!report) return undefined;
  for (const id of returnedMailIds(report.originalMessageId, report.envelopeId)) {
    const sent = await bounces.answered(id);
    if (!sent) continue;
    const failed = report.recipients.filter(permanentlyFailed).map((r) => r.address);
    const recipients = ourRecipients(failed, sent.to);
    const outcome = await recordDeliveryProblem(bounces, {
      kind: 'bounce',
      messageId: id,
      recipients,
      at: run.ref.receivedAt,
    });
    log.info('bounce mail linked to its reply', { messageKey: run.key, ...outcome });
    return outcome;
  }
  log.info('bounce mail returns no reply of ours', { messageKey: run.key });
  return undefined;
}

/**
 * The ids a returned message may be remembered by: its Message-ID, and SES's message id, because SES
 * overrides any Message-ID it is given with `<sesId@…amazonses.com>` (AWS, "Amazon SES header fields");
 * then the envelope id if the sender gave one.
 */
export function returnedMailIds(messageId: string | null, envelopeId: string | null): string[] {
  const ids: string[] = [];
  if (messageId) {
    ids.push(sentMailId(messageId));
    const ses = /^<?([^@<>\s]+)@[^>]*amazonses\.com>?$/i.exec(messageId.trim());
    if (ses) ids.push(ses[1]!);
  }
  if (envelopeId) ids.push(sentMailId(envelopeId));
  return [...new Set(ids)];
}

/**
 * The failed addresses that are ours to record: those the reply went to. A relay that rewrote the address
 * (a forward) reports another one; a reply to a single address is then that address's bounce.
 */
export function ourRecipients(failed: string[], to: string[] | undefined): string[] {
  if (!to || failed.length === 0) return failed;
  const sentTo = new Set(to.map((a) => a.toLowerCase()));
  const ours = failed.filter((a) => sentTo.has(a));
  if (ours.length > 0) return ours;
  return to.length === 1 ? to : [];
}
