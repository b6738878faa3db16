/**
 * Delimited text (.csv, .tsv, Excel's "Unicode text"): decoding and parsing. Chinese Excel saves CSV in
 * GB18030/GBK, WPS and web systems in UTF-8 with or without a BOM, "Unicode text" in UTF-16LE with tabs.
 */
import { decodeUnlabelled, UnreadableFileError } from '@lingjun/core';
import type { CellValue, RawGrid, RawRow } from '../raw.ts';
import { REASONS } from './reasons.ts';

/** Decodes text bytes, or returns undefined when they do not look like text at all. */
export function decodeText(bytes: Uint8Array): string | undefined {
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) {
    return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  }
  const head = bytes.subarray(0, 4096);
  if (head.includes(0)) return undefined;
  let text = decodeUnlabelled(bytes);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  // Control characters other than tab and line ends mean a binary file that happened to decode.
  const sample = text.slice(0, 4096);
  if (/[\x00-\x08\x0b\x0c\x0e-\x1f\ufffd]/.test(sample)) return undefined;
  return text;
}

/** The delimiter of the first lines: tab when tabs are at least as common as commas. */
export function guessDelimiter(text: string): ',' | '\t' | undefined {
  const head = text.slice(0, 8192);
  const tabs = head.split('\t').length - 1;
  const commas = head.split(',').length - 1;
  if (tabs === 0 && commas === 0) return undefined;
  return tabs >= commas ? '\t' : ',';
}

/**
 * Parses RFC 4180 delimited text (quoted fields may hold delimiters, doubled quotes and line breaks).
 * Values stay strings, so an ID number keeps its digits; empty rows are left out.
 */
export function parseDelimited(text: string, delimiter: string, name: string, maxRows: number): RawGrid {
  const rows: RawRow[] = [];
  let cells: CellValue[] = [];
  let field = '';
  let quoted = false;
  let rowNo = 1;
  let i = 0;
  const endField = () => {
    cells.push(field === '' ? null : field);
    field = '';
  };
  const endRow = () => {
    endField();
    if (cells.some((c) => c !== null)) {
      if (rowNo > maxRows) throw new UnreadableFileError(REASONS.tooManyRows(name, maxRows));
      while (cells.length > 0 && cells[cells.length - 1] === null) cells.pop();
      rows.push({ row: rowNo, cells });
    }
    cells = [];
    rowNo++;
  };
  while (i < text.length) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else {
        field += ch;
      }
      i++;
      continue;
    }
    if (ch === '"' && field === '') {
      quoted = true;
    } else if (ch === delimiter) {
      endField();
    } else if (ch === '\r' || ch === '\n') {
      endRow();
      if (ch === '\r' && text[i + 1] === '\n') i++;
    } else {
      field += ch;
    }
    i++;
  }
  if (field !== '' || cells.length > 0) endRow();
  return { name, rows };
}
