/**
 * xlsx_ratio_to_floor and xlsx_ratio_to_best_peer: the project's 附件4 reader (readAttachment) against the
 * floor (the parts a reader opens, inflated, one tag scan each) and against exceljs and SheetJS reading
 * the same file to rows. Every reader's rows of the first sheet are normalised to text and must equal the
 * project's, or that reader is excluded.
 */
import { readFile } from 'node:fs/promises';
import { inflateRawSync } from 'node:zlib';
import * as XLSX from '@e965/xlsx';
import { type CellValue, readAttachment } from '@lingjun/forms';
import { parseInbound } from '@lingjun/mail';
import ExcelJS from 'exceljs';
import { unzipSync, zipSync } from 'fflate';
import type { Fixtures } from '../fixtures.ts';
import { legacyFloor, tagScan, XLSX_READ, zipParts } from '../floors.ts';
import { measure, type Row } from '../measure.ts';

type Rows = string[][];

function text(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  if (typeof v === 'object') {
    const o = v as { richText?: { text: string }[]; text?: string; result?: unknown };
    if (o.richText)
      return o.richText
        .map((r) => r.text)
        .join('')
        .trim();
    if (o.text !== undefined) return String(o.text).trim();
    if ('result' in o) return text(o.result);
  }
  return String(v).trim();
}

/** Rows as text, trailing empty cells and empty rows dropped: what every reader must agree on. */
function normalise(rows: unknown[][]): Rows {
  const out: Rows = [];
  for (const r of rows) {
    // Array.from, not map: SheetJS leaves holes for empty cells and map would keep them.
    const cells = Array.from(r, text);
    while (cells.length > 0 && cells[cells.length - 1] === '') cells.pop();
    if (cells.length > 0) out.push(cells);
  }
  return out;
}

async function project(bytes: Uint8Array, filename: string): Promise<Rows> {
  const res = await readAttachment({ filename, content: bytes });
  const grid = res.documents[0]?.grids[0];
  if (!grid) throw new Error('project reader returned no grid');
  return normalise(grid.rows.map((r) => r.cells as CellValue[]));
}

async function exceljs(bytes: Uint8Array): Promise<Rows> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) as never);
  const ws = wb.worksheets[0];
  if (!ws) throw new Error('exceljs found no sheet');
  const rows: unknown[][] = [];
  ws.eachRow({ includeEmpty: false }, (row) => {
    const cells: unknown[] = [];
    // exceljs repeats a merged range's value in every cell of it; the other readers keep it in the master.
    row.eachCell({ includeEmpty: false }, (cell, col) => {
      cells[col - 1] = cell.isMerged && cell.master.address !== cell.address ? null : cell.value;
    });
    rows.push(cells);
  });
  return normalise(rows);
}

function sheetjs(bytes: Uint8Array): Rows {
  const wb = XLSX.read(bytes, { type: 'buffer', dense: true, cellDates: true });
  const ws = wb.Sheets[wb.SheetNames[0] ?? ''];
  if (!ws) throw new Error('SheetJS found no sheet');
  return normalise(XLSX.utils.sheet_to_json<unknown[]>(ws, { header: 1, raw: true, blankrows: false }));
}

/**
 * The floor: of the workbook only the parts a reader opens for the rows (bench/floors.ts XLSX_READ: content
 * types, workbook and its rels, the sheets, shared strings, styles for dates), inflated and given one linear
 * tag scan each. Issue 7's floor tokenized with saxes, a full XML parser: on the 30-row form that cost about
 * what SheetJS's whole read does (0.96× in a --quick run), so it bounded nothing from below.
 */
function floor(bytes: Uint8Array): number {
  let tags = 0;
  for (const part of zipParts(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))) {
    if (!XLSX_READ.test(part.name)) continue;
    tags += tagScan((part.method === 8 ? inflateRawSync(part.compressed) : part.compressed).toString('utf8'));
  }
  if (tags === 0) throw new Error('floor found no workbook parts');
  return tags;
}

/**
 * The 附件4 with a million empty styled rows after its data, as a sheet whose formatting was dragged to the
 * bottom arrives (readers-hostile.test.ts checks the rows read; this measures what the empty rows cost).
 */
