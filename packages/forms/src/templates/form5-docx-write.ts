/** The Word writer of 附件5 (docx), loaded by form5-docx.ts on first use; the layout lives there. */
import type { Program } from '@lingjun/program';
import {
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
} from 'docx';
import { type FieldDef, FORM5 } from '../definitions.ts';
import { formTitle, printedLabel } from './common.ts';
import {
  A4,
  BODY_FONT,
  COLS,
  form5DocxLayout,
  GRID,
  MARGIN,
  PHOTO_ROWS,
  ROW_HEIGHT,
  SIGNATURE_HEIGHT,
  spanWidth,
  TALL,
  TITLE_FONT,
} from './form5-docx.ts';

function textParagraphs(text: string, opts: { bold?: boolean; center?: boolean } = {}): Paragraph[] {
  return text.split(/\r?\n/).map(
    (line) =>
      new Paragraph({
        alignment: opts.center ? AlignmentType.CENTER : AlignmentType.LEFT,
        children: [new TextRun({ text: line, bold: opts.bold ?? false, font: BODY_FONT, size: 21 })],
      }),
  );
}

function labelCell(field: FieldDef, col: number): TableCell {
  return new TableCell({
    width: { size: spanWidth(col, 1), type: WidthType.DXA },
    verticalAlign: VerticalAlign.CENTER,
    children: textParagraphs(printedLabel(field, false), { bold: true, center: true }),
  });
}

function valueCell(text: string | undefined, col: number, span: number): TableCell {
  return new TableCell({
    width: { size: spanWidth(col, span), type: WidthType.DXA },
    columnSpan: span,
    verticalAlign: VerticalAlign.CENTER,
    children: text ? textParagraphs(text) : [new Paragraph({})],
  });
}

/** Writes 附件5 as a Word document with the given display text per field key (see buildForm5Docx). */
export async function writeForm5Docx(program: Program, values: Record<string, string>): Promise<Uint8Array> {
  const byKey = new Map(FORM5.fields.map((f) => [f.key, f]));
  const rows: TableRow[] = [];
  form5DocxLayout().forEach((pairs, i) => {
    const cells: TableCell[] = [];
    let col = 0;
    for (const [key, span] of pairs) {
      const field = byKey.get(key);
      if (!field) continue;
      cells.push(labelCell(field, col));
      cells.push(valueCell(values[key], col + 1, span));
      col += 1 + span;
    }
    if (i === 0) {
      cells.push(
        new TableCell({
          rowSpan: PHOTO_ROWS,
          width: { size: spanWidth(GRID - 1, 1), type: WidthType.DXA },
          verticalAlign: VerticalAlign.CENTER,
          children: textParagraphs('照片\n（近期免冠\n二寸彩照）', { center: true }),
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
          children: textParagraphs('本人承诺以上信息真实、准确。\n本人签字：\n日期：    年  月  日'),
        }),
        new TableCell({
          columnSpan: 3,
          width: { size: spanWidth(4, 3), type: WidthType.DXA },
          verticalAlign: VerticalAlign.CENTER,
          children: textParagraphs('推荐单位（盖章）\n\n日期：    年  月  日'),
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
          ...textParagraphs(`注：内容较多时可另附页。每位学员一表，请与附件4一并发送至 ${program.mailbox}。`),
        ],
      },
    ],
  });
  return new Uint8Array(await Packer.toBuffer(doc));
}
