const UTF8 = new TextDecoder('utf-8', { fatal: true });
// Node's WHATWG decoder (full ICU in Node's builds and on Lambda) covers GB18030 without a table of our own.
const GB18030 = new TextDecoder('gb18030');

/**
 * Decodes bytes that carry no charset label (raw header bytes, zip entry names, CSV files): as UTF-8 when
 * they are valid UTF-8, otherwise as GB18030, the superset of the GBK that Chinese Windows writes. Chinese
 * text in GBK is almost never valid UTF-8, so valid UTF-8 wins.
 */
export function decodeUnlabelled(bytes: Uint8Array): string {
  try {
    return UTF8.decode(bytes);
  } catch {
    return GB18030.decode(bytes);
  }
}

/**
 * Text as compared and stored: NFKC (full-width letters, digits and brackets become half-width), then
 * whitespace trimmed (`'trim'`) or taken out wherever it is (`'remove'`, for labels people retype with spaces).
 */
export function normaliseText(text: string, whitespace: 'trim' | 'remove' = 'trim'): string {
  const t = text.normalize('NFKC');
  return whitespace === 'remove' ? t.replace(/\s+/g, '') : t.trim();
}
