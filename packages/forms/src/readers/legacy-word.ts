/**
 * Word 97-2003 (.doc) and WPS (.wps, saved by WPS Office in the same binary format), through word-extractor.
 * It gives text only: table cells end in a tab and rows in a line break (a cell of several paragraphs
 * breaks its row across lines), so the grids here are a best effort that keeps a label next to its value.
 */
import WordExtractor from 'word-extractor';
import type { CellValue, RawGrid, RawRow } from '../raw.ts';

/** Text and tab-separated grids of a binary Word document. */
export async function readLegacyWord(bytes: Uint8Array): Promise<{ grids: RawGrid[]; text: string }> {
  const doc = await new WordExtractor().extract(
    Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
  );
  const body = doc.getBody();
  const grids: RawGrid[] = [];
  const textLines: string[] = [];
  let current: RawRow[] | undefined;
  for (const line of body.split('\n')) {
    if (!line.includes('\t')) {
      // A line without a cell mark ends the table it follows: several forms in one file stay apart.
      current = undefined;
      if (line.trim() !== '') textLines.push(line);
      continue;
    }
    if (!current) {
      current = [];
      grids.push({ name: `表格${grids.length + 1}`, rows: current, fromDocument: true });
    }
    const cells: CellValue[] = line.split('\t').map((c) => (c === '' ? null : c));
    while (cells.length > 0 && cells[cells.length - 1] === null) cells.pop();
    current.push({ row: current.length + 1, cells });
  }
  return { grids, text: textLines.join('\n') };
}
