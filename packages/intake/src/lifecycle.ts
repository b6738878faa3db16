import { createHash } from 'node:crypto';
import {
  INTAKE_TIMEOUT_SECONDS,
  LEASE_MARGIN_MS,
  log,
  type MailParseError,
  SENDER_NAME,
} from '@lingjun/core';
import { composeReply, type InboundMail } from '@lingjun/mail';
import { type Program, programRegions } from '@lingjun/program';
import { ClaimLostError, type MessageRecord, type TransactItems } from '@lingjun/registry';
import { finding } from '@lingjun/rules';
import { rememberActions, rememberReply } from './bounce-mail.ts';
import type { InboundRef, IntakeDeps } from './context.ts';
import { type Notice, type NoticeKind, sendNoticeOnce } from './notices.ts';
import type { Outcome } from './outcome.ts';
import { AwaitingSendEvidenceError, checkReplySent, sendTaken, takenWith, takeSend } from './sent-check.ts';

/** What a run knows before its email is parsed and claimed. */
export interface RunStart {
  ref: InboundRef;
  deps: IntakeDeps;
  now: Date;
}

/** A claimed email: its parsed mail, idempotency key and message record (which `save` keeps current). */
export interface Run extends RunStart {
  /** The email as stored (a DSN is read again from its bytes). */
  raw: Uint8Array;
  mail: InboundMail;
  key: string;
  record: MessageRecord;
}

/**
 * How long a claim holds: the time this invocation has left plus a margin, so no redelivery can take over an
 * email while the invocation that claimed it may still be working on it.
 */
export function claimLeaseMs(deps: Pick<IntakeDeps, 'remainingMs'>): number {
  return (deps.remainingMs?.() ?? INTAKE_TIMEOUT_SECONDS * 1000) + LEASE_MARGIN_MS;
}

export interface ReplyParts {
  subject: string;
  text: string;
  html: string;
  attachments: { filename: string; content: Uint8Array; contentType?: string }[];
}

/** A reply composed and stored, with the record that says so; what `sendReply` sends. */
export interface PreparedReply {
  outcome: Outcome;
  /**
   * The message record to store before sending: `sending` (the outcome with the send taken), or the final
   * state when nobody is answered.
   */
  record: MessageRecord;
  send?: { raw: Uint8Array; to: string[]; messageId: string };
  finalStatus: 'done' | 'held';
  heldReason?: string;
}

/**
 * Composes the reply and stores its bytes, and gives the record that stores the outcome with the reply's
 * send taken (`sending`), written by the caller on this invocation's claim, alone or in the transaction of
 * the email's registrations: one write both records and takes. Without a recipient the record is already
 * the final one.
 */
export async function prepareReply(
  run: Run,
  outcome: Outcome,
  parts: ReplyParts,
  finalStatus: 'done' | 'held' = 'done',
  heldReason?: string,
): Promise<PreparedReply> {
  const { deps } = run;
  const mail = run.mail;
  const to = mail.from?.address ? [mail.from.address] : [];
  const end = { finalStatus, ...(heldReason ? { heldReason } : {}) };
  if (to.length === 0) {
    const quiet = { ...outcome, reply: null };
    return { ...end, outcome: quiet, record: finalRecord(run, quiet, finalStatus, heldReason) };
  }
  const composed = await composeReply({
    from: { address: deps.program.mailbox, name: SENDER_NAME },
    original: mail,
    to,
    subject: parts.subject,
    text: parts.text,
    html: parts.html,
    attachments: parts.attachments,
    messageId: replyMessageId(run),
    date: run.now,
  });
  const withReply: Outcome = {
    ...outcome,
    reply: { to: composed.to, subject: composed.subject, attachments: composed.attachments },
  };
  // The reply is stored before the outcome is, so a retry always finds the bytes to send.
  await deps.store.put(replyKey(run.key), composed.raw, 'message/rfc822');
  // An earlier reply's id and tag (a held email now approved) must not read as this reply having been sent.
  const { replyMessageId: _earlier, sendTag: _earlierTag, ...record } = run.record;
  return {
    ...end,
    outcome: withReply,
    record: {
      ...record,
      // Taken with the outcome: once this is stored the reply may have left, and a run that finds it so
      // asks the mail service's evidence (or waits out the grace period) before sending again.
      status: 'sending',
      ...takenWith(run.key, run.record.attempts, run.now),
      outcome: withReply,
      ...(outcome.region ? { region: outcome.region.code } : {}),
      ...(heldReason ? { heldReason } : {}),
      updatedAt: new Date().toISOString(),
    },
    send: { raw: composed.raw, to: composed.to, messageId: composed.messageId },
  };
}

