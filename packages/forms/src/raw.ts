/**
 * What a reader makes of a file before anyone knows which form it is: grids of cells for spreadsheets and
 * Word tables, and the plain text of a Word document. Readers know formats; the form definitions know
 * meaning. This is the seam between them.
 */

/** A cell value as a reader found it. Dates stay dates so 出生年月 can be read from a real date cell. */
export type CellValue = string | number | boolean | Date | null;

/** One row of a grid, with the row number a person sees in the spreadsheet (1-based). */
export interface RawRow {
  row: number;
  cells: CellValue[];
  /**
   * Number formats per cell where the format matters, e.g. to tell that an 18-digit ID stored as a number
   * lost its last digits ('0' / 'General' / '0.00E+00').
   */
  formats?: (string | undefined)[];
}

/** A sheet of a workbook, a CSV file, or one table of a Word document. */
export interface RawGrid {
  /** Sheet name, or `表格1` for the first table of a document. */
  name: string;
  rows: RawRow[];
  /** True for Word tables: rows have no spreadsheet row numbers that a person sees. */
  fromDocument?: boolean;
}

/** One readable file (a zip entry counts as a file of its own). */
export interface RawDocument {
  /** File name as the sender sees it; for zip entries `archive.zip/entry.xlsx`. */
  file: string;
  /** Detected format, from the bytes. */
  format: 'xlsx' | 'xls' | 'et' | 'csv' | 'docx' | 'doc' | 'wps';
  grids: RawGrid[];
  /** Paragraph text (Word documents): label/value pairs may be written outside tables. */
  text?: string;
}

/** A file that could not be read, with the reason in Chinese for the sender. */
export interface UnreadableFile {
  file: string;
  reason: string;
}

/** What reading one attachment gives: documents (a zip may hold several) and files that failed. */
export interface ReadResult {
  documents: RawDocument[];
  unreadable: UnreadableFile[];
}
