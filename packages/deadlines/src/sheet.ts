import { displayWidth, SENDER_NAME } from '@lingjun/core';
import { applyFallbackFonts } from '@lingjun/forms/fonts';
import { setCellText } from '@lingjun/forms/safe-cell';
import { newWorkbook as newFormsWorkbook } from '@lingjun/forms/workbook';
import type ExcelJS from 'exceljs';

/** A column of a generated table: header text and whether the values are counts. */
export interface Column {
  header: string;
  numeric?: boolean;
}

/** A table row: text (written through the formula-injection guard) or a count. */
export type RowValue = string | number | null | undefined;

/** Header row of every generated table (row 1 is the title). */
export const HEADER_ROW = 2;

const FONT = { name: '宋体', size: 11 } as const;
const BORDER = {
  top: { style: 'thin' },
  left: { style: 'thin' },
  bottom: { style: 'thin' },
  right: { style: 'thin' },
} as const;

/** Display width of text as spreadsheet column units: CJK and full-width characters count double. */
export { displayWidth };

/**
 * Adds a sheet with a title row, a bold header row that stays in view (frozen) with a filter, and one row per
 * record; column widths follow the longest value, as a person would size them by hand. Text goes through
 * setCellText, so a value such as `=HYPERLINK(…)` stays text.
 */
export function addTable(
  wb: ExcelJS.Workbook,
  name: string,
  title: string,
  columns: Column[],
  rows: RowValue[][],
  /** Rows to highlight, by index into `rows`: light red for a problem, light yellow for something to check. */
  highlight?: ReadonlyMap<number, 'problem' | 'check'>,
): ExcelJS.Worksheet {
  const ws = wb.addWorksheet(sheetName(name), {
    views: [{ state: 'frozen', ySplit: HEADER_ROW, xSplit: 0 }],
    pageSetup: { orientation: 'landscape', fitToPage: true, fitToWidth: 1, fitToHeight: 0, paperSize: 9 },
  });
  const width = Math.max(columns.length, 1);
  ws.mergeCells(1, 1, 1, width);
  const t = ws.getCell(1, 1);
  setCellText(t, title);
  t.font = { name: '黑体', size: 14, bold: true };
  t.alignment = { horizontal: 'center', vertical: 'middle' };
  ws.getRow(1).height = 28;

  const header = ws.getRow(HEADER_ROW);
  columns.forEach((c, i) => {
    const cell = header.getCell(i + 1);
    setCellText(cell, c.header);
    cell.font = { ...FONT, bold: true };
    cell.alignment = { horizontal: 'center', vertical: 'middle', wrapText: true };
    cell.border = BORDER;
    cell.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFD9E1F2' } };
  });
  header.height = 22;

  rows.forEach((values, r) => {
    const row = ws.getRow(HEADER_ROW + 1 + r);
    columns.forEach((c, i) => {
      const cell = row.getCell(i + 1);
      const v = values[i];
      if (typeof v === 'number') cell.value = v;
      else setCellText(cell, v ?? '');
      cell.font = { ...FONT };
      cell.border = BORDER;
      cell.alignment = { vertical: 'middle', horizontal: c.numeric ? 'right' : 'left' };
      // Text columns stay text when someone types into them (phone numbers, codes).
      if (!c.numeric) cell.numFmt = '@';
      applyFallbackFonts(cell);
      const mark = highlight?.get(r);
      if (mark) cell.fill = mark === 'problem' ? PROBLEM_FILL : CHECK_FILL;
    });
  });

  columns.forEach((c, i) => {
    const longest = Math.max(
      displayWidth(c.header),
      ...rows.map((r) => displayWidth(r[i] === null || r[i] === undefined ? '' : String(r[i]))),
    );
    ws.getColumn(i + 1).width = Math.min(60, Math.max(6, longest + 2));
  });
  if (rows.length > 0) {
    ws.autoFilter = {
      from: { row: HEADER_ROW, column: 1 },
      to: { row: HEADER_ROW + rows.length, column: columns.length },
    };
  }
  return ws;
}

/** Fills of highlighted rows: the colours a spreadsheet's own conditional formats use for bad and neutral. */
export const PROBLEM_FILL = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFFFC7CE' } } as const;
export const CHECK_FILL = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFFFEB9C' } } as const;

/**
 * A new workbook with the system as author. exceljs loads on first use (forms' newWorkbook): the reminders
 * function's cold start then compiles no spreadsheet writer (npm run bench, bundle_initial_kb.reminders).
 */
export async function newWorkbook(): Promise<ExcelJS.Workbook> {
  const wb = await newFormsWorkbook();
  wb.creator = SENDER_NAME;
  wb.created = new Date();
  return wb;
}

/** The bytes of a workbook. */
export async function workbookBytes(wb: ExcelJS.Workbook): Promise<Uint8Array> {
  return new Uint8Array(await wb.xlsx.writeBuffer());
}

/** Excel limits sheet names to 31 characters without []:*?/\. */
function sheetName(name: string): string {
  return name.replace(/[[\]:*?/\\]/g, ' ').slice(0, 31);
}
