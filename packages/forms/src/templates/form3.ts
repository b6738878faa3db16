import { deadlines, type Program } from '@lingjun/program';
import type ExcelJS from 'exceljs';
import { FORM3 } from '../definitions.ts';
import {
  addListSheet,
  chineseDate,
  choiceLists,
  formatTableColumns,
  formTitle,
  newWorkbook,
  writeHeader,
  writeNote,
  writeTitle,
} from './common.ts';

/** Where things are in the generated 附件3, for the fill helpers and tests. */
export const FORM3_LAYOUT = { titleRow: 1, noteRow: 2, headerRow: 3, firstDataRow: 4, dataRows: 20 } as const;

/** Builds the blank 附件3 领军人才培训工作信息表 workbook for the program's year. */
export async function buildForm3Workbook(program: Program): Promise<ExcelJS.Workbook> {
  const wb = await newWorkbook();
  wb.creator = 'lingjun';
  const ws = wb.addWorksheet(FORM3.title, {
    views: [{ state: 'frozen', ySplit: FORM3_LAYOUT.headerRow }],
    pageSetup: { paperSize: 9, orientation: 'landscape', fitToPage: true, fitToWidth: 1, fitToHeight: 0 },
  });
  const lists = addListSheet(wb, { region: choiceLists(program).region ?? [] });
  const fields = FORM3.fields;
  const first = deadlines(program)[0]?.date ?? '';

  writeTitle(ws, FORM3_LAYOUT.titleRow, fields.length, formTitle(program, FORM3));
  writeNote(ws, FORM3_LAYOUT.noteRow, fields.length, [
    '填写说明：1. 带 * 的为必填项；地区请从下拉列表中选择，计划单列市、新疆生产建设兵团单独填报。',
    '2. 本表所列联系人的电子邮箱用于接收受理回执和提醒，并可代表本地区报送材料；联系人变更时请重新报送本表。',
    `3. 请于${chineseDate(first)}前与第1期报名材料一并发送至 ${program.mailbox}。`,
  ]);
  writeHeader(ws, FORM3_LAYOUT.headerRow, fields);
  formatTableColumns(ws, fields, FORM3_LAYOUT.firstDataRow, FORM3_LAYOUT.dataRows, lists);
  return wb;
}
