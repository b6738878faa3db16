/**
 * The bureau's sheets as tables, whatever they came in: .xlsx/.xls/.et workbooks, .docx tables and
 * .doc/.wps tables (WPS Writer saves the Word 97 binary), read by the forms package's readers so that one
 * reader serves every format. Finding the header row is shared by the schedule and the quota table.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { CellValue, RawGrid, RawRow } from '@lingjun/forms';
import { readAttachment } from '@lingjun/forms/readers';
import { ImportError } from './types.ts';
import { headerKey } from './values.ts';

/** Reads every table of a file; throws ImportError with the reader's Chinese reason when it cannot. */
export async function readTables(file: string): Promise<RawGrid[]> {
  let content: Buffer;
  try {
    content = await readFile(file);
  } catch (cause) {
    throw new ImportError(`无法读取 ${file}：${(cause as Error).message}`, { cause });
  }
  const name = basename(file);
  const { documents, unreadable } = await readAttachment({ filename: name, content });
  const grids = documents.flatMap((d) => d.grids);
  if (grids.length === 0) {
    const reason = unreadable[0]?.reason ?? '文件中没有表格';
    throw new ImportError(`${name} 无法读取：${reason}`);
  }
  return grids;
}

/** The header of a table and where its data starts. */
export interface HeaderMatch {
  grid: RawGrid;
  /** Index in grid.rows of the first row after the header. */
  dataStart: number;
  /** Header text per column (two-row headers combined). */
  keys: string[];
}

/**
 * Finds the header row: the first row (within the first 15) with an exact header cell for every required
 * column. Title rows above it are skipped, whatever their merges. When the next row carries sub-headers
 * (合计 / 第1期 … under a merged 名额), the two rows are combined column by column.
 */
export function findHeader(
  grids: RawGrid[],
  required: RegExp[],
  subHeader: (key: string) => boolean,
): HeaderMatch | undefined {
  for (const grid of grids) {
    const limit = Math.min(grid.rows.length, 15);
    for (let i = 0; i < limit; i++) {
      const keys = grid.rows[i]!.cells.map(headerKey);
      if (!required.every((re) => keys.some((k) => re.test(k)))) continue;
      const nextCells: CellValue[] = grid.rows[i + 1]?.cells ?? [];
      const next = nextCells.map(headerKey);
      // A sub-header row leaves the first required column empty (or repeats it, when a reader fills
      // merged cells) and has header words, not numbers: a data row has a value there.
      const anchor = keys.findIndex((k) => required[0]!.test(k));
      const anchorFree = !next[anchor] || next[anchor] === keys[anchor];
      const words = nextCells.filter((c) => typeof c === 'string').map(headerKey);
      if (anchorFree && words.some((k) => k && subHeader(k))) {
        const width = Math.max(keys.length, next.length);
        const combined = Array.from({ length: width }, (_, c) => next[c] || keys[c] || '');
        return { grid, dataStart: i + 2, keys: combined };
      }
      return { grid, dataStart: i + 1, keys };
    }
  }
  return undefined;
}

/** Index of the first column whose header matches; -1 when none does. */
export function column(keys: string[], re: RegExp): number {
  return keys.findIndex((k) => re.test(k));
}

/** Where a row is, for messages: 附件2.xlsx 第5行, or 附件2.docx 表格1第5行 for a Word table. */
export function rowLabel(file: string, grid: RawGrid, row: RawRow): string {
  return grid.fromDocument
    ? `${basename(file)} ${grid.name}第${row.row}行`
    : `${basename(file)} 第${row.row}行`;
}
