import type { Program } from '@lingjun/program';
import type ExcelJS from 'exceljs';
import { FORM5 } from '../definitions.ts';
import {
  addListSheet,
  choiceLists,
  formTitle,
  isTextField,
  newWorkbook,
  printedLabel,
  SHEET_FONT,
  THIN_BORDER,
  validationFor,
  writeNote,
  writeTitle,
} from './common.ts';

/** Fields printed as tall, wrapped boxes rather than one line. */
export const LONG_TEXT_KEYS: ReadonlySet<string> = new Set(['resume', 'profile', 'needs', 'mainBusiness']);

/** Where things are in the generated 附件5 workbook: one label/value pair per row from `firstFieldRow`. */
export const FORM5_XLSX_LAYOUT = { titleRow: 1, noteRow: 2, headerRow: 3, firstFieldRow: 4 } as const;

/** The row of a field's label/value pair in the generated 附件5 workbook. */
export function form5XlsxRow(key: string): number {
  const i = FORM5.fields.findIndex((f) => f.key === key);
  if (i < 0) throw new RangeError(`附件5 has no field ${key}`);
  return FORM5_XLSX_LAYOUT.firstFieldRow + i;
}

/** Builds the blank 附件5 领军人才培训学员报名表 as a workbook with one label/value pair per row. */
export async function buildForm5Workbook(program: Program): Promise<ExcelJS.Workbook> {
  const wb = await newWorkbook();
  wb.creator = 'lingjun';
  const L = FORM5_XLSX_LAYOUT;
  // One A4 page however the printer's fonts measure: scaled to fit one page wide and one page tall.
  const ws = wb.addWorksheet(FORM5.title, {
    pageSetup: {
      paperSize: 9,
      orientation: 'portrait',
      fitToPage: true,
      fitToWidth: 1,
      fitToHeight: 1,
      horizontalCentered: true,
      margins: { left: 0.5, right: 0.5, top: 0.6, bottom: 0.6, header: 0.3, footer: 0.3 },
    },
  });
  const lists = addListSheet(wb, choiceLists(program));
  ws.getColumn(1).width = 26;
  ws.getColumn(2).width = 64;

  writeTitle(ws, L.titleRow, 2, formTitle(program, FORM5));
  writeNote(ws, L.noteRow, 2, [
    '填写说明：每位学员一表，带 * 的为必填项；有下拉列表的项目请从列表中选择。',
    '身份证号码、统一社会信用代码为18位；企业类型属于多个类型时用“、”分隔。',
  ]);
  const header = ws.getRow(L.headerRow);
  ['项目', '填写内容'].forEach((text, i) => {
    const cell = header.getCell(i + 1);
    cell.value = text;
    cell.font = { ...SHEET_FONT, bold: true };
    cell.alignment = { horizontal: 'center', vertical: 'middle' };
    cell.border = THIN_BORDER;
    cell.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFD9E1F2' } };
  });

  for (const f of FORM5.fields) {
    const r = form5XlsxRow(f.key);
    const label = ws.getCell(r, 1);
    label.value = printedLabel(f);
    label.font = { ...SHEET_FONT, bold: true };
    label.alignment = { horizontal: 'center', vertical: 'middle', wrapText: true };
    label.border = THIN_BORDER;
    const value = ws.getCell(r, 2);
    value.style = {
      font: { ...SHEET_FONT },
      border: THIN_BORDER,
      alignment: { vertical: LONG_TEXT_KEYS.has(f.key) ? 'top' : 'middle', wrapText: true },
      ...(isTextField(f) ? { numFmt: '@' } : {}),
    };
    const validation = validationFor(f, lists);
    if (validation) value.dataValidation = validation;
    ws.getRow(r).height = LONG_TEXT_KEYS.has(f.key) ? (f.key === 'mainBusiness' ? 45 : 110) : 22;
  }
  return wb;
}
