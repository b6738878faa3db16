import type { Cell, Font } from 'exceljs';

/**
 * The East Asian font chain of every document the system writes. 宋体 (SimSun) covers GB18030's BMP
 * characters, extension A included; the supplementary ideographs of GB18030-2022 (extensions B-G, in names
 * such as 王𠮷) are in separate fonts that Windows and Office/WPS ship: SimSun-ExtB for extension B and the
 * compatibility supplement, SimSun-ExtG for the later extensions. A run that names only 宋体 shows those as
 * empty boxes wherever the application does not link the fonts itself, so such characters go in runs of
 * their own that name the extension font.
 */
export const EAST_ASIAN_FONT = '宋体';
/** Extension B (U+20000-U+2A6DF) and the CJK compatibility supplement. */
export const EXT_B_FONT = 'SimSun-ExtB';
/** Extensions C-I and the rest of planes 2 and 3. */
export const EXT_G_FONT = 'SimSun-ExtG';

/** The fallback font for a code point that 宋体 lacks (CJK planes 2 and 3), or undefined. */
export function extensionFont(cp: number): string | undefined {
  if (cp < 0x20000 || cp > 0x3ffff) return undefined;
  if (cp <= 0x2a6df || (cp >= 0x2f800 && cp <= 0x2fa1f)) return EXT_B_FONT;
  return EXT_G_FONT;
}

/** A stretch of text and the fallback font it needs (none: the run's own font). */
export interface FontRun {
  text: string;
  font?: string;
}

/** Text cut into runs at every change of fallback font; one run without a font when none is needed. */
export function fontRuns(text: string): FontRun[] {
  const runs: FontRun[] = [];
  for (const ch of text) {
    const font = extensionFont(ch.codePointAt(0)!);
    const last = runs[runs.length - 1];
    if (last && last.font === font) last.text += ch;
    else runs.push(font ? { text: ch, font } : { text: ch });
  }
  return runs.length > 0 ? runs : [{ text }];
}

/** True when some character of the text needs a fallback font. */
export function needsFallbackFont(text: string): boolean {
  return /[\u{20000}-\u{3ffff}]/u.test(text);
}

/**
 * Gives a text cell holding extension B-G characters rich-text runs that name the fallback font for them
 * (in the cell's own size and style); call it after the cell's font is set. Other cells stay as they are.
 */
export function applyFallbackFonts(cell: Cell): void {
  const value = cell.value;
  if (typeof value !== 'string' || !needsFallbackFont(value)) return;
  const base: Partial<Font> = { ...(cell.font ?? { name: EAST_ASIAN_FONT, size: 11 }) };
  cell.value = {
    richText: fontRuns(value).map((r) => ({
      text: r.text,
      // charset 134 (GB2312) is what Excel writes for a Chinese font of a run.
      font: r.font ? { ...base, name: r.font, charset: 134 } : { ...base },
    })),
  };
}
