import { once } from '@lingjun/core';
import { decodeWords } from 'postal-mime';

/** A result as RFC 8601 writes it (`spf=pass`); null when the header names no such check. */
export type AuthResult =
  | 'pass'
  | 'fail'
  | 'softfail'
  | 'neutral'
  | 'none'
  | 'temperror'
  | 'permerror'
  | 'policy'
  | null;

/** One check (SPF, DKIM or DMARC): its result, the domain it vouches for, and whether that is the From's. */
export interface CheckVerdict {
  result: AuthResult;
  /** SPF: the envelope sender's domain; DKIM: the signing domain (header.d); DMARC: header.from. */
  domain: string | null;
  /** Passed for the From domain (DMARC: exactly it; SPF/DKIM: the same organisational domain). */
  aligned: boolean;
}

/**
 * Whether the From header names one mailbox that authentication vouches for. Intake trusts a sender as a
 * region's contact only when `aligned` is true; any ingress (SES's header, mailauth on IMAP) produces this.
 */
export interface SenderAuthentication {
  /** The one mailbox of the From header, lower-case; null when the header is not exactly one mailbox. */
  from: string | null;
  fromDomain: string | null;
  aligned: boolean;
  dmarc: CheckVerdict;
  spf: CheckVerdict;
  dkim: CheckVerdict;
  /** Why the sender is not trusted, in Chinese for the bureau; empty when aligned. */
  reasons: string[];
}

/** A header as SES's event and postal-mime list them, in message order. */
export interface MailHeader {
  name: string;
  value: string;
}

/** The authserv-id of the Authentication-Results header SES adds on receipt. */
export const SES_AUTHSERV_ID = 'amazonses.com';

/** authserv-id of our own check's Authentication-Results header (mail from the mailbox, checked by mailauth). */
export const OWN_AUTHSERV_ID = 'lingjun';

const NO_CHECK: CheckVerdict = { result: null, domain: null, aligned: false };
const RESULTS = new Set(['pass', 'fail', 'softfail', 'neutral', 'none', 'temperror', 'permerror', 'policy']);
// Methods that open a result of their own; any other `key=value` continues the previous one (SES writes
// `client-ip=…; envelope-from=…; helo=…;` as if they were results of their own).
const METHODS = new Set(['spf', 'dkim', 'dmarc', 'arc', 'iprev', 'auth', 'bimi', 'dkim-atps', 'dkim-adsp']);

/**
 * Judges the sender of a message from its headers: the From header must hold exactly one mailbox, and the
 * first Authentication-Results header (the one the receiving server prepends; later copies come from the
 * sender and may be forged) must come from `authservId` and say DMARC passed for the From domain, or SPF
 * or DKIM passed for a domain with the same organisational domain (relaxed alignment, RFC 7489 §3.1).
 * Async: the Public Suffix List loads only when a checked domain is not the From domain itself.
 */
