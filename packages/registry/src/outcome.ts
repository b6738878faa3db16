import type { Finding } from '@lingjun/rules';

/** The outcome of one processed email (spec §7), as the message ledger stores it. */
export interface Outcome {
  messageId: string;
  status: 'accepted' | 'partially_accepted' | 'rejected' | 'quarantined' | 'held' | 'duplicate';
  region: { code: string; name: string } | null;
  classes: ClassOutcome[];
  findings: Finding[];
  reply: { to: string[]; subject: string; attachments: string[] } | null;
  /** Receipt number quoted in the reply, for phone calls with the bureau. */
  receipt?: string;
  receivedAt?: string;
}

/** What one email did to one class. */
export interface ClassOutcome {
  no: number;
  accepted: number;
  rejected: number;
  withdrawn: number;
}
