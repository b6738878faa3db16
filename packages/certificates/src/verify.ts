import { log } from '@lingjun/core';
import { escapeHtml } from '@lingjun/mail';
import type { VerificationTable } from '@lingjun/registry';
import { codeHashMatches } from './code.ts';

/** What anyone holding a number and code may learn: the masked name, class and dates, nothing else. */
export interface VerifyAnswer {
  valid: boolean;
  status: 'genuine' | 'revoked' | 'not_found';
  number?: string;
  name?: string;
  classNo?: number;
  start?: string;
  end?: string;
  location?: string;
  revokedAt?: string;
}

/**
 * Checks a number and code against the code hash course-end published in the verification table; no secret
 * is involved. A wrong code answers not_found, exactly as an unknown number does, so the service never
 * confirms that a number exists to someone who cannot show its code.
 */
export async function verifyCertificate(
  verification: VerificationTable,
  number: string,
  code: string,
): Promise<VerifyAnswer> {
  const n = number.trim();
  if (!/^\d{4}-\d{2}-\d{3,}$/.test(n)) return { valid: false, status: 'not_found' };
  const cert = await verification.lookup(n);
  if (!cert || !codeHashMatches(n, code, cert.codeHash)) return { valid: false, status: 'not_found' };
  const shown = {
    number: cert.number,
    // Masked when it was published: the verification table never holds the full name.
    name: cert.name,
    classNo: cert.classNo,
    start: cert.start,
    end: cert.end,
    location: cert.location,
  };
  if (cert.status === 'revoked') {
    return {
      valid: false,
      status: 'revoked',
      ...shown,
      ...(cert.revokedAt ? { revokedAt: cert.revokedAt } : {}),
    };
  }
  return { valid: true, status: 'genuine', ...shown };
}

/** A verification request as the Function URL delivers it, reduced to what matters. */
export interface VerifyRequest {
  method: string;
  query: Record<string, string | undefined>;
  accept?: string;
  sourceIp: string;
}

/** An HTTP answer for the Function URL. */
export interface VerifyResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** Requests per source address per minute; a person checks a few certificates, a guesser needs billions. */
export const VERIFY_RATE_LIMIT = 20;

/**
 * Answers a verification request: JSON for machines (`Accept: application/json` or `format=json`), a small
 * HTML page for people; a form when no number is given; 429 once the source exceeds the rate limit.
 */
export async function handleVerifyRequest(
  req: VerifyRequest,
  deps: { verification: VerificationTable; now: Date; limit?: number },
): Promise<VerifyResponse> {
  const json = req.query.format === 'json' || (req.accept ?? '').includes('application/json');
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    return respond(json, 405, { error: 'method_not_allowed' }, page('仅支持 GET 请求。'));
  }
  const number = req.query.n ?? req.query.number ?? '';
  const code = req.query.c ?? req.query.code ?? '';
  if (!number || !code) {
    if (json)
      return respond(true, 400, { error: 'missing_parameters', message: '请提供证书编号 n 和验证码 c' }, '');
    return respond(false, 200, {}, page(''));
  }
  if (!(await deps.verification.hit(req.sourceIp, deps.now, deps.limit ?? VERIFY_RATE_LIMIT))) {
    log.warn('verify rate limit reached');
    return {
      ...respond(
        json,
        429,
        { error: 'rate_limited', message: '查询过于频繁，请一分钟后再试' },
        page('查询过于频繁，请一分钟后再试。'),
      ),
      headers: { ...headers(json), 'retry-after': '60' },
    };
  }
  const answer = await verifyCertificate(deps.verification, number, code);
  log.info('verify', { status: answer.status });
  return respond(json, 200, answer, page(resultHtml(answer)));
}

function headers(json: boolean): Record<string, string> {
  return {
    'content-type': json ? 'application/json; charset=utf-8' : 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  };
}

function respond(json: boolean, statusCode: number, body: unknown, html: string): VerifyResponse {
  return { statusCode, headers: headers(json), body: json ? JSON.stringify(body) : html };
}

function resultHtml(a: VerifyAnswer): string {
  if (a.status === 'not_found') {
    return '<p class="bad">未找到该证书：证书编号或验证码不正确。</p>';
  }
  const rows = [
    ['证书编号', a.number],
    ['姓名', a.name],
    ['期次', `第${a.classNo}期`],
    ['培训时间', `${a.start} 至 ${a.end}`],
    ['培训地点', a.location],
  ]
    .map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`)
    .join('');
  const verdict =
    a.status === 'genuine'
      ? '<p class="ok">✔ 证书真实有效</p>'
      : `<p class="bad">✘ 该证书已被撤销${a.revokedAt ? `（${escapeHtml(a.revokedAt.slice(0, 10))}）` : ''}</p>`;
  return `${verdict}<table>${rows}</table>`;
}

function page(result: string): string {
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>结业证书核验</title>
<style>body{font-family:"Microsoft YaHei",sans-serif;max-width:32em;margin:2em auto;padding:0 1em}.ok{color:#080;font-size:1.3em}.bad{color:#b00;font-size:1.3em}th{text-align:left;padding-right:1em}input{margin:.3em 0;width:100%}</style></head>
<body><h1>领军人才培训结业证书核验</h1>${result}
<form method="get"><label>证书编号<input name="n" placeholder="2025-01-001"></label><label>验证码<input name="c" placeholder="XXXX-XXXX-XXXX"></label><button>核验</button></form></body></html>`;
}
