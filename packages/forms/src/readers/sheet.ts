/**
 * Spreadsheets (.xlsx, .xls, .et) through SheetJS. Measured against exceljs on a 100-row 附件4, SheetJS read
 * the same values (strings, numbers, dates, rich text, formula results, hyperlink text) in about 5 ms against
 * 17-45 ms, and a sheet of a million empty styled rows in about 0.8 s, so it reads every workbook format.
 */

import * as XLSX from '@e965/xlsx';
import { log, UnreadableFileError } from '@lingjun/core';
import type { CellValue, RawGrid, RawRow } from '../raw.ts';
import type { InflateBudget } from './limits.ts';
import { REASONS } from './reasons.ts';
import { inflateEntry, listZip, type ZipEntry } from './zip.ts';

// SheetJS keeps an error cell's value as the BIFF error code; senders should see the text Excel shows.
const ERROR_TEXT: Record<number, string> = {
  0: '#NULL!',
  7: '#DIV/0!',
  15: '#VALUE!',
  23: '#REF!',
  29: '#NAME?',
  36: '#NUM!',
  42: '#N/A',
  43: '#GETTING_DATA',
};

function cellValue(cell: XLSX.CellObject | undefined): CellValue {
  if (!cell || cell.v === undefined || cell.v === null) return null;
  switch (cell.t) {
    case 's': {
      const s = String(cell.v);
      return s === '' ? null : s;
    }
    case 'n':
    case 'b':
      return cell.v as number | boolean;
    case 'd':
      return cell.v instanceof Date ? cell.v : new Date(String(cell.v));
    case 'e':
      return ERROR_TEXT[cell.v as number] ?? '#ERROR';
    default:
      return null;
  }
}

const WORKSHEET = /^xl\/worksheets\/[^/]+\.xml$/i;
const SHEET_DATA = /<(\w+:)?sheetData\b/;
const EMPTY = new Map<string, RegExp>();
// SheetJS parses every attribute of every row and cell tag and stores each twice (as written and lower-cased),
// yet uses no row attribute but the number, and a cell's style only for its number format, which a shared
// string does not need.
const ROW_TAG = /<row\b[^>/]*?(\sr="\d+")[^>/]*>/g;
const STRING_CELL_STYLE = /(<c r="[A-Z]+\d+") s="\d+"( t="s">)/g;

/**
 * Cells and rows that hold nothing, for a sheet whose elements carry the namespace prefix `ns`: an empty
 * cell `<c r="A9" s="3"/>`, and a row with no cells but empty ones, `<row r="9" s="1" customFormat="1"/>` or
 * `<row r="9"><c r="A9" s="3"/></row>`. Their attributes are numbers, flags and cell references, never a `/`,
 * so `[^>/]*` finds a tag's end without backtracking; one pass, as this runs over the whole sheet.
 */
function emptyElements(ns: string): RegExp {
  let re = EMPTY.get(ns);
  if (!re) {
    const cell = `<${ns}c\\b[^>/]*/>`;
    re = new RegExp(`<${ns}row\\b[^>/]*(?:/>|>(?:\\s*${cell})*\\s*</${ns}row>)|${cell}`, 'g');
    EMPTY.set(ns, re);
  }
  return re;
}

/**
 * A worksheet reduced to its sheetData without empty cells and rows, and without the attributes SheetJS
 * parses for nothing. A sheet of a million empty styled rows (~50 MB of XML) then costs SheetJS nothing; it
 * took SheetJS 0.8-2 s to walk them. The rest of the sheet goes because SheetJS runs a regex per feature
 * (merges, links, margins, filters) over the whole part, data validations (often most of it) included, for
 * things no grid uses.
 */
function cellsOnly(xml: string): string {
  const open = SHEET_DATA.exec(xml);
  if (!open) return xml;
  const ns = open[1] ?? '';
  const end = `</${ns}sheetData>`;
  const close = xml.indexOf(end, open.index);
  if (close < 0) return xml;
  return xml
    .slice(open.index, close + end.length)
    .replace(emptyElements(ns), '')
    .replace(ROW_TAG, '<row$1>')
    .replace(STRING_CELL_STYLE, '$1$2');
}

