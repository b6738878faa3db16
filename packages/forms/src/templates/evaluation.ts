import type { Program } from '@lingjun/program';
import type ExcelJS from 'exceljs';
import { newWorkbook } from './common.ts';

/** The four aspects ¶14 names, in the order the bureau reads them. */
export const EVALUATION_ITEMS = ['课程设置', '师资力量', '组织管理', '实际效果'] as const;
export type EvaluationItem = (typeof EVALUATION_ITEMS)[number];

/** Title of the evaluation form. */
export const EVALUATION_TITLE = '培训效果评价表';

/**
 * The form's heading: the program's title and the form's, with the word they share said once
 * (…领军人才培训 + 培训效果评价表 → …领军人才培训效果评价表).
 */
export function evaluationHeading(program: { title: string }): string {
  const shared = program.title.endsWith('培训') ? '培训' : '';
  return `${program.title}${EVALUATION_TITLE.slice(EVALUATION_TITLE.startsWith(shared) ? shared.length : 0)}`;
}

/**
 * The blank 培训效果评价表: one student per form, 期次 as a drop-down, each aspect scored 1–5 (validated),
 * and a comments box. Label/value pairs, one per row, so the reader finds them however the sheet is moved.
 */
export async function buildEvaluationWorkbook(program: Program): Promise<ExcelJS.Workbook> {
  const wb = await newWorkbook();
  const ws = wb.addWorksheet(EVALUATION_TITLE);
  ws.getColumn(1).width = 18;
  ws.getColumn(2).width = 48;
  ws.mergeCells('A1:B1');
  ws.getCell('A1').value = evaluationHeading(program);
  ws.getCell('A1').font = { bold: true, size: 16, name: '宋体' };
  ws.getCell('A1').alignment = { horizontal: 'center' };
  ws.mergeCells('A2:B2');
  ws.getCell('A2').value = '请对以下各项评分：5=非常满意，4=满意，3=一般，2=不满意，1=非常不满意。';
  const classes = [...program.classes].sort((a, b) => a.no - b.no).map((c) => `第${c.no}期`);
  ws.getCell('A3').value = '培训期次';
  ws.getCell('B3').dataValidation = {
    type: 'list',
    allowBlank: false,
    formulae: [`"${classes.join(',')}"`],
  };
  EVALUATION_ITEMS.forEach((item, i) => {
    const row = 4 + i;
    ws.getCell(`A${row}`).value = item;
    ws.getCell(`B${row}`).dataValidation = {
      type: 'whole',
      operator: 'between',
      allowBlank: true,
      formulae: [1, 5],
      showErrorMessage: true,
      errorTitle: '评分',
      error: '请填写 1 到 5 的整数',
    };
  });
  ws.getCell('A8').value = '意见和建议';
  ws.getRow(8).height = 120;
  ws.getCell('B8').alignment = { wrapText: true, vertical: 'top' };
  for (let r = 3; r <= 8; r++) {
    for (const c of ['A', 'B']) {
      ws.getCell(`${c}${r}`).border = {
        top: { style: 'thin' },
        left: { style: 'thin' },
        bottom: { style: 'thin' },
        right: { style: 'thin' },
      };
    }
    ws.getCell(`A${r}`).font = { bold: true };
  }
  return wb;
}