function withMillionEmptyRows(bytes: Uint8Array): Uint8Array {
  const parts = unzipSync(bytes);
  const path = 'xl/worksheets/sheet1.xml';
  const xml = new TextDecoder().decode(parts[path]);
  const last = Math.max(...[...xml.matchAll(/<row r="(\d+)"/g)].map((m) => Number(m[1])));
  const empty: string[] = [];
  for (let r = last + 1; r <= 1_048_576; r++) empty.push(`<row r="${r}" s="1" customFormat="1" ht="15"/>`);
  parts[path] = new TextEncoder().encode(xml.replace('</sheetData>', `${empty.join('')}</sheetData>`));
  return zipSync(parts, { level: 6 });
}

/**
 * Runs the xlsx stage on the typical (30 rows) and large (100 rows) 附件4, and on the typical one bloated with
 * a million empty styled rows against the same file without them (its floor).
 */
export async function runXlsx(fx: Fixtures): Promise<Row[]> {
  const rows: Row[] = [];
  for (const [name, file] of [
    ['form4-30', fx.form4Typical],
    ['form4-100', fx.form4Large],
  ] as const) {
    const bytes = new Uint8Array(await readFile(file));
    const filename = '附件4-第1期报名汇总表.xlsx';
    rows.push(
      ...(await measure(
        'xlsx',
        name,
        [
          { name: 'project', run: () => project(bytes, filename) },
          { name: 'floor', floor: true, run: () => floor(bytes), repeat: 10 },
          { name: 'exceljs', run: () => exceljs(bytes) },
          { name: 'sheetjs', run: () => sheetjs(bytes) },
        ],
        { warmup: 5, minRuns: 15, maxRuns: 80, maxMs: 12_000, clock: 'cpu', settle: 0.04 },
      )),
    );
  }
  const typical = new Uint8Array(await readFile(fx.form4Typical));
  const bloated = withMillionEmptyRows(typical);
  const filename = '附件4-第1期报名汇总表.xlsx';
  rows.push(
    ...(await measure(
      'xlsx',
      'form4-million-empty-rows',
      [
        { name: 'project', run: () => project(bloated, filename) },
        { name: 'floor', floor: true, run: () => project(typical, filename) },
      ],
      { warmup: 1, minRuns: 5, maxRuns: 15, maxMs: 15_000 },
    )),
  );
  rows.push(...(await runLegacy(fx)));
  return rows;
}

/**
 * Legacy formats (.xls/.et, .doc/.wps) from the sample emails: readAttachment against legacyFloor, the same
 * OLE streams read with the same library's lowest-level call (bench/floors.ts).
 */
export async function runLegacy(fx: Fixtures): Promise<Row[]> {
  const rows: Row[] = [];
  const seen = new Set<string>();
  for (const sample of fx.samples) {
    const mail = await parseInbound(await readFile(sample));
    for (const a of mail.attachments) {
      const ext = /\.([a-z]+)$/i.exec(a.filename)?.[1]?.toLowerCase() ?? '';
      if (!['xls', 'et', 'doc', 'wps'].includes(ext) || seen.has(ext)) continue;
      seen.add(ext);
      const bytes = Buffer.from(a.content);
      const fl = await legacyFloor(bytes);
      if (fl.kind === 'other') continue;
      const got = await measure(
        'legacy',
        `${ext}`,
        [
          {
            name: 'project',
            run: async () => {
              const res = await readAttachment({ filename: a.filename, content: a.content });
              return res.documents.length;
            },
            repeat: 20,
          },
          // ~0.1 ms a run: many runs per sample, or the clock's grain and a busy machine decide the ratio.
          { name: 'floor', floor: true, run: () => legacyFloor(bytes), repeat: 50 },
        ],
        { warmup: 3, minRuns: 15, maxRuns: 80, maxMs: 8000, clock: 'cpu', settle: 0.04 },
      );
      rows.push(...got);
      process.stderr.write(`legacy ${ext}: floor read ${fl.streams} stream(s), ${fl.bytes} bytes\n`);
    }
  }
  return rows;
}