export async function authenticateSender(
  headers: readonly MailHeader[],
  opts: { authservId?: string } = {},
): Promise<SenderAuthentication> {
  const authservId = (opts.authservId ?? SES_AUTHSERV_ID).toLowerCase();
  const reasons: string[] = [];
  const named = (n: string) =>
    headers.filter((h) => h.name.toLowerCase() === n).map((h) => h.value.replace(/\r?\n(?=[ \t])/g, ''));

  const froms = named('from');
  let from: string | null = null;
  if (froms.length !== 1)
    reasons.push(froms.length === 0 ? '邮件没有发件人（From）' : '邮件有多个发件人（From）头');
  else {
    const parsed = parseMailbox(froms[0]!);
    if ('error' in parsed) reasons.push(`发件人（From）${parsed.error}`);
    else from = parsed.address.toLowerCase();
  }
  const fromDomain = from ? from.slice(from.lastIndexOf('@') + 1) : null;

  const results = authenticationResults(named('authentication-results')[0], authservId, reasons);
  const fromName = fromDomain ? lower(fromDomain) : null;
  // A domain is its own organisational domain's equal: only another name needs the Public Suffix List.
  const sameOrg = async (d: string | null) =>
    d !== null &&
    fromName !== null &&
    (d === fromName || (await organisationalDomain(d)) === (await organisationalDomain(fromName)));
  const dmarcInfo = results.find((r) => r.method === 'dmarc');
  const dmarcDomain = lower(dmarcInfo?.props['header.from']);
  const dmarc: CheckVerdict = dmarcInfo
    ? {
        result: dmarcInfo.result,
        domain: dmarcDomain,
        aligned: dmarcInfo.result === 'pass' && fromDomain !== null && dmarcDomain === fromDomain,
      }
    : NO_CHECK;
  const spfInfo = results.find((r) => r.method === 'spf');
  const spfDomain = domainOf(spfInfo?.props['smtp.mailfrom'] ?? spfInfo?.props['envelope-from']);
  const spf: CheckVerdict = spfInfo
    ? {
        result: spfInfo.result,
        domain: spfDomain,
        aligned: spfInfo.result === 'pass' && (await sameOrg(spfDomain)),
      }
    : NO_CHECK;
  const dkims: CheckVerdict[] = [];
  for (const r of results.filter((x) => x.method === 'dkim')) {
    const domain = lower(r.props['header.d']) ?? domainOf(r.props['header.i']);
    dkims.push({ result: r.result, domain, aligned: r.result === 'pass' && (await sameOrg(domain)) });
  }
  const dkim: CheckVerdict =
    dkims.find((d) => d.aligned) ?? dkims.find((d) => d.result === 'pass') ?? dkims[0] ?? NO_CHECK;

  if (fromDomain && dmarc.domain && dmarc.domain !== fromDomain) {
    // The receiving server read another From domain than we did: the header is ambiguous.
    reasons.push(`认证结果中的 DMARC 检查域名（${dmarc.domain}）与发件人域名（${fromDomain}）不一致`);
  } else if (dmarc.result === 'fail') {
    reasons.push(`发件人域名 ${fromDomain ?? ''} 的 DMARC 检查未通过`);
  } else if (fromDomain && results.length > 0 && !dmarc.aligned && !spf.aligned && !dkim.aligned) {
    reasons.push(
      `DMARC 未通过，SPF（${describe(spf)}）和 DKIM（${describe(dkim)}）均未对发件人域名 ${fromDomain} 通过`,
    );
  }
  return { from, fromDomain, aligned: reasons.length === 0, dmarc, spf, dkim, reasons };
}

// tldts is mostly the Public Suffix List (about 140 KB of the intake bundle): loaded on first use, so a cold
// start does not compile it and mail whose checks name the From domain itself never loads it.
const publicSuffixList = once(() => import('tldts'));

/** The registrable domain (sd.gov.cn for jxt.sd.gov.cn, by the Public Suffix List); the name itself otherwise. */
export async function organisationalDomain(domain: string): Promise<string> {
  const d = domain.toLowerCase().replace(/\.$/, '');
  const { getDomain } = await publicSuffixList();
  return getDomain(d, { allowPrivateDomains: false }) ?? d;
}

function describe(c: CheckVerdict): string {
  if (!c.result) return '无结果';
  return c.domain ? `${c.result}，域名 ${c.domain}` : c.result;
}

function lower(v: string | undefined): string | null {
  return v ? v.toLowerCase().replace(/\.$/, '') : null;
}

function domainOf(v: string | undefined): string | null {
  if (!v) return null;
  const at = v.lastIndexOf('@');
  return at < 0 ? null : lower(v.slice(at + 1));
}

/** One method's result in an Authentication-Results header (`dkim=pass header.d=x.cn`) with its properties. */
export interface AuthMethodResult {
  method: string;
  result: AuthResult;
  props: Record<string, string>;
}

