import type { Verdicts } from '@lingjun/intake';
import {
  headerLines,
  methodVerdicts,
  parseAuthenticationResults,
  SES_AUTHSERV_ID,
  verdictOf,
} from '@lingjun/mail';

/** What a stored message says about its receipt, for re-driving it without the event that delivered it. */
export interface StoredVerdicts {
  verdicts: Verdicts;
  /**
   * authserv-id of the topmost Authentication-Results header when it is one of the trusted ids: the ingress
   * that stored the message put it there (SES on receipt, the mailbox poller's own check or the organisation's
   * server), so it is what the message is judged against.
   */
  authservId?: string;
}

function status(value: string | undefined): string {
  const v = value?.trim().toUpperCase();
  return v && ['PASS', 'FAIL', 'GRAY', 'PROCESSING_FAILED', 'DISABLED'].includes(v) ? v : 'GRAY';
}

/**
 * The receipt verdicts of a message re-driven without its SES event, from the headers its ingress wrote into
 * the stored message (X-SES-Spam-Verdict, X-SES-Virus-Verdict, and the topmost Authentication-Results, read
 * by the mail package's one parser of that header). Only a header from one of `trusted` counts; a verdict
 * the message does not carry is GRAY: inconclusive, which the verdict policy does not count as a failure.
 */
export function verdictsFromHeaders(
  raw: Uint8Array,
  trusted: readonly string[] = [SES_AUTHSERV_ID],
): StoredVerdicts {
  const one = (name: string) => {
    const line = headerLines(raw, name)[0];
    return line === undefined ? undefined : line.slice(line.indexOf(':') + 1).trim();
  };
  const top = one('Authentication-Results');
  const parsed = top === undefined ? undefined : parseAuthenticationResults(top);
  const ids = trusted.map((t) => t.trim().toLowerCase());
  const trustedTop = parsed && ids.includes(parsed.authservId) ? parsed : undefined;
  const auth = trustedTop
    ? methodVerdicts(trustedTop.results)
    : { spf: verdictOf(null), dkim: verdictOf(null), dmarc: verdictOf(null) };
  return {
    verdicts: { spam: status(one('X-SES-Spam-Verdict')), virus: status(one('X-SES-Virus-Verdict')), ...auth },
    ...(trustedTop ? { authservId: trustedTop.authservId } : {}),
  };
}
