/** 附件1, the class schedule: one class per row, its dates in two columns or in one 培训时间 column. */
import { basename } from 'node:path';
import { parseClassNo } from '@lingjun/program';
import { column, findHeader, readTables, rowLabel } from './table.ts';
import { ImportError, type ScheduleEntry } from './types.ts';
import { cellText, isTotalsRow, parseDateCell, parseDateRange } from './values.ts';

const H_NO = /^(期次|期别|班次|期数)$/;
// A schedule without a 期次 column numbers its classes in 序号.
const H_NO_OR_SEQ = /^(期次|期别|班次|期数|序号)$/;
const H_START = /^(开班日期|开班时间|开始日期|开始时间|报到日期|开班)$/;
const H_END = /^(结班日期|结班时间|结束日期|结束时间|结业日期|结班)$/;
const H_PERIOD =
  /^(培训时间|培训日期|办班时间|举办时间|培训时段|起止时间|起止日期|培训起止时间|培训起止日期|时间|日期)$/;
const H_LOCATION = /^(地点|培训地点|举办地点|办班地点|承办地点|地址)$/;
const H_DEADLINE = /^(报名截止日期|报名截止时间|截止日期|截止时间|报名截止)$/;

/**
 * Reads 附件1: one class per row (期次, 开班日期 and 结班日期 or one 培训时间 such as 6月23日—26日, 地点,
 * optionally 报名截止日期) from a workbook or a Word table. Blank rows, totals and notes are skipped.
 */
export async function readSchedule(file: string, year: number): Promise<ScheduleEntry[]> {
  const grids = await readTables(file);
  const found =
    findHeader(grids, [H_NO_OR_SEQ, H_START, H_END, H_LOCATION], () => false) ??
    findHeader(grids, [H_NO_OR_SEQ, H_PERIOD, H_LOCATION], () => false);
  if (!found) {
    throw new ImportError(
      `${basename(file)}：找不到表头（需要 期次、开班日期、结班日期、地点 四列，或 期次、培训时间、地点 三列）`,
    );
  }
  const { grid, dataStart, keys } = found;
  const named = column(keys, H_NO);
  const col = {
    no: named >= 0 ? named : column(keys, H_NO_OR_SEQ),
    start: column(keys, H_START),
    end: column(keys, H_END),
    period: column(keys, H_PERIOD),
    location: column(keys, H_LOCATION),
    deadline: column(keys, H_DEADLINE),
  };
  const separate = col.start >= 0 && col.end >= 0;
  const entries: ScheduleEntry[] = [];
  const problems: string[] = [];
  for (const raw of grid.rows.slice(dataStart)) {
    const cells = raw.cells;
    const where = rowLabel(file, grid, raw);
    const dateCols = separate ? [col.start, col.end] : [col.period];
    // Blank rows, totals and the notes bureaus write under a table (合计, 备注：…) carry no dates.
    if (isTotalsRow(cells) || dateCols.every((c) => cellText(cells[c]) === '')) continue;
    const noCell = cells[col.no];
    const no = parseClassNo(noCell);
    if (no === undefined) {
      problems.push(`${where}：期次“${cellText(noCell)}”无法识别`);
      continue;
    }
    let start: string | undefined;
    let end: string | undefined;
    if (separate) {
      start = parseDateCell(cells[col.start], year);
      end = parseDateCell(cells[col.end], year);
      if (!start) problems.push(`${where}：开班日期“${cellText(cells[col.start])}”不是有效日期`);
      if (!end) problems.push(`${where}：结班日期“${cellText(cells[col.end])}”不是有效日期`);
    } else {
      const period = parseDateRange(cells[col.period], year);
      start = period?.start;
      end = period?.end;
      if (!period) {
        problems.push(
          `${where}：培训时间“${cellText(cells[col.period])}”不是起止日期（应如 6月23日—26日、6月23日至26日、6.23-6.26）`,
        );
      }
    }
    const location = cellText(cells[col.location]);
    const deadlineText = col.deadline >= 0 ? cellText(cells[col.deadline]) : '';
    const deadline = deadlineText ? parseDateCell(cells[col.deadline], year) : undefined;
    if (!location) problems.push(`${where}：地点为空`);
    if (deadlineText && !deadline) problems.push(`${where}：报名截止日期“${deadlineText}”不是有效日期`);
    if (entries.some((e) => e.no === no)) problems.push(`${where}：第${no}期重复`);
    if (start && end && location)
      entries.push({ no, start, end, location, ...(deadline ? { deadline } : {}), row: raw.row });
  }
  if (problems.length) throw new ImportError(problems.join('\n'));
  if (entries.length === 0) throw new ImportError(`${basename(file)}：表头下没有任何期次`);
  return entries;
}
