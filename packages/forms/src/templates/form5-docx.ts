import type { Program } from '@lingjun/program';
import { FORM5 } from '../definitions.ts';

/** A4 in twentieths of a point. */
export const A4 = { width: 11906, height: 16838 } as const;
// 2 cm above and below (the body needs the height to stay on one page), 2.3 cm at the sides.
export const MARGIN = { top: 1134, bottom: 1134, left: 1304, right: 1304 } as const;

/** Grid columns: label, value, label, value, label, value, photo. Sums to the text width of A4 with margins. */
export const COLS = [1420, 1460, 1200, 1400, 1200, 1300, 1318] as const;
export const GRID = COLS.length;
export const PHOTO_ROWS = 4;

/** One label/value pair in the layout: the field and how many grid columns its value spans. */
export type Pair = readonly [key: string, span: number];

/**
 * The usual Chinese form layout: short personal fields beside a 照片 box that spans the first rows, then
 * enterprise fields, then full-width tall boxes. Any field of FORM5 missing here is appended as a
 * full-width row, so the definitions stay the single source of what the form asks.
 */
const LAYOUT: readonly (readonly Pair[])[] = [
  [
    ['name', 1],
    ['sex', 1],
    ['ethnicity', 1],
  ],
  [
    ['birth', 1],
    ['politics', 1],
    ['education', 1],
  ],
  [
    ['idNumber', 3],
    ['classNo', 1],
  ],
  [
    ['mobile', 1],
    ['email', 3],
  ],
  [['enterprise', 6]],
  [
    ['uscc', 3],
    ['founded', 2],
  ],
  [
    ['title', 1],
    ['industry', 1],
    ['employees', 2],
  ],
  [['enterpriseType', 6]],
  [
    ['address', 3],
    ['revenue', 2],
  ],
  [['mainBusiness', 6]],
  [['resume', 6]],
  [['profile', 6]],
  [['needs', 6]],
];

/** Minimum heights of the tall boxes, in twentieths of a point. */
export const TALL: Readonly<Record<string, number>> = {
  resume: 2200,
  profile: 1700,
  needs: 1200,
  mainBusiness: 640,
};
/** Height of an ordinary row and of the signature block: with TALL, the form fills one A4 page, no more. */
export const ROW_HEIGHT = 520;
export const SIGNATURE_HEIGHT = 1300;

export const BODY_FONT = { ascii: '宋体', eastAsia: '宋体', hAnsi: '宋体' } as const;
export const TITLE_FONT = { ascii: '黑体', eastAsia: '黑体', hAnsi: '黑体' } as const;

/** Width in twips of `span` grid columns from column `from`. */
export function spanWidth(from: number, span: number): number {
  return COLS.slice(from, from + span).reduce((a, b) => a + b, 0);
}

/** The layout with every FORM5 field placed exactly once. */
export function form5DocxLayout(): (readonly Pair[])[] {
  const placed = new Set(LAYOUT.flat().map(([k]) => k));
  const known = new Set(FORM5.fields.map((f) => f.key));
  const rows = LAYOUT.map((r) => r.filter(([k]) => known.has(k))).filter((r) => r.length > 0);
  for (const f of FORM5.fields) if (!placed.has(f.key)) rows.push([[f.key, GRID - 1]]);
  return rows;
}

/**
 * Builds 附件5 领军人才培训学员报名表 as a Word document: blank when `values` is absent, otherwise with
 * the given display text per field key (used by the fill helpers that play a sender).
 */
export async function buildForm5Docx(
  program: Program,
  values: Record<string, string> = {},
): Promise<Uint8Array> {
  // The docx writer loads on first use: every function that bundles forms reaches this module, and only the
  // reminder mail's blank 附件5 needs docx (npm run bench, bundle_initial_kb). Imported here, not through a
  // module-level once(): a bundle that never calls this function then ships no docx at all.
  const { writeForm5Docx } = await import('./form5-docx-write.ts');
  return writeForm5Docx(program, values);
}
