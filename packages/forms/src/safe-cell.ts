import type { Cell } from 'exceljs';

/**
 * Formula-injection guard for every workbook the system writes (templates, annotated replies, rosters).
 *
 * Senders control the text we copy into workbooks that officials then open. A value such as
 * `=HYPERLINK("http://…","点击")`, `+1`, `-2` or `@SUM(…)` must stay text.
 *
 * Choice: in a workbook we keep the value EXACTLY as written and make the cell a typed string cell with the
 * text number format '@'. A string cell (`t="s"`) is never evaluated when the file is opened; the text format
 * additionally keeps Excel, WPS and LibreOffice from turning it into a formula when someone edits the cell
 * (F2, Enter), which is what Excel's own quotePrefix does (exceljs cannot write quotePrefix). Prefixing an
 * apostrophe instead would change the data: in a file the apostrophe is a real character, so the roster would
 * say `'+86 138…` and a read-back would not match what the sender wrote.
 *
 * For sinks that have no cell types (CSV, plain text pasted into a sheet) `safeCellText` adds the apostrophe,
 * which is the OWASP recommendation there.
 */

/** Characters that make a spreadsheet application read the rest of the cell as a formula (or DDE). */
const FORMULA_START = /^[=+\-@\t\r\n＝＋－＠]/;

/** True when a spreadsheet application could take this text as a formula. */
export function isFormulaLike(text: string): boolean {
  return FORMULA_START.test(text);
}

/** Text for a sink without cell types (CSV): a leading apostrophe when the text could run as a formula. */
export function safeCellText(text: string): string {
  return isFormulaLike(text) ? `'${text}` : text;
}

/**
 * Writes text into an exceljs cell so it can never run as a formula: always a string cell (never a formula
 * object), and formatted as text when it starts like a formula. Empty text clears the cell.
 */
export function setCellText(cell: Cell, text: string | null | undefined): void {
  if (text === null || text === undefined || text === '') {
    cell.value = null;
    return;
  }
  cell.value = String(text);
  // A new style object: cells loaded from a file share style objects, so mutating one would restyle others.
  if (isFormulaLike(cell.value)) cell.style = { ...cell.style, numFmt: '@' };
}
