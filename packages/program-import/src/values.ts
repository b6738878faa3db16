/**
 * Cell values of the bureau's sheets as people write them: header text, dates (one date, or a whole class
 * period in one cell), counts of places and totals rows.
 */
import { isoDay, normaliseText, spreadsheetDay } from '@lingjun/core';
import type { CellValue } from '@lingjun/forms';

/** Header text as compared: no spaces or line breaks, half-width, no （注释） or *. */
export function headerKey(cell: CellValue | undefined): string {
  if (cell === null || cell === undefined || cell instanceof Date) return '';
  return normaliseText(String(cell), 'remove')
    .replace(/[（(][^)）]*[)）]/g, '')
    .replace(/[*：:]/g, '');
}

/** Text of a cell, half-width and trimmed. */
export function cellText(cell: CellValue | undefined): string {
  if (cell === null || cell === undefined) return '';
  if (cell instanceof Date) return cell.toISOString();
  return normaliseText(String(cell));
}

function validDay(y: number, m: number, d: number): string | undefined {
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d)
    return undefined;
  return isoDay({ y, m, d });
}

/**
 * A date cell → YYYY-MM-DD. Accepts real date cells, Excel serial numbers, 2025-06-23, 2025/6/23,
 * 2025.6.23, 2025年6月23日 and, with the program's year, 6月23日 / 6.23.
 */
export function parseDateCell(cell: CellValue | undefined, year: number): string | undefined {
  if (cell instanceof Date || typeof cell === 'number') {
    // A number outside 1954-2119 is a count or a typo, not a date of this program.
    if (typeof cell === 'number' && (cell < 20000 || cell > 80000)) return undefined;
    const day = spreadsheetDay(cell);
    return day && validDay(day.y, day.m, day.d);
  }
  const t = cellText(cell).replace(/\s+/g, '');
  let m = /^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$/.exec(t);
  if (m) return validDay(Number(m[1]), Number(m[2]), Number(m[3]));
  m = /^(\d{4})(\d{2})(\d{2})$/.exec(t);
  if (m) return validDay(Number(m[1]), Number(m[2]), Number(m[3]));
  m = /^(\d{1,2})[-/.月](\d{1,2})日?$/.exec(t);
  if (m) return validDay(year, Number(m[1]), Number(m[2]));
  return undefined;
}

// One date of a period: [year年/.-/]month[月.-/]day[日]; the end may leave out year and month (6月23日—26日).
const START = String.raw`(?:(\d{4})[年./-])?(\d{1,2})[月./-](\d{1,2})日?`;
const END = String.raw`(?:(?:(\d{4})[年./-])?(\d{1,2})[月./-])?(\d{1,2})日?`;
// Dashes of every width (NFKC leaves —, – and 〜 as they are), a tilde, 至 or 到.
const PERIOD = new RegExp(`^${START}(?:[-—–―~〜]+|至|到)${END}$`);

/**
 * A class period written in one cell → start and end: 6月23日—26日, 6月23日至26日, 6.23-6.26, 6月30日-7月3日,
 * 2025年6月23日—2025年6月26日. Years left out are the program's; a period that runs into January ends the
 * next year. Undefined when the text is not a period or a date in it does not exist.
 */
export function parseDateRange(
  cell: CellValue | undefined,
  year: number,
): { start: string; end: string } | undefined {
  if (typeof cell !== 'string') return undefined;
  const m = PERIOD.exec(cellText(cell).replace(/\s+/g, ''));
  if (!m) return undefined;
  const y1 = m[1] ? Number(m[1]) : year;
  const m1 = Number(m[2]);
  const m2 = m[5] ? Number(m[5]) : m1;
  const y2 = m[4] ? Number(m[4]) : m2 < m1 ? y1 + 1 : y1;
  const start = validDay(y1, m1, Number(m[3]));
  const end = validDay(y2, m2, Number(m[6]));
  return start && end ? { start, end } : undefined;
}

/** A count of places: a non-negative integer, empty for a dash, 'bad' for anything else. */
export function parseCount(cell: CellValue | undefined): number | undefined | 'bad' {
  if (cell === null || cell === undefined) return undefined;
  if (typeof cell === 'number') return Number.isInteger(cell) && cell >= 0 ? cell : 'bad';
  const t = cellText(cell)
    .replace(/\s+/g, '')
    .replace(/[人名]$/, '');
  if (t === '' || t === '-' || t === '—' || t === '/') return undefined;
  if (/^\d+$/.test(t)) return Number(t);
  return 'bad';
}

const TOTAL_ROW = /^(合计|总计|小计|共计|总数)$/;

/** True for a totals row: one of its cells says 合计, 总计 … (often in the 序号 column, not under 地区). */
export function isTotalsRow(cells: readonly CellValue[]): boolean {
  return cells.some((c) => typeof c === 'string' && TOTAL_ROW.test(cellText(c).replace(/\s+/g, '')));
}
