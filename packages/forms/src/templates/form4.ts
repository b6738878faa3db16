import type { Program } from '@lingjun/program';
import type ExcelJS from 'exceljs';
import { FORM4, FORM5 } from '../definitions.ts';
import {
  addListSheet,
  choiceLists,
  deadlineText,
  formatTableColumns,
  formTitle,
  listValidation,
  newWorkbook,
  SHEET_FONT,
  writeHeader,
  writeNote,
  writeTitle,
} from './common.ts';

/**
 * Where things are in the generated 附件4. Each line above the table is a label cell ('填报地区：') followed
 * by its own value cell, so the value can carry a drop-down and a reader finds it as the next filled cell.
 */
export const FORM4_LAYOUT = {
  titleRow: 1,
  regionRow: 2,
  contactRow: 3,
  noteRow: 4,
  headerRow: 5,
  firstDataRow: 6,
  dataRows: 100,
  /** Value cells above the table. */
  regionCell: 'C2',
  classCell: 'G2',
  contactCell: 'C3',
  contactPhoneCell: 'G3',
} as const;

function labelCell(ws: ExcelJS.Worksheet, range: string, text: string): void {
  if (range.includes(':')) ws.mergeCells(range);
  const cell = ws.getCell(range.split(':')[0] ?? range);
  cell.value = text;
  cell.font = { ...SHEET_FONT, bold: true };
  cell.alignment = { horizontal: 'right', vertical: 'middle' };
}

function valueCell(ws: ExcelJS.Worksheet, range: string): ExcelJS.Cell {
  if (range.includes(':')) ws.mergeCells(range);
  const cell = ws.getCell(range.split(':')[0] ?? range);
  cell.style = {
    font: { ...SHEET_FONT },
    numFmt: '@',
    alignment: { horizontal: 'left', vertical: 'middle' },
    border: { bottom: { style: 'thin' } },
  };
  return cell;
}

/** Builds the blank 附件4 领军人才培训报名汇总表 workbook (one per region and class) for the program. */
export async function buildForm4Workbook(program: Program): Promise<ExcelJS.Workbook> {
  const wb = await newWorkbook();
  wb.creator = 'lingjun';
  const L = FORM4_LAYOUT;
  const ws = wb.addWorksheet(FORM4.title, {
    views: [{ state: 'frozen', ySplit: L.headerRow }],
    pageSetup: { paperSize: 9, orientation: 'landscape', fitToPage: true, fitToWidth: 1, fitToHeight: 0 },
  });
  const lists = addListSheet(wb, choiceLists(program));
  const fields = FORM4.fields;

  writeTitle(ws, L.titleRow, fields.length, formTitle(program, FORM4));

  labelCell(ws, 'A2:B2', '填报地区：');
  const region = valueCell(ws, 'C2:E2');
  region.dataValidation = listValidation(lists.get('region') ?? '', { label: '填报地区' });
  labelCell(ws, 'F2', '培训期次：');
  const cls = valueCell(ws, 'G2');
  cls.dataValidation = listValidation(lists.get('classNo') ?? '', { label: '培训期次' });
  labelCell(ws, 'A3:B3', '联系人：');
  valueCell(ws, 'C3:E3');
  labelCell(ws, 'F3', '联系电话：');
  valueCell(ws, 'G3:H3');
  ws.getRow(L.regionRow).height = 22;
  ws.getRow(L.contactRow).height = 22;

  writeNote(ws, L.noteRow, fields.length, [
    '填写说明：1. 每期一张表；每个企业本年度仅可报名一个培训班，且限报一人；学员原则上为企业一把手。',
    '2. 带 * 的为必填项；性别、民族、政治面貌、学历请从下拉列表中选择；企业类型属于多个类型时用“、”分隔。',
    '3. 身份证号码、统一社会信用代码均为18位，手机号码为11位；出生年月格式如 1975.06。请勿合并单元格。',
    `4. 报送截止（以邮件收到时间为准）：${deadlineText(program)}。每位学员另附《${FORM5.title}》（附件5），一并发送至 ${program.mailbox}。`,
  ]);
  writeHeader(ws, L.headerRow, fields);
  formatTableColumns(ws, fields, L.firstDataRow, L.dataRows, lists);
  return wb;
}
