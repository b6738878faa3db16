import { createHmac, timingSafeEqual } from 'node:crypto';
import type { MessageRecord, Registry } from '@lingjun/registry';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
/** 16 base32 characters: 80 bits of the HMAC, short enough for a subject line. */
const TOKEN_LENGTH = 16;
/** Tokens as they appear in a subject, a Message-ID or a References entry. */
const TOKEN_RE = /HOLD-([A-Z2-7]{16})(?![A-Z2-7])/gi;

/**
 * The signed token of one held email: an HMAC of its message key under the deployment's secret, in base32.
 * The purpose prefix keeps it apart from the HMAC that keys people by ID number under the same secret.
 */
export function holdToken(secret: string, heldKey: string): string {
  const mac = createHmac('sha256', secret).update(`lingjun-hold-token\n${heldKey}`).digest();
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of mac) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < TOKEN_LENGTH) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    if (out.length === TOKEN_LENGTH) break;
  }
  return out;
}

/** The token as written in a notice's subject: `[HOLD-…]`. */
export function holdTag(token: string): string {
  return `[HOLD-${token}]`;
}

/** Every token candidate in the given texts (subject, In-Reply-To, References), upper-cased, once each. */
export function tokensIn(texts: (string | null | undefined)[]): string[] {
  const found = new Set<string>();
  for (const t of texts) for (const m of (t ?? '').matchAll(TOKEN_RE)) found.add(m[1]!.toUpperCase());
  return [...found];
}

/** True when `candidate` is the token of `heldKey`, compared in constant time. */
export function verifyHoldToken(secret: string, heldKey: string, candidate: string): boolean {
  const expected = Buffer.from(holdToken(secret, heldKey));
  const given = Buffer.from(candidate.toUpperCase());
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * The held email a token names, among those still held; undefined when none matches (a forged or mistyped
 * token, or an email already decided). Every held email is compared, so the time taken says nothing.
 */
export async function heldByToken(
  deps: { registry: Registry; keySecret: string },
  tokens: string[],
): Promise<MessageRecord | undefined> {
  if (tokens.length === 0) return undefined;
  let found: MessageRecord | undefined;
  for (const record of await deps.registry.listMessages('held')) {
    for (const t of tokens) if (verifyHoldToken(deps.keySecret, record.messageId, t)) found ??= record;
  }
  return found;
}
