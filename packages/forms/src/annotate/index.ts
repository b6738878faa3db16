import { displayWidth, normaliseText } from '@lingjun/core';
import type { Finding } from '@lingjun/rules';
import type ExcelJS from 'exceljs';
import { FORM4 } from '../definitions.ts';
import { setCellText } from '../safe-cell.ts';
import { newWorkbook, SHEET_FONT, THIN_BORDER } from '../templates/common.ts';
import { applyFallbackFonts } from '../templates/fonts.ts';
import type { Form4, FormRecord } from '../types.ts';

/**
 * The workbook returned with a reply (spec §6): the sender's 附件4 with each offending cell filled and
 * explained in a note, and a 受理情况 column saying which students were accepted.
 */

/** The file a reply attaches an annotated workbook under: the sender's name with （审核标注） and .xlsx. */
export function annotatedFileName(file: string): string {
  const base = file.split('/').pop() ?? file;
  const stem = base.replace(/\.[^.]+$/, '');
  return `${stem}（审核标注）.xlsx`;
}

/** The original attachment as received. */
export interface OriginalWorkbook {
  content: Uint8Array;
  /** Detected format of the bytes ('xlsx', 'xls', 'et', 'csv' …). */
  format: string;
  file: string;
}

/** Whether each student (by spreadsheet row) was accepted, and why not. */
export type RowStatus = { accepted: boolean; reason?: string };

/** Header of the appended status column. */
export const STATUS_HEADER = '受理情况';

const ERROR_FILL: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFFFC7CE' } };
const WARNING_FILL: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFFFEB9C' } };

const byLabel = new Map(FORM4.fields.map((f) => [f.label, f.key]));

/** Header text as compared: no whitespace, '*', full-width forms or bracketed notes. */
function headerKey(text: string): string {
  return normaliseText(text, 'remove')
    .replace(/\*/g, '')
    .replace(/[（(][^）)]*[）)]/g, '');
}

function cellText(cell: ExcelJS.Cell): string {
  const v = cell.value;
  if (v === null || v === undefined) return '';
  if (typeof v === 'object' && 'richText' in v) return v.richText.map((r) => r.text).join('');
  return typeof v === 'object' ? cell.text : String(v);
}

/** What to mark: a cell, how bad, and the lines of its note. */
interface Mark {
  severity: Finding['severity'];
  lines: string[];
}

/**
 * Finds the cell a finding concerns: the record's cell for the field, else the record's 姓名 cell, else the
 * column under the matching header; a finding about no row is placed on the line above the table that
 * names its field (填报地区, 培训期次), else on A1.
 */
function cellFor(
  ws: ExcelJS.Worksheet,
  f: Finding,
  rowRecords: Map<number, FormRecord>,
  headerRow: number,
  headerCols: Map<string, number>,
): string {
  const key = f.field ? (byLabel.get(f.field) ?? byLabel.get(headerKey(f.field))) : undefined;
  if (f.row !== undefined) {
    const rec = rowRecords.get(f.row);
    const direct = key ? rec?.cells?.[key] : undefined;
    if (direct) return direct;
    const col = key ? headerCols.get(key) : undefined;
    if (col !== undefined) return ws.getCell(f.row, col).address;
    return rec?.cells?.name ?? ws.getCell(f.row, headerCols.get('name') ?? 1).address;
  }
  if (f.field) {
    const want = headerKey(f.field);
    for (let r = 1; r < headerRow; r++) {
      const row = ws.getRow(r);
      for (let c = 1; c <= row.cellCount; c++) {
        if (headerKey(cellText(row.getCell(c))).includes(want)) {
          // The value sits in the next filled cell when the label has a cell of its own.
          for (let n = c + 1; n <= row.cellCount; n++) {
            const next = row.getCell(n);
            // A merged cell's other parts echo its value; only the master is a cell of its own.
            if (next.master.address !== next.address) continue;
            if (cellText(next).trim()) return next.address;
          }
          return row.getCell(c).address;
        }
      }
    }
  }
  return 'A1';
}

/** Finds the header columns by field key, matching the printed label after normalisation. */
function headerColumns(ws: ExcelJS.Worksheet, headerRow: number): Map<string, number> {
  const cols = new Map<string, number>();
  const row = ws.getRow(headerRow);
  for (let c = 1; c <= row.cellCount; c++) {
    const text = headerKey(cellText(row.getCell(c)));
    const field = FORM4.fields.find(
      (f) => headerKey(f.label) === text || (f.aliases ?? []).some((a) => headerKey(a) === text),
    );
    if (field && !cols.has(field.key)) cols.set(field.key, c);
  }
  return cols;
}

