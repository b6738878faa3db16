import { PASSING, type Verdict, type Verdicts } from './ses-event.ts';

/** The domain each check is about; a check left out is about the From header's domain (aligned). */
export interface AuthDomains {
  spf?: string;
  dkim?: string;
}

/** What `lingjun ingest --auth` asks for: the receipt verdicts, and whose domains SPF and DKIM passed for. */
export interface LocalAuthentication {
  verdicts: Verdicts;
  domains: AuthDomains;
}

const RESULT_OF: Record<string, Verdict> = {
  pass: 'PASS',
  fail: 'FAIL',
  none: 'GRAY',
  gray: 'GRAY',
  temperror: 'PROCESSING_FAILED',
};
const WORD_OF: Record<Verdict, string | null> = {
  PASS: 'pass',
  FAIL: 'fail',
  GRAY: 'none',
  PROCESSING_FAILED: 'temperror',
  DISABLED: null,
};

/**
 * Parses an `--auth` value: `pass` (every check passes for the From domain), `fail` (SPF, DKIM and DMARC
 * fail), or checks one by one, e.g. `dmarc=none,spf=pass@evil.example,dkim=fail`, where `@domain` says the
 * check passed for another domain than From's. Throws an Error with a Chinese message on anything else.
 */
export function parseAuthOption(spec: string): LocalAuthentication {
  if (spec === 'pass') return { verdicts: PASSING, domains: {} };
  if (spec === 'fail')
    return { verdicts: { ...PASSING, spf: 'FAIL', dkim: 'FAIL', dmarc: 'FAIL' }, domains: {} };
  const verdicts = { ...PASSING };
  const domains: AuthDomains = {};
  for (const part of spec.split(',')) {
    const m = /^(spf|dkim|dmarc)=([a-z]+)(?:@([a-z0-9.-]+))?$/i.exec(part.trim());
    const verdict = m ? RESULT_OF[m[2]!.toLowerCase()] : undefined;
    if (!m || !verdict || (m[3] && m[1]!.toLowerCase() === 'dmarc')) {
      throw new Error(
        `--auth 的写法不对：“${part}”。应为 pass、fail，或如 dmarc=none,spf=pass@其他域名,dkim=fail（结果为 pass/fail/none/temperror）`,
      );
    }
    const check = m[1]!.toLowerCase() as 'spf' | 'dkim' | 'dmarc';
    verdicts[check] = verdict;
    if (m[3] && check !== 'dmarc') domains[check] = m[3].toLowerCase();
  }
  return { verdicts, domains };
}

/**
 * Prepends the Authentication-Results header SES adds to a message on receipt (authserv-id amazonses.com,
 * in SES's own layout: client-ip, envelope-from and helo after the SPF result), saying what the verdicts say
 * about the From header's domain, so local mail is judged by the same rule as mail received in AWS.
 */
export function withSesAuthenticationResults(
  raw: Buffer,
  verdicts: Verdicts,
  domains: AuthDomains = {},
): Buffer {
  return withAuthenticationResults(raw, verdicts, domains, 'amazonses.com');
}

/**
 * The same header as a receiving server with another authserv-id writes it: locally, the organisation's mail
 * server that puts mail into the IMAP mailbox (`LOCAL_AUTHSERV_ID`), which has no server of its own to add one.
 */
export function withAuthenticationResults(
  raw: Buffer,
  verdicts: Verdicts,
  domains: AuthDomains,
  authservId: string,
): Buffer {
  const from = fromDomain(raw) ?? 'localhost';
  const spfDomain = domains.spf ?? from;
  const parts = [authservId];
  const spf = WORD_OF[verdicts.spf];
  if (spf) {
    parts.push(
      `spf=${spf} (spfCheck: domain of ${spfDomain} designates 127.0.0.1 as permitted sender) client-ip=127.0.0.1`,
      `envelope-from=bounce@${spfDomain}`,
      'helo=localhost',
    );
  }
  const dkim = WORD_OF[verdicts.dkim];
  if (dkim) parts.push(`dkim=${dkim} header.i=@${domains.dkim ?? from}`);
  const dmarc = WORD_OF[verdicts.dmarc];
  if (dmarc) parts.push(`dmarc=${dmarc} header.from=${from}`);
  const eol = raw.indexOf('\r\n') >= 0 ? '\r\n' : '\n';
  return Buffer.concat([Buffer.from(`Authentication-Results: ${parts.join('; ')};${eol}`), raw]);
}

/** The domain of the first address in the From header (as SES's DMARC check reads it), or null. */
function fromDomain(raw: Buffer): string | null {
  const ends = [raw.indexOf('\n\n'), raw.indexOf('\r\n\r\n')].filter((i) => i >= 0);
  const head = raw
    .subarray(0, ends.length > 0 ? Math.min(...ends) : raw.length)
    .toString('latin1')
    .replace(/\r?\n[ \t]+/g, ' ');
  const from = /^from:(.*)$/im.exec(head)?.[1];
  return from ? (/@([a-z0-9.-]+)/i.exec(from)?.[1]?.toLowerCase() ?? null) : null;
}
