import { type BlobStore, log } from '@lingjun/core';
import type { InboundRef, Outcome } from '@lingjun/intake';
import { OWN_AUTHSERV_ID, SES_AUTHSERV_ID } from '@lingjun/mail';
import type { MessageRecord, MessageStatus, Registry } from '@lingjun/registry';
import { verdictsFromHeaders } from './verdicts.ts';

/** One raw message in the inbound folder. */
export interface StoredMail {
  key: string;
  /** When it was stored: SES stores a message as it receives it, so this is its receipt time. */
  storedAt: Date;
}

/** Lists the raw messages under a prefix (S3 in AWS and locally). */
export interface RawMailList {
  list(prefix: string): Promise<StoredMail[]>;
}

/** What the sweeper needs. */
export interface SweepDeps {
  registry: Pick<Registry, 'listMessages' | 'rawMailSwept' | 'markRawMailSwept'>;
  store: BlobStore;
  rawMail: RawMailList;
  /** Runs intake on one message, as the SES receipt rule's invocation would. */
  redrive: (ref: InboundRef) => Promise<Outcome>;
  /** Where raw mail lies; `inbound/` in AWS and locally. */
  prefix: string;
  now: Date;
  /**
   * Younger mail is left to its own invocation (and Lambda's retries of it); 0 at the local stack's start-up,
   * when nothing of an earlier run can still be working.
   */
  minAgeMs: number;
  /**
   * authserv-id of the organisation's receiving server when the mailbox ingress trusts its header. A stored
   * message is judged by the Authentication-Results its ingress put on top: SES's, the mailbox poller's own
   * check's, or that server's.
   */
  organisationAuthservId?: string;
}

/** Mail older than this is not re-driven (an earlier year's, or one an operator must look at). */
export const SWEEP_MAX_AGE_MS = 7 * 24 * 3600_000;
/** Mail younger than this is left to the invocation SES made for it. */
export const SWEEP_MIN_AGE_MS = 10 * 60_000;
/** After this many attempts a message needs a person: the sweeper logs it instead of trying again. */
export const SWEEP_MAX_ATTEMPTS = 8;

/** What one sweep did. */
export interface SweepResult {
  /** Raw keys re-driven to an outcome. */
  redriven: string[];
  /** Raw keys whose re-drive failed (tried again at the next sweep). */
  failed: string[];
  /** Raw keys that need a person (too many attempts). */
  stuck: string[];
}

const FINISHED: ReadonlySet<MessageStatus> = new Set(['done', 'held', 'quarantined']);

/** What the sweeper should do with one raw message, given the record (if any) that names it. */
export function sweepDecision(
  mail: StoredMail,
  record: MessageRecord | undefined,
  at: { now: Date; minAgeMs: number },
): 'skip' | 'redrive' | 'stuck' {
  const age = at.now.getTime() - mail.storedAt.getTime();
  if (age < at.minAgeMs || age > SWEEP_MAX_AGE_MS) return 'skip';
  if (!record) return 'redrive';
  if (FINISHED.has(record.status)) return 'skip';
  // Touched lately (an attempt that failed and that Lambda retries itself, a held email being approved): left to
  // whoever touched it, as young mail is.
  if (at.now.getTime() - Date.parse(record.updatedAt) < at.minAgeMs) return 'skip';
  // A claim whose lease still runs belongs to an invocation that may be alive.
  if ((record.leaseUntil ?? 0) >= at.now.getTime()) return 'skip';
  return record.attempts >= SWEEP_MAX_ATTEMPTS ? 'stuck' : 'redrive';
}

/**
 * Re-drives every raw message under the inbound prefix that has no finished outcome: mail whose invocation
 * was lost (a crash after SES or the local inbox said 250, an async event Lambda dropped) and claims whose
 * lease ran out. Intake's claim makes a re-drive of mail that is in fact being processed harmless.
 */
export async function sweepInbound(deps: SweepDeps): Promise<SweepResult> {
  const result: SweepResult = { redriven: [], failed: [], stuck: [] };
  const byRaw = new Map<string, MessageRecord>();
  for (const m of await deps.registry.listMessages()) byRaw.set(m.rawKey, m);
  for (const mail of await deps.rawMail.list(deps.prefix)) {
    const record = byRaw.get(mail.key);
    const decision = sweepDecision(mail, record, deps);
    if (decision === 'skip') continue;
    if (decision === 'stuck') {
      log.error('inbound mail keeps failing; needs a person', {
        rawKey: mail.key,
        attempts: record?.attempts,
      });
      result.stuck.push(mail.key);
      continue;
    }
    // A raw message delivered twice has no record of its own (the first copy's record names the first key):
    // once re-driven to its duplicate outcome, it is marked so later sweeps leave it alone.
    if (!record && (await deps.registry.rawMailSwept(mail.key))) continue;
    try {
      const outcome = await deps.redrive(await refFor(deps, mail));
      if (!record) await deps.registry.markRawMailSwept(mail.key, outcome.status, deps.now);
      log.info('inbound mail re-driven', { rawKey: mail.key, status: outcome.status });
      result.redriven.push(mail.key);
    } catch (error) {
      log.warn('inbound mail re-drive failed', { rawKey: mail.key, error });
      result.failed.push(mail.key);
    }
  }
  return result;
}

/** The pipeline input for a stored message, judged against the authserv-id of the ingress that stored it. */
export async function refFor(
  deps: Pick<SweepDeps, 'store' | 'organisationAuthservId'>,
  mail: StoredMail,
): Promise<InboundRef> {
  const raw = await deps.store.get(mail.key);
  const stored = verdictsFromHeaders(raw, [
    SES_AUTHSERV_ID,
    OWN_AUTHSERV_ID,
    ...(deps.organisationAuthservId ? [deps.organisationAuthservId] : []),
  ]);
  return {
    sesMessageId: mail.key.slice(mail.key.lastIndexOf('/') + 1),
    rawKey: mail.key,
    receivedAt: mail.storedAt,
    verdicts: stored.verdicts,
    ...(stored.authservId ? { authservId: stored.authservId } : {}),
  };
}