function lastFilledColumn(ws: ExcelJS.Worksheet, row: number): number {
  const r = ws.getRow(row);
  for (let c = r.cellCount; c >= 1; c--) if (cellText(r.getCell(c)).trim()) return c;
  return 0;
}

/** Marks findings and writes the status column into a sheet whose records carry their cell addresses. */
function annotateSheet(
  ws: ExcelJS.Worksheet,
  records: readonly FormRecord[],
  headerRow: number,
  findings: readonly Finding[],
  statusByRow: ReadonlyMap<number, RowStatus>,
): void {
  const rowRecords = new Map<number, FormRecord>();
  for (const r of records) if (r.row !== undefined) rowRecords.set(r.row, r);
  const headerCols = headerColumns(ws, headerRow);

  const marks = new Map<string, Mark>();
  for (const f of findings) {
    const address = cellFor(ws, f, rowRecords, headerRow, headerCols);
    const mark = marks.get(address) ?? { severity: 'warning', lines: [] };
    if (f.severity === 'error') mark.severity = 'error';
    const label = f.severity === 'error' ? '【错误】' : '【提示】';
    const where = f.field && !f.message.includes(f.field) ? `${f.field}：` : '';
    mark.lines.push(`${label}${where}${f.message}`);
    marks.set(address, mark);
  }
  for (const [address, mark] of marks) {
    const cell = ws.getCell(address);
    // Cells loaded from a file share style objects; a fresh object restyles only this cell.
    cell.style = { ...cell.style, fill: mark.severity === 'error' ? ERROR_FILL : WARNING_FILL };
    const previous =
      typeof cell.note === 'string' ? cell.note : cell.note?.texts?.map((t) => t.text).join('');
    cell.note = [previous, ...mark.lines].filter(Boolean).join('\n');
  }
  // The sender's values stay as written; a rare name character gets a run naming a font that has it.
  for (const r of records)
    for (const address of Object.values(r.cells ?? {})) applyFallbackFonts(ws.getCell(address));

  const statusCol = lastFilledColumn(ws, headerRow) + 1;
  const head = ws.getCell(headerRow, statusCol);
  setCellText(head, STATUS_HEADER);
  head.style = {
    font: { ...SHEET_FONT, bold: true },
    alignment: { horizontal: 'center', vertical: 'middle', wrapText: true },
    border: THIN_BORDER,
    fill: { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFD9E1F2' } },
  };
  const texts = new Map(
    [...statusByRow].map(([row, s]) => [row, s.accepted ? '受理' : `未受理：${s.reason ?? '见批注'}`]),
  );
  // Sized to its text: as wide as the longest reason up to a readable limit, longer reasons wrap and their
  // rows grow to show every line (a clipped reason is no reason).
  const width = Math.min(
    STATUS_MAX_WIDTH,
    Math.max(displayWidth(STATUS_HEADER), ...[...texts.values()].map(displayWidth)) + 2,
  );
  ws.getColumn(statusCol).width = width;
  for (const [row, text] of texts) {
    const status = statusByRow.get(row)!;
    const cell = ws.getCell(row, statusCol);
    setCellText(cell, text);
    cell.style = {
      ...cell.style,
      font: { ...SHEET_FONT, color: { argb: status.accepted ? 'FF006100' : 'FF9C0006' } },
      alignment: { vertical: 'middle', wrapText: true },
      border: THIN_BORDER,
    };
    applyFallbackFonts(cell);
    const lines = Math.ceil(displayWidth(text) / (width - 2));
    const r = ws.getRow(row);
    if (lines > 1) r.height = Math.max(r.height ?? 0, lines * STATUS_LINE_HEIGHT);
  }
}

/** Widest the 受理情况 column grows (in character units) before its text wraps, and one wrapped line's height. */
const STATUS_MAX_WIDTH = 60;
const STATUS_LINE_HEIGHT = 16;

/** The header row of a 附件4: as extracted, else the row above its first record. */
function headerRowOf(form4: Form4): number {
  if (form4.headerRow) return form4.headerRow;
  const rows = form4.records.map((r) => r.row).filter((r): r is number => r !== undefined);
  return rows.length ? Math.max(1, Math.min(...rows) - 1) : 1;
}

/**
 * A clean 附件4 in the definition's column order, rebuilt from the extracted records, for originals that
 * cannot be edited in place (.xls, .et, .csv, or an .xlsx exceljs cannot open). Rows keep a 原表行号
 * column so the sender can find each student in the file they sent.
 */
function rebuild(
  wb: ExcelJS.Workbook,
  form4: Form4,
  findings: readonly Finding[],
  statusByRow: ReadonlyMap<number, RowStatus>,
): ExcelJS.Workbook {
  wb.creator = 'lingjun';
  const ws = wb.addWorksheet(FORM4.title);
  const fields = FORM4.fields;
  const width = fields.length + 2;
  ws.mergeCells(1, 1, 1, width);
  setCellText(ws.getCell(1, 1), `${FORM4.title}（审核标注）`);
  ws.getCell(1, 1).font = { name: '黑体', size: 16, bold: true };
  ws.getCell(1, 1).alignment = { horizontal: 'center' };
  setCellText(ws.getCell(2, 1), '填报地区：');
  setCellText(ws.getCell(2, 2), form4.regionText ?? '');
  setCellText(ws.getCell(2, 4), '培训期次：');
  setCellText(ws.getCell(2, 5), form4.classText ?? (form4.classNo ? `第${form4.classNo}期` : ''));
  ws.mergeCells(3, 1, 3, width);
  setCellText(
    ws.getCell(3, 1),
    `原文件 ${form4.file} 无法直接标注，已按标准表格重建；“原表行号”为该学员在原文件中的行号。请在原文件中修改后重新报送。`,
  );
  ws.getCell(3, 1).alignment = { wrapText: true, vertical: 'top' };
  ws.getRow(3).height = 32;
  const headerRow = 4;
  const header = ws.getRow(headerRow);
  [...fields.map((f) => f.label), '原表行号'].forEach((text, i) => {
    const cell = header.getCell(i + 1);
    setCellText(cell, text);
    cell.font = { ...SHEET_FONT, bold: true };
    cell.border = THIN_BORDER;
    cell.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFD9E1F2' } };
  });
  fields.forEach((f, i) => {
    ws.getColumn(i + 1).width = f.width ?? 14;
  });

  const rowMap = new Map<number, number>();
  const records: FormRecord[] = form4.records.map((rec, i) => {
    const r = headerRow + 1 + i;
    const cells: Record<string, string> = {};
    fields.forEach((f, c) => {
      const cell = ws.getCell(r, c + 1);
      setCellText(cell, rec.values[f.key]);
      cell.numFmt = '@';
      cell.border = THIN_BORDER;
      cell.font = { ...SHEET_FONT };
      cells[f.key] = cell.address;
    });
    const origin = ws.getCell(r, fields.length + 1);
    origin.value = rec.row ?? null;
    origin.border = THIN_BORDER;
    if (rec.row !== undefined) rowMap.set(rec.row, r);
    return { ...rec, row: r, cells, sheet: ws.name };
  });
  const moved = findings.map((f) => {
    if (f.row === undefined) return f;
    const r = rowMap.get(f.row);
    return r === undefined ? { ...f, row: undefined } : { ...f, row: r };
  });
  const status = new Map<number, RowStatus>();
  for (const [row, s] of statusByRow) {
    const r = rowMap.get(row);
    if (r !== undefined) status.set(r, s);
  }
  annotateSheet(ws, records, headerRow, moved, status);
  ws.views = [{ state: 'frozen', ySplit: headerRow }];
  return wb;
}

/** Findings that belong to this 附件4 file (file-less findings are taken to concern it). */
function findingsFor(form4: Form4, findings: readonly Finding[]): Finding[] {
  return findings.filter((f) => (f.file === undefined || f.file === form4.file) && f.form !== '附件5');
}

/**
 * Returns the sender's 附件4 as an .xlsx with every finding marked on its cell (light red for errors,
 * light yellow for warnings, a note saying what is wrong) and a 受理情况 column. An .xlsx original is edited
 * in place and otherwise kept as sent; other formats are rebuilt from the extracted records.
 */
export async function annotateWorkbook(
  original: OriginalWorkbook,
  form4: Form4,
  findings: readonly Finding[],
  statusByRow: ReadonlyMap<number, RowStatus>,
): Promise<Uint8Array> {
  const own = findingsFor(form4, findings);
  let wb: ExcelJS.Workbook | undefined;
  if (original.format === 'xlsx') {
    const loaded = await newWorkbook();
    try {
      // exceljs's load signature predates Node's generic Buffer type.
      await loaded.xlsx.load(Buffer.from(original.content) as unknown as ExcelJS.Buffer);
      const ws = (form4.sheet && loaded.getWorksheet(form4.sheet)) || loaded.worksheets[0];
      if (ws) {
        annotateSheet(ws, form4.records, headerRowOf(form4), own, statusByRow);
        wb = loaded;
      }
    } catch {
      // A workbook exceljs cannot open (strict OOXML, odd WPS output) is still answered, rebuilt.
      wb = undefined;
    }
  }
  wb ??= rebuild(await newWorkbook(), form4, own, statusByRow);
  return new Uint8Array(await wb.xlsx.writeBuffer());
}