// Number formats that Chinese Excel and WPS reference by id without writing their definition (ECMA-376
// 18.8.30, zh-CN). SheetJS knows none of them: with cellDates it drops the whole sheet without a word.
const ZH_CN_FORMATS: Record<number, string> = {
  27: 'yyyy"年"m"月"',
  28: 'm"月"d"日"',
  29: 'm"月"d"日"',
  30: 'm-d-yy',
  31: 'yyyy"年"m"月"d"日"',
  32: 'h"时"mm"分"',
  33: 'h"时"mm"分"ss"秒"',
  34: 'AM/PM h"时"mm"分"',
  35: 'AM/PM h"时"mm"分"ss"秒"',
  36: 'yyyy"年"m"月"',
  50: 'yyyy"年"m"月"',
  51: 'm"月"d"日"',
  52: 'yyyy"年"m"月"',
  53: 'm"月"d"日"',
  54: 'm"月"d"日"',
  55: 'AM/PM h"时"mm"分"',
  57: 'yyyy"年"m"月"',
  58: 'm"月"d"日"',
};
// Ids SheetJS formats without a definition (its built-in table).
const SHEETJS_BUILTIN = new Set([
  0, 1, 2, 3, 4, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 37, 38, 39, 40,
]);
for (const id of [45, 46, 47, 48, 49, 56]) SHEETJS_BUILTIN.add(id);

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

/**
 * Gives every number format id the styles use a definition SheetJS can apply: zh-CN built-ins get their
 * Chinese date formats, ids defined nowhere fall back to General (Excel shows them as General too).
 */
