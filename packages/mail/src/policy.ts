import type { InboundMail } from './parse.ts';

/** A verdict status as SES reports it in a receipt (GRAY and PROCESSING_FAILED are not failures). */
export type VerdictStatus = 'PASS' | 'FAIL' | 'GRAY' | 'PROCESSING_FAILED' | 'DISABLED';

/** The verdicts of one SES receipt; each is `{ status }` as SES sends it, or the bare status. */
export interface ReceiptVerdicts {
  spamVerdict?: { status?: string } | string | null;
  virusVerdict?: { status?: string } | string | null;
  spfVerdict?: { status?: string } | string | null;
  dkimVerdict?: { status?: string } | string | null;
  dmarcVerdict?: { status?: string } | string | null;
}

function failed(v: ReceiptVerdicts[keyof ReceiptVerdicts]): boolean {
  const status = typeof v === 'string' ? v : v?.status;
  return status?.trim().toUpperCase() === 'FAIL';
}

/**
 * Spec §5: spam or virus FAIL, SPF and DKIM both FAIL, or DMARC FAIL quarantine the message.
 * A missing or inconclusive verdict (GRAY, PROCESSING_FAILED) is not a failure: SES outages must
 * not silence legitimate provinces, and quarantine is reported to the bureau anyway.
 */
export function verdictPolicy(receipt: ReceiptVerdicts): 'quarantine' | 'ok' {
  if (failed(receipt.spamVerdict) || failed(receipt.virusVerdict)) return 'quarantine';
  if (failed(receipt.spfVerdict) && failed(receipt.dkimVerdict)) return 'quarantine';
  if (failed(receipt.dmarcVerdict)) return 'quarantine';
  return 'ok';
}

/**
 * The address a mail may be trusted as (a region's contact, the class organiser): From's one mailbox, and
 * only when authentication is aligned with its domain (authenticateSender); otherwise null.
 */
export function trustedSender(mail: Pick<InboundMail, 'authentication'>): string | null {
  return mail.authentication.aligned ? mail.authentication.from : null;
}

/**
 * Who a reply goes to: the From address. Reply-To is never used, because it is unauthenticated and would
 * let a forger aim our replies at anyone; whether From itself is trusted is trustedSender's question.
 */
export function replyRecipient(mail: Pick<InboundMail, 'from'>): string | null {
  const address = mail.from?.address.trim();
  if (!address || !/^[^\s@<>,;]+@[^\s@<>,;]+\.[^\s@<>,;]+$/.test(address)) return null;
  return address;
}
