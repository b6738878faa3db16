import { newWorkbook, setCellText, validateRange } from '@lingjun/forms';
import { type Program, type ProgramClass, programRegions } from '@lingjun/program';
import type { Registration } from '@lingjun/registry';

/** The marks the sheet offers (spec §9); the importer reads these and their common variants. */
export const SIGN_IN_MARKS = ['√', '迟到', '请假', '×'] as const;

/** Every half-day of a class as the sheet heads it (6月24日上午 …), first day to last. */
export function halfDayLabels(cls: ProgramClass): string[] {
  const out: string[] = [];
  for (let d = new Date(`${cls.start}T00:00:00Z`); d <= new Date(`${cls.end}T00:00:00Z`); ) {
    const day = `${d.getUTCMonth() + 1}月${d.getUTCDate()}日`;
    out.push(`${day}上午`, `${day}下午`);
    d = new Date(d.getTime() + 86_400_000);
  }
  return out;
}

const THIN = { style: 'thin' } as const;
const BORDER = { top: THIN, left: THIN, bottom: THIN, right: THIN };
const FONT = { name: '宋体', size: 11 };

/**
 * The 签到表 of a class, pre-filled with its students (region, name, the last four characters of the ID,
 * enterprise) and one column per half-day with a drop-down of marks: what the organiser prints, fills in
 * and emails back, and what `lingjun attendance import` reads. Only the ID's last four characters are printed:
 * a sheet on a table by the door is no place for full ID numbers.
 */
export async function signInSheetWorkbook(
  program: Program,
  cls: ProgramClass,
  students: readonly Registration[],
): Promise<Uint8Array> {
  const wb = await newWorkbook();
  wb.creator = 'lingjun';
  const halfDays = halfDayLabels(cls);
  const headers = ['序号', '地区', '姓名', '证件号后四位', '企业名称', ...halfDays, '备注'];
  const ws = wb.addWorksheet(`第${cls.no}期签到表`, {
    views: [{ state: 'frozen', ySplit: 3, xSplit: 3 }],
    pageSetup: {
      paperSize: 9,
      orientation: 'landscape',
      fitToPage: true,
      fitToWidth: 1,
      fitToHeight: 0,
      printTitlesRow: '3:3',
    },
  });
  ws.mergeCells(1, 1, 1, headers.length);
  const title = ws.getCell(1, 1);
  title.value = `${program.title}第${cls.no}期签到表（${cls.start}至${cls.end}，${cls.location}）`;
  title.font = { ...FONT, size: 14, bold: true };
  title.alignment = { horizontal: 'center', vertical: 'middle' };
  ws.getRow(1).height = 28;
  ws.mergeCells(2, 1, 2, headers.length);
  ws.getCell(2, 1).value =
    `请每个半天由学员本人签到后，由工作人员在对应格内填写：出勤 √，迟到 迟到，请假 请假，缺勤 ×。填好后发送至 ${program.mailbox}。`;
  ws.getCell(2, 1).font = { ...FONT, size: 10 };
  ws.getCell(2, 1).alignment = { wrapText: true, vertical: 'middle' };
  ws.getRow(2).height = 30;
  const head = ws.getRow(3);
  headers.forEach((h, i) => {
    const c = head.getCell(i + 1);
    c.value = h;
    c.font = { ...FONT, bold: true };
    c.alignment = { horizontal: 'center', vertical: 'middle', wrapText: true };
    c.border = BORDER;
    c.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFD9E1F2' } };
  });
  head.height = 32;
  const sorted = [...students]
    .filter((s) => s.status === 'active')
    .sort((a, b) => a.region.localeCompare(b.region) || a.seq - b.seq);
  sorted.forEach((s, i) => {
    const row = ws.getRow(4 + i);
    row.getCell(1).value = i + 1;
    setCellText(row.getCell(2), programRegions(program).nameOf(s.region));
    setCellText(row.getCell(3), s.name);
    setCellText(row.getCell(4), (s.values.idNumber ?? '').slice(-4));
    setCellText(row.getCell(5), s.values.enterprise ?? '');
    for (let c = 1; c <= headers.length; c++) {
      const cell = row.getCell(c);
      cell.border = BORDER;
      cell.font = FONT;
      cell.alignment = { vertical: 'middle', horizontal: c >= 6 ? 'center' : 'left', wrapText: c === 5 };
    }
    row.getCell(4).numFmt = '@';
    row.height = 24;
  });
  const widths = [6, 14, 10, 8, 28, ...halfDays.map(() => 9), 12];
  widths.forEach((w, i) => {
    ws.getColumn(i + 1).width = w;
  });
  if (sorted.length > 0) {
    const first = ws.getColumn(6).letter;
    const last = ws.getColumn(5 + halfDays.length).letter;
    validateRange(ws, `${first}4:${last}${3 + sorted.length}`, {
      type: 'list',
      allowBlank: true,
      formulae: [`"${SIGN_IN_MARKS.join(',')}"`],
      showErrorMessage: true,
      errorStyle: 'warning',
      errorTitle: '考勤',
      error: `请填写 ${SIGN_IN_MARKS.join('、')} 之一`,
    });
  }
  return new Uint8Array(await wb.xlsx.writeBuffer());
}
