import { createHmac, timingSafeEqual } from 'node:crypto';
import { ConfigError } from '@lingjun/core';

/** Crockford base32: no I, L, O, U, so a code read aloud or retyped is not misread. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** 12 symbols = 60 bits: guessing one code takes ~10^18 tries, far beyond any rate limit. */
const CODE_LENGTH = 12;

/**
 * Local development default for the certificate HMAC secret. Labelled so: certificates signed with it are
 * only good on the developer's machine. In AWS the secret comes from Secrets Manager (see certSecretFromEnv).
 */
export const LOCAL_DEV_CERT_SECRET = 'lingjun-local-development-certificate-key';

/**
 * The certificate secret, LINGJUN_CERT_SECRET (in AWS: the Secrets Manager secret `<name>/cert-key`, given to
 * the course-end and verify functions only). It is a secret of its own, not derived from the person key,
 * because verify answers strangers and must not hold the key that addresses people. Without it, a Lambda
 * refuses to start rather than sign or check with the public development value.
 */
export function certSecretFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  if (env.LINGJUN_CERT_SECRET) return env.LINGJUN_CERT_SECRET;
  const local = env.LINGJUN_DYNAMODB_ENDPOINT !== undefined || env.AWS_LAMBDA_FUNCTION_NAME === undefined;
  if (!local)
    throw new ConfigError('LINGJUN_CERT_SECRET is not set: certificates cannot be signed or checked');
  return LOCAL_DEV_CERT_SECRET;
}

/** The verification code of a certificate number: HMAC-SHA256 with the secret, as XXXX-XXXX-XXXX. */
export function certificateCode(secret: string, number: string): string {
  const mac = createHmac('sha256', secret).update(`certificate:${number}`).digest();
  let bits = 0;
  let acc = 0;
  let out = '';
  for (const byte of mac) {
    acc = (acc << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < CODE_LENGTH) {
      out += ALPHABET[(acc >> (bits - 5)) & 31];
      bits -= 5;
    }
    if (out.length >= CODE_LENGTH) break;
    acc &= (1 << bits) - 1;
  }
  return `${out.slice(0, 4)}-${out.slice(4, 8)}-${out.slice(8, 12)}`;
}

/** Normalises what a person typed (case, spaces, dashes, O for 0, I/L for 1) to the code's form. */
export function normaliseCode(input: string): string {
  const s = input
    .toUpperCase()
    .replace(/[\s\-－—_]/g, '')
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1');
  return s.length === CODE_LENGTH ? `${s.slice(0, 4)}-${s.slice(4, 8)}-${s.slice(8, 12)}` : s;
}

/**
 * What course-end stores in place of a code, so the public verify function can check codes without the
 * signing secret: HMAC-SHA256 of the normalised code, keyed with the certificate number (one certificate's
 * hash says nothing about another's). No secret key is needed: a code has 60 random-looking bits, so even a
 * copy of the table cannot be turned back into codes by trying them.
 */
export function codeHash(number: string, code: string): string {
  return createHmac('sha256', `lingjun-certificate-code:${number}`).update(normaliseCode(code)).digest('hex');
}

/** True when `code` hashes to the stored hash for this number; compared in constant time. */
export function codeHashMatches(number: string, code: string, stored: string): boolean {
  const want = Buffer.from(stored, 'hex');
  const got = Buffer.from(codeHash(number, code), 'hex');
  return want.length === got.length && timingSafeEqual(want, got);
}

/** True when `code` is the number's code; compared in constant time. */
export function codeMatches(secret: string, number: string, code: string): boolean {
  const want = Buffer.from(certificateCode(secret, number));
  const got = Buffer.from(normaliseCode(code));
  return want.length === got.length && timingSafeEqual(want, got);
}
