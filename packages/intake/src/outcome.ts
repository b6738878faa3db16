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

/**
 * Status of an email from its counts: every student in, some, or none. An email with no students is accepted
 * when it carried something else that was taken (a 附件3's contacts, 附件5s completing students on file).
 */
export function statusFromCounts(
  classes: ClassOutcome[],
  wholeRejected: boolean,
  otherAccepted: boolean,
): Outcome['status'] {
  if (wholeRejected) return 'rejected';
  const accepted = classes.reduce((n, c) => n + c.accepted, 0);
  const rejected = classes.reduce((n, c) => n + c.rejected, 0);
  if (accepted === 0 && rejected === 0) return otherAccepted || classes.length > 0 ? 'accepted' : 'rejected';
  if (rejected === 0) return 'accepted';
  return accepted === 0 ? 'rejected' : 'partially_accepted';
}
