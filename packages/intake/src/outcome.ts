import type { ClassOutcome, Outcome } from '@lingjun/registry';
import { FINDING_CODES, type Finding } from '@lingjun/rules';

export type { ClassOutcome, Outcome } from '@lingjun/registry';

/**
 * Status of an email from what was recorded (spec §7): `accepted` when every student was accepted and nothing
 * else was refused, `partially_accepted` some, `rejected` none. An email with error findings and nothing
 * accepted is `rejected` whatever else it carried; one without students is `accepted` when something else
 * was taken (a 附件3's contacts, 附件5s completing students on file) or it replaced a class's list.
 */
export function decideStatus(input: {
  classes: ClassOutcome[];
  findings: readonly Finding[];
  /** True when contacts or 附件5s on file were taken from the email. */
  otherAccepted: boolean;
}): Outcome['status'] {
  const { classes, findings, otherAccepted } = input;
  const errors = findings.filter((f) => f.severity === 'error');
  if (errors.some((f) => FINDING_CODES[f.code].scope === 'whole')) return 'rejected';
  const accepted = classes.reduce((n, c) => n + c.accepted, 0);
  const rejected = classes.reduce((n, c) => n + c.rejected, 0);
  if (accepted === 0 && !otherAccepted) {
    return errors.length === 0 && classes.length > 0 ? 'accepted' : 'rejected';
  }
  // A class-wide or per-student refusal outside the counts (an unknown class, a refused 附件5) is still a part
  // of the email that was not accepted.
  const refused = rejected > 0 || errors.some((f) => FINDING_CODES[f.code].scope !== 'file');
  return refused ? 'partially_accepted' : 'accepted';
}