/**
 * Parses one Authentication-Results value (RFC 8601): the authserv-id that wrote it and each method's result.
 * The one reader of that header: the sender rule and the sweeper's verdicts both go through it.
 */
export function parseAuthenticationResults(value: string): {
  authservId: string;
  results: AuthMethodResult[];
} {
  const [head = '', ...pieces] = splitOutside(stripComments(value) ?? '', ';');
  const authservId = head.trim().split(/\s+/)[0]?.toLowerCase() ?? '';
  const results: AuthMethodResult[] = [];
  for (const piece of pieces) {
    const pairs = piece
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map((kv) => {
        const eq = kv.indexOf('=');
        const key = (eq < 0 ? kv : kv.slice(0, eq)).toLowerCase();
        return [key, eq < 0 ? '' : kv.slice(eq + 1).replace(/^"(.*)"$/, '$1')] as const;
      });
    const [first, ...rest] = pairs;
    if (!first) continue;
    if (METHODS.has(first[0])) {
      const result = first[1].toLowerCase();
      results.push({
        method: first[0],
        result: RESULTS.has(result) ? (result as AuthResult) : null,
        props: Object.fromEntries(rest),
      });
    } else if (results.length > 0) {
      Object.assign(results[results.length - 1]!.props, Object.fromEntries(pairs));
    }
  }
  return { authservId, results };
}

/**
 * A method's result in the SES receipt vocabulary the verdict policy reads. Only an explicit failure is FAIL
 * (the policy quarantines on FAIL alone); softfail, neutral and none are inconclusive (GRAY), DNS trouble is
 * PROCESSING_FAILED.
 */
export function verdictOf(result: string | null | undefined): string {
  switch (result?.trim().toLowerCase()) {
    case 'pass':
      return 'PASS';
    case 'fail':
      return 'FAIL';
    case 'temperror':
    case 'permerror':
      return 'PROCESSING_FAILED';
    default:
      return 'GRAY';
  }
}

/**
 * SPF, DKIM and DMARC verdicts (see verdictOf) of one parsed Authentication-Results header; of several results
 * for one method (DKIM with two signatures) any pass passes.
 */
export function methodVerdicts(results: readonly AuthMethodResult[]): {
  spf: string;
  dkim: string;
  dmarc: string;
} {
  const of = (method: string) => {
    const found = results.filter((r) => r.method === method).map((r) => r.result);
    return verdictOf(found.includes('pass') ? 'pass' : found[0]);
  };
  return { spf: of('spf'), dkim: of('dkim'), dmarc: of('dmarc') };
}

/** Unfolded header lines named `name` in a raw message, top first (the order servers prepend them in). */
export function headerLines(raw: Uint8Array, name: string): string[] {
  const text = Buffer.from(raw.subarray(0, Math.min(raw.length, 256 * 1024))).toString('latin1');
  const end = text.search(/\r?\n\r?\n/);
  const head = (end < 0 ? text : text.slice(0, end)).replace(/\r?\n[ \t]+/g, ' ');
  const prefix = `${name.toLowerCase()}:`;
  return head.split(/\r?\n/).filter((l) => l.toLowerCase().startsWith(prefix));
}

function authenticationResults(
  value: string | undefined,
  authservId: string,
  reasons: string[],
): AuthMethodResult[] {
  if (value === undefined) {
    reasons.push(`邮件没有 ${authservId} 给出的发件人认证结果（Authentication-Results）`);
    return [];
  }
  const parsed = parseAuthenticationResults(value);
  if (parsed.authservId !== authservId) {
    reasons.push(`最先的发件人认证结果不是 ${authservId} 给出的（${parsed.authservId || '空'}）`);
    return [];
  }
  return parsed.results;
}

