// Static imports (not createRequire) so esbuild puts mailauth into the function bundle. It is CommonJS
// without type declarations: mailauth-module.d.ts declares the parts used here.
import mailauthModule from 'mailauth';
import {
  headerLines,
  methodVerdicts,
  OWN_AUTHSERV_ID,
  parseAuthenticationResults,
  verdictOf,
} from './authentication.ts';

export { OWN_AUTHSERV_ID, verdictOf };

const mailauth = mailauthModule as unknown as {
  authenticate(input: Buffer, opts: MailauthOptions): Promise<MailauthResult>;
};
interface MailauthOptions {
  resolver?: DnsResolver;
  trustReceived?: boolean;
  mta?: string;
  disableArc?: boolean;
  disableBimi?: boolean;
}
interface MailauthResult {
  /** Received-SPF and Authentication-Results lines (authserv-id = opts.mta), to prepend to the message. */
  headers?: string;
  dkim?: { results?: { status?: { result?: string; comment?: string } }[] };
  spf?: { status?: { result?: string } } | false;
  dmarc?: { status?: { result?: string } } | false;
}

/** A DNS lookup as node:dns/promises `resolve(name, rrtype)` answers it; tests pass one that needs no network. */
export type DnsResolver = (name: string, rrtype: string) => Promise<unknown>;

/** Sender-authentication verdicts in the SES receipt vocabulary the sender policy reads. */
export interface AuthVerdicts {
  spf: string;
  dkim: string;
  dmarc: string;
  /** Where the verdicts came from: the organisation's server's header, or our own check. */
  source: 'authentication-results' | 'mailauth';
  /** The authserv-id of the Authentication-Results header that carries these verdicts. */
  authservId: string;
  /** Header lines our own check writes (prepended to the stored message, as a receiving server would). */
  headers?: string;
}

/** How to judge mail fetched from the organisation's own mailbox. */
export interface MailAuthOptions {
  /** authserv-id of the organisation's receiving server: only its Authentication-Results are trusted. */
  authservId?: string;
  /** DNS for DKIM keys, SPF and DMARC records; defaults to the system resolver. */
  resolver?: DnsResolver;
}

/**
 * Verdicts from the Authentication-Results header the organisation's server added, or undefined when it added
 * none. The topmost header with that authserv-id is used: servers prepend theirs, so one a forger wrote with
 * the same id lies below it (RFC 8601 §5 also has the server remove such forgeries).
 */
export function verdictsFromAuthResults(
  raw: Uint8Array,
  authservId: string,
): Omit<AuthVerdicts, 'source' | 'authservId'> | undefined {
  const id = authservId.trim().toLowerCase();
  for (const line of headerLines(raw, 'Authentication-Results')) {
    const parsed = parseAuthenticationResults(line.slice(line.indexOf(':') + 1));
    if (parsed.authservId !== id) continue;
    return methodVerdicts(parsed.results);
  }
  return undefined;
}

/**
 * Verifies DKIM, SPF and DMARC alignment ourselves with mailauth. SPF is judged from the topmost Received
 * header (the organisation's server recorded the connecting IP there); DMARC takes the aligned DKIM or SPF.
 */
export async function verifyWithMailauth(
  raw: Uint8Array,
  resolver?: DnsResolver,
): Promise<Omit<AuthVerdicts, 'source' | 'authservId'>> {
  const res = await mailauth.authenticate(Buffer.from(raw), {
    trustReceived: true,
    disableArc: true,
    disableBimi: true,
    mta: OWN_AUTHSERV_ID,
    ...(resolver ? { resolver } : {}),
  });
  // mailauth calls a body that no longer matches its signature "neutral"; for us an altered message fails.
  const dkim = (res.dkim?.results ?? []).map((r) =>
    r.status?.comment === 'body hash did not verify' ? 'fail' : r.status?.result,
  );
  const dkimResult = dkim.includes('pass') ? 'pass' : dkim[0];
  return {
    spf: verdictOf(res.spf ? res.spf.status?.result : undefined),
    dkim: verdictOf(dkimResult),
    dmarc: verdictOf(res.dmarc ? res.dmarc.status?.result : undefined),
    ...(res.headers ? { headers: res.headers } : {}),
  };
}

/**
 * The SPF/DKIM/DMARC verdicts of a message fetched from the organisation's mailbox: its server's own
 * Authentication-Results when present, else our own verification, so the sender policy sees the same verdicts
 * whichever ingress delivered the mail.
 */
export async function authenticateMailbox(
  raw: Uint8Array,
  opts: MailAuthOptions = {},
): Promise<AuthVerdicts> {
  if (opts.authservId) {
    const header = verdictsFromAuthResults(raw, opts.authservId);
    if (header) return { ...header, source: 'authentication-results', authservId: opts.authservId };
  }
  return {
    ...(await verifyWithMailauth(raw, opts.resolver)),
    source: 'mailauth',
    authservId: OWN_AUTHSERV_ID,
  };
}
