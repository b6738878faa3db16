import { type Mailer, MailRefusedError, SEND_TAG, TransientError } from '@lingjun/core';
import { ClaimLostError, type MessageStatus } from '@lingjun/registry';
import type { Run } from './lifecycle.ts';

/**
 * How long after a send was taken the mail service's Send event may still be on its way. SES publishes it
 * within seconds; EventBridge delivers best-effort and retries a failed target, so a quarter of an hour. Only
 * a send with no evidence after this is made again.
 */
export const SEND_EVIDENCE_GRACE_MS = 15 * 60_000;

/** The send was taken by a run that stopped before noting the result, and no evidence has come in yet. */
export class AwaitingSendEvidenceError extends TransientError {
  override readonly name: string = 'AwaitingSendEvidenceError';
  constructor(
    message: string,
    /** Until when (ms) the record is left alone: then the send is made again unless evidence came. */
    readonly until: number,
  ) {
    super(message);
  }
}

/** What the mail service's evidence says about a send a run took and never noted. */
export type SentCheck =
  | { state: 'sent'; mailerId: string }
  | { state: 'wait'; until: number }
  | { state: 'not-sent' };

/**
 * The tag value a reply's Send event is recorded by: the email's key and the claim that composed the reply,
 * so a later reply to the same email (a held email the bureau approved) is not taken for the earlier one.
 */
export function replyTag(key: string, attempt: number): string {
  return `reply-${key}-${attempt}`;
}

/**
 * What a record that takes a reply's send carries: when it was taken and the tag of the claim taking it. The
 * outcome's write carries it (the send taken in the same write), so a first reply costs no write of its own.
 */
export function takenWith(key: string, attempt: number, now: Date): { sendingAt: string; sendTag: string } {
  return { sendingAt: now.toISOString(), sendTag: replyTag(key, attempt) };
}

/** The tag of the reply this run is sending: the one the record took the send with, else a new one. */
function tagOf(run: Run): string {
  return run.record.sendTag ?? replyTag(run.key, run.record.attempts);
}

/**
 * Takes the send of a stored reply a retry sends (the record `recorded` after a refusal, or `sending` past
 * the grace period): one conditional update marks the record 'sending', only over the status and claim this
 * run holds (registry `takeSend`), so a run that lost the email sends nothing and any later run asks the
 * mail service's evidence before sending again. A first reply's send is taken with its outcome (`takenWith`).
 */
export async function takeSend(run: Run, from: MessageStatus): Promise<void> {
  const sendingAt = run.now.toISOString();
  // Kept over a resend: evidence of any send of this reply answers for it.
  const sendTag = tagOf(run);
  if (!(await run.deps.registry.takeSend(run.record, from, { sendingAt, sendTag }))) {
    throw new ClaimLostError(`message ${run.key} was taken over before its reply was sent`);
  }
  run.record = { ...run.record, status: 'sending', sendingAt, sendTag };
}

/**
 * Sends the taken reply tagged with its key. A refusal (the mail did not leave) puts the record back to
 * 'recorded', which the failure handler stores, so the retry sends at once instead of awaiting evidence.
 */
export async function sendTaken(run: Run, message: Parameters<Mailer['sendRaw']>[0]): Promise<string> {
  try {
    return await run.deps.mailer.sendRaw({ ...message, tags: { [SEND_TAG]: tagOf(run) } });
  } catch (error) {
    if (error instanceof MailRefusedError) run.record = { ...run.record, status: 'recorded' };
    throw error;
  }
}

/**
 * Was the reply a stopped run took the send of sent? Yes when the mail service reported it (its Send event
 * under the reply's tag); no once the grace period since the send was taken has passed without a report;
 * otherwise not known yet.
 */
export async function checkReplySent(run: Run): Promise<SentCheck> {
  const evidence = await run.deps.sendEvidence?.find(tagOf(run));
  if (evidence) return { state: 'sent', mailerId: evidence.mailerId };
  const until = Date.parse(run.record.sendingAt ?? run.record.updatedAt) + SEND_EVIDENCE_GRACE_MS;
  return run.now.getTime() >= until ? { state: 'not-sent' } : { state: 'wait', until };
}
