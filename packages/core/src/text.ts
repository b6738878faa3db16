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

// The dots people type between the parts of a name (买买提·艾力): U+00B7 middle dot, U+30FB katakana middle
// dot (what a Chinese IME gives on a Japanese layout), U+2022 bullet, U+FF0E full-width full stop (which NFKC
// has made "."), U+2027 hyphenation point, and look-alikes NFKC leaves apart (U+2219, U+22C5, U+2E31).
const NAME_DOTS = /[.\u00b7\u2022\u2027\u2219\u22c5\u30fb\u2e31]/g;

/**
 * The key two written names are compared by: NFKC (full-width forms fold), no whitespace, and every middle
 * dot as U+00B7. Only for comparing; a name is stored and shown as its sender wrote it.
 */
export function nameKey(name: string): string {
  return normaliseText(name, 'remove').replace(NAME_DOTS, '\u00b7');
}

/**
 * Text as compared and stored: NFKC (full-width letters, digits and brackets become half-width), then
 * whitespace trimmed (`'trim'`) or taken out wherever it is (`'remove'`, for labels people retype with spaces).
 */
export function normaliseText(text: string, whitespace: 'trim' | 'remove' = 'trim'): string {
  const t = text.normalize('NFKC');
  return whitespace === 'remove' ? t.replace(/\s+/g, '') : t.trim();
}

/**
 * Display width of text in a monospaced font or in spreadsheet column units: CJK and full-width characters
 * take two columns.
 */
export function displayWidth(text: string): number {
  let width = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0;
    width +=
      (cp >= 0x1100 && cp <= 0x115f) ||
      (cp >= 0x2e80 && cp <= 0xa4cf) ||
      (cp >= 0xac00 && cp <= 0xd7a3) ||
      (cp >= 0xf900 && cp <= 0xfaff) ||
      (cp >= 0xfe30 && cp <= 0xfe4f) ||
      (cp >= 0xff00 && cp <= 0xff60) ||
      (cp >= 0xffe0 && cp <= 0xffe6) ||
      (cp >= 0x20000 && cp <= 0x3fffd)
        ? 2
        : 1;
  }
  return width;
}
