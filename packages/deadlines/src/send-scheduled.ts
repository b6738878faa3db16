import { type Mailer, SENDER_NAME } from '@lingjun/core';
import { composeMessage, type MessageInput } from '@lingjun/mail/compose';
import type { Program } from '@lingjun/program';
import type { SendOnceResult } from '@lingjun/registry';
import type { DeadlineDeps } from './status.ts';

/** How long a job's claim on one scheduled mail keeps another run of the job from sending it. */
const CLAIM_LEASE_MS = 10 * 60_000;

/**
 * Sends one scheduled mail (reminder, digest, report, quota notice) once, keyed by what it is for: `send`
 * composes and sends it, tagged, only when this run holds the claim (registry `SendOnce.send`).
 */
export function sendScheduled(
  deps: Pick<DeadlineDeps, 'sendOnce' | 'clock'>,
  key: { pk: string; sk: string },
  attributes: Record<string, unknown>,
  send: (tags: Record<string, string>) => Promise<string>,
): Promise<SendOnceResult> {
  return deps.sendOnce.send(
    key,
    attributes,
    { now: deps.clock?.() ?? new Date(), leaseMs: CLAIM_LEASE_MS },
    send,
  );
}

/** Composes a mail from the program's mailbox under the system's name and sends it; the provider's id. */
export async function sendFromMailbox(
  program: Program,
  mailer: Mailer,
  mail: Omit<MessageInput, 'from'>,
  tags?: Record<string, string>,
): Promise<string> {
  const msg = await composeMessage({ from: { address: program.mailbox, name: SENDER_NAME }, ...mail });
  return mailer.sendRaw({ from: program.mailbox, to: mail.to, raw: msg.raw, ...(tags ? { tags } : {}) });
}