/**
 * Stores the outcome with the send taken before sending, in one write on this invocation's claim (an
 * invocation that lost the email writes and sends nothing), so a crash between the two resumes at the reply
 * and the records are not written twice; then sends and marks the email done.
 */
export async function finishWithReply(
  run: Run,
  outcome: Outcome,
  parts: ReplyParts,
  finalStatus: 'done' | 'held' = 'done',
  heldReason?: string,
): Promise<Outcome> {
  const prepared = await prepareReply(run, outcome, parts, finalStatus, heldReason);
  if (!prepared.send) return save(run, prepared.outcome, finalStatus, heldReason);
  if (!(await run.deps.registry.saveMessage(prepared.record, { ifAttempts: run.record.attempts }))) {
    throw new ClaimLostError(`message ${run.key} was taken over before its reply was sent`);
  }
  run.record = prepared.record;
  return sendReply(run, prepared);
}

/**
 * Sends a prepared reply whose record is stored with its send taken (`run.record`, `sending`, written on
 * this invocation's claim), and marks the email done.
 */
export async function sendReply(run: Run, prepared: PreparedReply): Promise<Outcome> {
  const { deps } = run;
  const { send, outcome: withReply, finalStatus, heldReason } = prepared;
  if (!send) return withReply;
  const sesId = await sendTaken(run, { from: deps.program.mailbox, to: send.to, raw: send.raw });
  // Known as sent from here on: if a later write fails, the failure handler stores this record and the
  // retry finishes the email without sending the reply again.
  run.record = { ...run.record, replyMessageId: sesId || send.messageId };
  log.info('reply sent', {
    messageKey: run.key,
    status: withReply.status,
    findings: withReply.findings.length,
  });
  // Remembered for bounces in the transaction that marks the email done: one write.
  const memory = rememberActions(run, { mailerId: sesId, messageId: send.messageId, to: send.to }, withReply);
  return save(run, withReply, finalStatus, heldReason, memory);
}

/**
 * Sends the reply that an earlier attempt stored before it stopped: the same bytes, so the sender gets the
 * receipt and annotated workbook that the records describe. An attempt that took the send ('sending') may
 * have handed it over before stopping: the mail service's evidence is asked first, and without any the reply
 * is sent again only after the grace period.
 */
export async function resumeReply(run: Run, outcome: Outcome): Promise<Outcome> {
  // A reply already sent (a write after the send failed) is not sent again; the retry only finishes.
  if (outcome.reply && !run.record.replyMessageId) {
    const to = outcome.reply.to;
    const check = run.record.status === 'sending' ? await checkReplySent(run) : undefined;
    if (check?.state === 'wait') {
      throw new AwaitingSendEvidenceError(
        `reply to ${run.key} may have left; awaiting evidence`,
        check.until,
      );
    }
    if (check?.state === 'sent') {
      run.record = { ...run.record, replyMessageId: check.mailerId };
      log.info('reply found sent by the mail service', { messageKey: run.key });
    } else {
      await takeSend(run, run.record.status);
      const raw = await run.deps.store.get(replyKey(run.key));
      const sesId = await sendTaken(run, { from: run.deps.program.mailbox, to, raw });
      run.record = { ...run.record, replyMessageId: sesId || replyMessageId(run) };
      log.info('stored reply sent on retry', { messageKey: run.key, status: outcome.status });
    }
    const mailerId = run.record.replyMessageId ?? '';
    await rememberReply(run, { mailerId, messageId: replyMessageId(run), to }, outcome);
  }
  return save(run, outcome, run.record.heldReason ? 'held' : 'done', run.record.heldReason);
}

/** The Message-ID of the reply to an email: derived from its key, so a resumed send carries the same one. */
export function replyMessageId(run: Run): string {
  return `<reply-${run.key.slice(0, 24)}@${run.deps.program.mailbox.split('@')[1]}>`;
}

