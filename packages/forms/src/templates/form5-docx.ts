import { once } from '@lingjun/core';
import type { Program } from '@lingjun/program';
import type { Paragraph, TableCell, TableRow } from 'docx';
import { type FieldDef, FORM5 } from '../definitions.ts';
import { formTitle, printedLabel } from './common.ts';

/**
 * docx loads on first use: every function that bundles forms would otherwise compile it at cold start, and
 * only the reminder mail's blank 附件5 needs it (npm run bench, bundle_initial_kb).
 */
const docxLib = once(() => import('docx'));
type Docx = Awaited<ReturnType<typeof docxLib>>;

/** A4 in twentieths of a point. */
export const A4 = { width: 11906, height: 16838 } as const;
// 2 cm above and below (the body needs the height to stay on one page), 2.3 cm at the sides.
const MARGIN = { top: 1134, bottom: 1134, left: 1304, right: 1304 } as const;

/** Grid columns: label, value, label, value, label, value, photo. Sums to the text width of A4 with margins. */
const COLS = [1420, 1460, 1200, 1400, 1200, 1300, 1318] as const;
const GRID = COLS.length;
const PHOTO_ROWS = 4;

/** One label/value pair in the layout: the field and how many grid columns its value spans. */
type Pair = readonly [key: string, span: number];

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
const TALL: Readonly<Record<string, number>> = {
  resume: 2200,
  profile: 1700,
  needs: 1200,
  mainBusiness: 640,
};
/** Height of an ordinary row and of the signature block: with TALL, the form fills one A4 page, no more. */
const ROW_HEIGHT = 520;
const SIGNATURE_HEIGHT = 1300;

const BODY_FONT = { ascii: '宋体', eastAsia: '宋体', hAnsi: '宋体' } as const;
const TITLE_FONT = { ascii: '黑体', eastAsia: '黑体', hAnsi: '黑体' } as const;

function spanWidth(from: number, span: number): number {
  return COLS.slice(from, from + span).reduce((a, b) => a + b, 0);
}

function textParagraphs(
  { AlignmentType, Paragraph, TextRun }: Docx,
  text: string,
  opts: { bold?: boolean; center?: boolean } = {},
): Paragraph[] {
  return text.split(/\r?\n/).map(
    (line) =>
      new Paragraph({
        alignment: opts.center ? AlignmentType.CENTER : AlignmentType.LEFT,
        children: [new TextRun({ text: line, bold: opts.bold ?? false, font: BODY_FONT, size: 21 })],
      }),
  );
}

function labelCell(d: Docx, field: FieldDef, col: number): TableCell {
  const { TableCell, VerticalAlign, WidthType } = d;
  return new TableCell({
    width: { size: spanWidth(col, 1), type: WidthType.DXA },
    verticalAlign: VerticalAlign.CENTER,
    children: textParagraphs(d, printedLabel(field, false), { bold: true, center: true }),
  });
}

function valueCell(d: Docx, text: string | undefined, col: number, span: number): TableCell {
  const { Paragraph, TableCell, VerticalAlign, WidthType } = d;
  return new TableCell({
    width: { size: spanWidth(col, span), type: WidthType.DXA },
    columnSpan: span,
    verticalAlign: VerticalAlign.CENTER,
    children: text ? textParagraphs(d, text) : [new Paragraph({})],
  });
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
  const d = await docxLib();
  const {
    AlignmentType,
    Document,
    HeightRule,
    Packer,
    PageOrientation,
    Paragraph,
    Table,
    TableCell,
    TableLayoutType,
    TableRow,
    TextRun,
    VerticalAlign,
    WidthType,
  } = d;
  const byKey = new Map(FORM5.fields.map((f) => [f.key, f]));
  const rows: TableRow[] = [];
  form5DocxLayout().forEach((pairs, i) => {
    const cells: TableCell[] = [];
    let col = 0;
    for (const [key, span] of pairs) {
      const field = byKey.get(key);
      if (!field) continue;
      cells.push(labelCell(d, field, col));
      cells.push(valueCell(d, values[key], col + 1, span));
      col += 1 + span;
    }
    if (i === 0) {
      cells.push(
        new TableCell({
          rowSpan: PHOTO_ROWS,
          width: { size: spanWidth(GRID - 1, 1), type: WidthType.DXA },
          verticalAlign: VerticalAlign.CENTER,
          children: textParagraphs(d, '照片\n（近期免冠\n二寸彩照）', { center: true }),
        }),
      );
    }
    const tall = pairs.length === 1 ? TALL[pairs[0]?.[0] ?? ''] : undefined;
    rows.push(
      new TableRow({
        children: cells,
        cantSplit: true,
        height: { value: tall ?? ROW_HEIGHT, rule: HeightRule.ATLEAST },
      }),
    );
  });
  rows.push(
    new TableRow({
      cantSplit: true,
      height: { value: SIGNATURE_HEIGHT, rule: HeightRule.ATLEAST },
      children: [
        new TableCell({
          columnSpan: 4,
          width: { size: spanWidth(0, 4), type: WidthType.DXA },
          verticalAlign: VerticalAlign.CENTER,
          children: textParagraphs(d, '本人承诺以上信息真实、准确。\n本人签字：\n日期：    年  月  日'),
        }),
        new TableCell({
          columnSpan: 3,
          width: { size: spanWidth(4, 3), type: WidthType.DXA },
          verticalAlign: VerticalAlign.CENTER,
          children: textParagraphs(d, '推荐单位（盖章）\n\n日期：    年  月  日'),
        }),
      ],
    }),
  );

  const doc = new Document({
    creator: 'lingjun',
    title: formTitle(program, FORM5),
    styles: { default: { document: { run: { font: BODY_FONT, size: 21 } } } },
    sections: [
      {
        properties: {
          page: {
            size: { width: A4.width, height: A4.height, orientation: PageOrientation.PORTRAIT },
            margin: MARGIN,
          },
        },
        children: [
          new Paragraph({
            alignment: AlignmentType.CENTER,
            spacing: { after: 160 },
            children: [
              new TextRun({ text: formTitle(program, FORM5), bold: true, font: TITLE_FONT, size: 36 }),
            ],
          }),
          new Table({
            width: { size: spanWidth(0, GRID), type: WidthType.DXA },
            columnWidths: [...COLS],
            layout: TableLayoutType.FIXED,
            rows,
          }),
          ...textParagraphs(
            d,
            `注：内容较多时可另附页。每位学员一表，请与附件4一并发送至 ${program.mailbox}。`,
          ),
        ],
      },
    ],
  });
  return new Uint8Array(await Packer.toBuffer(doc));
}