export function repairStyles(xml: string): string {
  const defined = new Set(
    [...xml.matchAll(/<(?:\w+:)?numFmt\b[^>]*numFmtId="(\d+)"/g)].map((m) => Number(m[1])),
  );
  const added = new Map<number, string>();
  const fixed = xml.replace(
    /(<(?:\w+:)?xf\b[^>]*\bnumFmtId=")(\d+)"/g,
    (all, head: string, idText: string) => {
      const id = Number(idText);
      if (defined.has(id) || SHEETJS_BUILTIN.has(id)) return all;
      const code = ZH_CN_FORMATS[id];
      if (code === undefined) return `${head}0"`;
      added.set(id, code);
      return all;
    },
  );
  if (added.size === 0) return fixed;
  const defs = [...added]
    .map(([id, code]) => `<numFmt numFmtId="${id}" formatCode="${escapeXml(code)}"/>`)
    .join('');
  if (/<(?:\w+:)?numFmts\b[^>]*>/.test(fixed)) {
    return fixed.replace(/(<(?:\w+:)?numFmts\b[^>]*>)/, `$1${defs}`);
  }
  // numFmts must come first in styleSheet; SheetJS does not mind a missing count.
  return fixed.replace(/(<(?:\w+:)?styleSheet\b[^>]*>)/, `$1<numFmts>${defs}</numFmts>`);
}

// XLSX.read of a zip is SheetJS's own unzip, then this; the package exports it, its types do not declare it.
// What read does besides (sniffing the type, resetting the code page of BIFF strings) does not concern a zip.
const parseZip = (
  XLSX as unknown as { parse_zip: (zip: PreparedXlsx, opts: XLSX.ParsingOptions) => XLSX.WorkBook }
).parse_zip;

// XLSX.read of an OLE file is CFB.read, then this on the container (after a check for an encrypted package,
// which readOle makes itself); exported by the package, not declared by its types.
const parseCfb = (
  XLSX as unknown as { parse_xlscfb: (cfb: unknown, opts: XLSX.ParsingOptions) => XLSX.WorkBook }
).parse_xlscfb;

/** An OLE compound file (.xls, .et) as SheetJS's CFB.read returned it. */
export interface OleWorkbook {
  cfb: unknown;
}

// Document properties are the only parts SheetJS reads whose result (wb.Props) no grid uses.
const UNUSED_PART = /^docProps\//i;

/** One part as SheetJS's zip container holds it, its text inflated on first read. */
interface LazyPart {
  name: string;
  readonly data: string;
}

/** An xlsx package in the shape of the zip container SheetJS's parse_zip reads. */
export interface PreparedXlsx {
  FullPaths: string[];
  FileIndex: LazyPart[];
  /** The first part that failed to inflate; SheetJS swallows errors of most parts it reads. */
  failure?: unknown;
}

/**
 * SheetJS reads parts as byte strings (one char per byte of UTF-8) and decodes text itself; latin1 is the
 * cheapest way there, and ASCII patterns match its bytes as they would the text, since every byte of a
 * multi-byte UTF-8 character is >= 0x80.
 */
function preparePart(name: string, data: Uint8Array): string {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const utf16 =
    buf[0] === 0xff && buf[1] === 0xfe
      ? 'utf-16le'
      : buf[0] === 0xfe && buf[1] === 0xff
        ? 'utf-16be'
        : undefined;
  if (utf16 && !name.endsWith('.bin')) {
    // As SheetJS's own unzip does with a part written in UTF-16.
    const text = new TextDecoder(utf16).decode(buf);
    return preparePart(name, Buffer.from(text, 'utf8'));
  }
  if (name === 'xl/styles.xml') {
    return Buffer.from(repairStyles(buf.toString('utf8')), 'utf8').toString('latin1');
  }
  const text = WORKSHEET.test(name) ? cellsOnly(buf.toString('latin1')) : buf.toString('latin1');
  return name.endsWith('.bin') ? text : decodeCharRefs(text);
}

const CHAR_REF = /&#(?:[xX]([0-9a-fA-F]{1,8})|([0-9]{1,10}));/g;

/**
 * Numeric character references (`&#134071;`, `&#x20BB7;`, as openpyxl and other XML writers store
 * characters) in a part held as a byte string, replaced by the character's UTF-8 bytes. SheetJS decodes them
 * with String.fromCharCode, which keeps only the low 16 bits: 𠮷 (U+20BB7) became ஷ. References below U+0080
 * stay, as they may stand for markup (`&#60;`); so do surrogates and U+FFFE/U+FFFF, which are no characters
 * (a pair written as two references still reaches SheetJS whole and is joined there).
 */
export function decodeCharRefs(bytes: string): string {
  if (!bytes.includes('&#')) return bytes;
  return bytes.replace(CHAR_REF, (ref, hex: string | undefined, dec: string | undefined) => {
    const cp = hex !== undefined ? Number.parseInt(hex, 16) : Number(dec);
    if (cp < 0x80 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || cp === 0xfffe || cp === 0xffff) {
      return ref;
    }
    return Buffer.from(String.fromCodePoint(cp), 'utf8').toString('latin1');
  });
}

/**
 * Hands SheetJS the package's parts without a repack: each part is inflated (under the budget, as SheetJS
 * trusts the archive and would inflate a bomb without a limit) only when SheetJS reads it, so themes, printer
 * settings, images and the like never are. `entries` and `inflated` are what the caller has already listed
 * and inflated (the content types, read to tell the format), so nothing is listed or inflated twice.
 */
export function prepareXlsx(
  bytes: Uint8Array,
  budget: InflateBudget,
  entries: readonly ZipEntry[] = listZip(bytes, budget),
  inflated: ReadonlyMap<string, Uint8Array> = new Map(),
): PreparedXlsx {
  const prepared: PreparedXlsx = { FullPaths: [], FileIndex: [] };
  for (const entry of entries) {
    // Part names are absolute in OOXML; some writers store them so, SheetJS looks them up without the slash.
    const name = entry.name.replace(/^\//, '');
    if (name.endsWith('/') || UNUSED_PART.test(name)) continue;
    let data: string | undefined;
    prepared.FullPaths.push(name);
    prepared.FileIndex.push({
      name,
      get data() {
        if (data === undefined) {
          try {
            data = preparePart(name, inflated.get(entry.name) ?? inflateEntry(bytes, entry, budget));
          } catch (error) {
            prepared.failure ??= error;
            throw error;
          }
        }
        return data;
      },
    });
  }
  return prepared;
}

// A fresh copy per read: SheetJS writes into the options object (defaults, metadata of the workbook).
function readOptions(): XLSX.ParsingOptions {
  return {
    dense: true,
    cellDates: true,
    cellNF: true,
    cellText: false,
    cellHTML: false,
    cellFormula: false,
    cellStyles: false,
    bookVBA: false,
  };
}

function parse(input: Uint8Array | PreparedXlsx | OleWorkbook): XLSX.WorkBook {
  if (input instanceof Uint8Array) return XLSX.read(input, { type: 'buffer', ...readOptions() });
  if ('cfb' in input) return parseCfb(input.cfb, { type: 'buffer', ...readOptions() });
  // A part we refused to inflate (budget, damage, encryption) decides the outcome, whatever SheetJS made of it.
  let wb: XLSX.WorkBook;
  try {
    wb = parseZip(input, readOptions());
  } catch (cause) {
    throw input.failure ?? cause;
  }
  if (input.failure !== undefined) throw input.failure;
  return wb;
}

/**
 * Reads every sheet of a workbook (an .xls/.et file's bytes or container, or a prepared xlsx) into grids; empty rows are
 * left out, row numbers are Excel's.
 */
export function readWorkbook(
  input: Uint8Array | PreparedXlsx | OleWorkbook,
  budget: InflateBudget,
): RawGrid[] {
  let wb: XLSX.WorkBook;
  try {
    wb = parse(input);
  } catch (cause) {
    if (cause instanceof UnreadableFileError) throw cause;
    const message = String((cause as Error)?.message ?? cause);
    if (/password|encrypt/i.test(message)) throw new UnreadableFileError(REASONS.encrypted, { cause });
    throw new UnreadableFileError(REASONS.corrupt, { cause });
  }
  const maxRows = budget.limits.maxRows;
  const grids: RawGrid[] = [];
  const lost = wb.SheetNames.filter((name) => !wb.Sheets[name]);
  // SheetJS drops a sheet it fails on without an error; a workbook with nothing left is damaged for us.
  if (lost.length > 0 && lost.length === wb.SheetNames.length) throw new UnreadableFileError(REASONS.corrupt);
  if (lost.length > 0) log.warn('sheets dropped by the spreadsheet parser', { count: lost.length });
  for (const name of wb.SheetNames) {
    const ws = wb.Sheets[name];
    if (!ws) continue;
    const data = (ws['!data'] ?? []) as (XLSX.CellObject[] | undefined)[];
    const rows: RawRow[] = [];
    // A dense sheet stores no objects for empty rows, so a million styled empty rows cost nothing here.
    for (let r = 0; r < data.length; r++) {
      const src = data[r];
      if (!src) continue;
      const cells: CellValue[] = [];
      const formats: (string | undefined)[] = [];
      let hasFormat = false;
      let last = -1;
      for (let c = 0; c < src.length; c++) {
        const cell = src[c];
        const v = cellValue(cell);
        cells.push(v);
        let fmt: string | undefined;
        // The format matters only for numbers and dates: it tells an ID typed as a number from a real one.
        if (cell && (cell.t === 'n' || cell.t === 'd') && cell.z !== undefined) {
          fmt = String(cell.z);
          hasFormat = true;
        }
        formats.push(fmt);
        if (v !== null) last = c;
      }
      if (last < 0) continue;
      if (r + 1 > maxRows) throw new UnreadableFileError(REASONS.tooManyRows(name, maxRows));
      cells.length = last + 1;
      const row: RawRow = { row: r + 1, cells };
      if (hasFormat) {
        formats.length = last + 1;
        row.formats = formats;
      }
      rows.push(row);
    }
    grids.push({ name, rows });
  }
  return grids;
}
