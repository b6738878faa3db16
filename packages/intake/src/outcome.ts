import type { Finding } from '@lingjun/rules';

/** The outcome of one processed email (spec §7). */
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

export interface ClassOutcome {
  no: number;
  accepted: number;
  rejected: number;
  withdrawn: number;
}

/** Status of an email from its counts: every student in, some, or none (an email with only 附件3 is accepted). */
export function statusFromCounts(
  classes: ClassOutcome[],
  wholeRejected: boolean,
  hadContacts: boolean,
): Outcome['status'] {
  if (wholeRejected) return 'rejected';
  const accepted = classes.reduce((n, c) => n + c.accepted, 0);
  const rejected = classes.reduce((n, c) => n + c.rejected, 0);
  if (accepted === 0 && rejected === 0) return hadContacts || classes.length > 0 ? 'accepted' : 'rejected';
  if (rejected === 0) return 'accepted';
  return accepted === 0 ? 'rejected' : 'partially_accepted';
}
