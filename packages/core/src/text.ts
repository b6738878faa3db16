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
