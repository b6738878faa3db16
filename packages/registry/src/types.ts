import type { Outcome } from './outcome.ts';

/** Where a student's place is held: one region, one class. */
export interface Placement {
  region: string;
  classNo: number;
}

/** A registration as stored. `values` are the normalised form fields (personal data: never log them). */
export interface Registration extends Placement {
  personKey: string;
  uscc: string;
  name: string;
  status: 'active' | 'withdrawn';
  /** The message that last wrote this registration. */
  messageId: string;
  /** Row order within the submission, for rosters. */
  seq: number;
  acceptedAt: string;
  updatedAt: string;
  withdrawnBy?: string;
  values: Record<string, string>;
}

/** Who holds an enterprise's or a person's one place of the year. */
export interface MarkerOwner extends Placement {
  personKey: string;
  uscc: string;
  messageId: string;
}

/** The quota place limits that apply to one new registration. */
export interface QuotaLimits {
  total: number;
  perClass?: number;
}

export type RegisterResult =
  | { ok: true }
  | { ok: false; reason: 'enterprise' | 'person'; owner?: MarkerOwner }
  | { ok: false; reason: 'quota-total' | 'quota-class'; used?: number }
  | { ok: false; reason: 'already-active' };

/**
 * Where an inbound email stands. 'sending': its outcome and reply are stored and a run took the send (in the
 * same write as the outcome), so the reply may have been handed over (see `sendingAt`); 'recorded': they are
 * stored and no send is taken (a send the mail service refused, put back so the retry sends at once; a
 * bureau command's reply).
 */
export type MessageStatus =
  | 'processing'
  | 'recorded'
  | 'sending'
  | 'done'
  | 'failed'
  | 'held'
  | 'quarantined';

/** The stored state of one inbound email. */
export interface MessageRecord {
  messageId: string;
  status: MessageStatus;
  receivedAt: string;
  rawKey: string;
  leaseUntil?: number;
  attempts: number;
  region?: string;
  sender?: string;
  /** The outcome object of spec §7, once computed. */
  outcome?: Outcome;
  /** Why a message is held, for the bureau. */
  heldReason?: string;
  replyMessageId?: string;
  /** When the run that marked the record 'sending' took the send: the mail service's evidence is awaited from it. */
  sendingAt?: string;
  /** The message tag the reply is sent with, under which the mail service's Send event is recorded. */
  sendTag?: string;
  updatedAt: string;
}

export type ClaimResult =
  | { state: 'claimed'; record: MessageRecord }
  | { state: 'busy' }
  | { state: 'finished'; record: MessageRecord };