/** Replaces RFC 5322 comments with a space; null when one is unterminated. Quoted strings are kept whole. */
function stripComments(value: string, onComment?: (text: string) => void): string | null {
  let out = '';
  let depth = 0;
  let comment = '';
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    if (ch === '\\' && (quoted || depth > 0)) {
      const pair = ch + (value[i + 1] ?? '');
      i++;
      if (depth > 0) comment += pair;
      else out += pair;
      continue;
    }
    if (depth > 0) {
      if (ch === '(') depth++;
      else if (ch === ')') depth--;
      if (depth === 0) {
        onComment?.(comment);
        comment = '';
        out += ' ';
      } else comment += ch;
      continue;
    }
    if (ch === '"') quoted = !quoted;
    if (ch === '(' && !quoted) {
      depth = 1;
      continue;
    }
    out += ch;
  }
  return depth > 0 || quoted ? null : out;
}

/** Splits on a separator outside quoted strings and angle brackets. */
function splitOutside(value: string, sep: string): string[] {
  const out: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    if (ch === '\\' && quoted) {
      current += ch + (value[i + 1] ?? '');
      i++;
      continue;
    }
    if (ch === '"') quoted = !quoted;
    if (ch === sep && !quoted) {
      out.push(current);
      current = '';
    } else current += ch;
  }
  out.push(current);
  return out;
}

const ATEXT = String.raw`[^\s"(),.:;<>@\[\]\\]`;
const DOT_ATOM = `${ATEXT}+(?:\\.${ATEXT}+)*`;
const QUOTED = String.raw`"(?:[^"\\]|\\.)*"`;
const DOMAIN = String.raw`[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?(?:\.[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?)+`;
const ADDR_SPEC = new RegExp(`^(?:${DOT_ATOM}|${QUOTED})@${DOMAIN}$`, 'u');
// A display name is words (atoms, quoted strings, encoded words) and dots (obs-phrase: "John Q. Public").
const PHRASE = new RegExp(`^(?:\\s*(?:${QUOTED}|${ATEXT}+|\\.))*\\s*$`, 'u');
const ADDRESS_LIKE = /[^\s"<>()@,;:]+@[^\s"<>()@,;:]+\.[^\s"<>()@,;:]+/g;

/**
 * Parses a From value as exactly one RFC 5322 mailbox, strictly: no lists, groups, domain literals, text
 * after the address, or address-like text in comments or the display name other than the address itself
 * (lenient parsers read `a@x.cn (b@y.cn)` or `<a@x.cn> b@y.cn` differently, and a forger counts on that).
 */
function parseMailbox(raw: string): { address: string; name: string } | { error: string } {
  const comments: string[] = [];
  const value = stripComments(raw, (c) => comments.push(c));
  if (value === null) return { error: '格式不完整（引号或括号未闭合）' };
  const top = value.replace(new RegExp(QUOTED, 'g'), '""').replace(/<[^<>]*>/g, '<>');
  if (top.includes(',')) return { error: '包含多个地址' };
  if (/[:;]/.test(top)) return { error: '使用了群组写法' };
  if (comments.some((c) => c.includes('@'))) return { error: '的注释中含有邮箱地址' };
  const text = value.trim();
  const angle = /^([^<>]*)<([^<>]*)>$/s.exec(text);
  const address = (angle ? angle[2]! : text).trim();
  if (!ADDR_SPEC.test(address)) {
    return {
      error: angle || !/[<>]/.test(text) ? `地址“${raw.trim()}”格式不规范` : '在地址之外还有其他内容',
    };
  }
  const display = angle ? angle[1]!.trim() : '';
  if (!PHRASE.test(display)) return { error: '的显示名格式不规范' };
  const name = decodeWords(
    display.replace(new RegExp(QUOTED, 'g'), (q) => q.slice(1, -1).replace(/\\(.)/g, '$1')),
  );
  const others = (name.match(ADDRESS_LIKE) ?? []).filter((a) => a.toLowerCase() !== address.toLowerCase());
  if (others.length > 0) return { error: `的显示名中含有另一个邮箱地址（${others[0]}）` };
  return { address, name };
}