export function replyKey(key: string): string {
  return `replies/${key}.eml`;
}

export async function save(
  run: RunStart & { record: MessageRecord; mail?: InboundMail },
  outcome: Outcome,
  status: MessageRecord['status'],
  heldReason?: string,
  with_: TransactItems = [],
): Promise<Outcome> {
  const record = finalRecord(run, outcome, status, heldReason);
  await run.deps.registry.saveMessageWith(record, with_);
  // Only once stored: the failure handler saves run.record, and a 'recorded' one must stay 'recorded'.
  run.record = record;
  return outcome;
}

/** The record `save` stores: the outcome, the state, the lease released. */
function finalRecord(
  run: RunStart & { record: MessageRecord; mail?: InboundMail },
  outcome: Outcome,
  status: MessageRecord['status'],
  heldReason?: string,
): MessageRecord {
  return {
    ...run.record,
    status,
    outcome,
    leaseUntil: 0,
    ...(outcome.region ? { region: outcome.region.code } : {}),
    ...(run.mail?.from?.address ? { sender: run.mail.from.address.toLowerCase() } : {}),
    ...(heldReason ? { heldReason } : {}),
    updatedAt: new Date().toISOString(),
  };
}

/** Tells the bureau about this email, once per kind however often the step runs. */
export async function notifyBureau(
  run: Run,
  kind: NoticeKind,
  subject: string,
  lines: string[],
  compose?: Notice['compose'],
): Promise<void> {
  await sendNoticeOnce(
    run.deps,
    { messageKey: run.key, kind, subject, lines, ...(compose ? { compose } : {}) },
    { now: run.now, leaseMs: claimLeaseMs(run.deps) },
  );
}

/**
 * Mail that cannot be parsed still ends in one recorded outcome (keyed by its bytes), and is not answered:
 * without a parsed From there is nobody trustworthy to answer.
 */
export async function unparseable(run: RunStart, raw: Uint8Array, err: MailParseError): Promise<Outcome> {
  const key = createHash('sha256').update(raw).digest('hex').slice(0, 40);
  const claim = await run.deps.registry.claimMessage({
    messageId: key,
    receivedAt: run.ref.receivedAt.toISOString(),
    rawKey: run.ref.rawKey,
    now: run.now,
    leaseMs: claimLeaseMs(run.deps),
  });
  const outcome: Outcome = {
    messageId: key,
    status: claim.state === 'claimed' ? 'rejected' : 'duplicate',
    region: null,
    classes: [],
    findings: [finding('FILE_UNREADABLE', `邮件无法解析：${err.message}`)],
    reply: null,
    receivedAt: run.ref.receivedAt.toISOString(),
  };
  if (claim.state !== 'claimed') return outcome;
  log.warn('unparseable mail kept, not answered', { messageKey: key, rawKey: run.ref.rawKey });
  return save({ ...run, record: claim.record }, outcome, 'done');
}

export function duplicateOf(record: MessageRecord, mail: InboundMail, program: Program): Outcome {
  const prev = record.outcome;
  return {
    messageId: stripBrackets(mail.messageId),
    status: 'duplicate',
    region: prev?.region ?? (record.region ? regionRef(program, record.region) : null),
    classes: [],
    findings: [],
    reply: null,
    ...(prev?.receipt ? { receipt: prev.receipt } : {}),
  };
}

export function regionRef(program: Program, code: string): { code: string; name: string } | null {
  const r = programRegions(program).byCode(code);
  return r ? { code: r.code, name: r.name } : null;
}

/**
 * The idempotency key of an email: its Message-ID with the sender, hashed. The same email delivered twice
 * (or ingested twice) has the same key; SES's own id differs per delivery and cannot serve.
 */
export function messageKey(mail: InboundMail): string {
  return createHash('sha256')
    .update(`${mail.from?.address?.toLowerCase() ?? ''}\n${mail.messageId}`)
    .digest('hex')
    .slice(0, 40);
}

export function receiptNo(program: Program, region: string, key: string): string {
  return `LJ${program.year}-${region}-${key.slice(0, 6).toUpperCase()}`;
}

export function stripBrackets(id: string): string {
  return id.replace(/^<|>$/g, '');
}
