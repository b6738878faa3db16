import type { ClassOutcome, Outcome } from '@lingjun/registry';

export type { ClassOutcome, Outcome } from '@lingjun/registry';

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
