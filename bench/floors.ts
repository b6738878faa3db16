/**
 * The floors: for each stage the least work that gives the same output, so the project can come close to a
 * floor but never under it (min_ratio_to_floor ≥ 0.95). A floor that does more than the project (the old
 * intake floor inflated every part of every attachment, also those no reader opens) is no floor: the
 * project then "beats" it and the ratio says nothing.
 *
 * - intake: boundary scan, base64 decode of the attachments, and of each attachment only the parts the
 *   readers open: a workbook's content types, workbook, its relationships, sheets, shared strings and styles;
 *   a Word document's content types, package relationships and main document; every entry of a plain zip
 *   (each is a file of its own). Spreadsheet XML gets one linear tag scan (SheetJS parses those parts with
 *   regular expressions, a scan per feature, so one scan is below it); the Word main document gets saxes with
 *   a single handler (the project parses it with saxes and many). Legacy files: legacyFloor.
 * - legacy (.xls/.et, .doc/.wps): the same streams read with the same library's lowest-level call. SheetJS's
 *   CFB.read and the Workbook stream for a spreadsheet (the project reads the container, then SheetJS reads
 *   it again to cells); word-extractor's OleCompoundDoc with the WordDocument and table streams buffered
 *   for a Word file (the project runs word-extractor's whole extractor on top of the same reads).
 * - certificates: zipPrecompressed, the static parts deflated once beforehand, one deflate per certificate
 *   of the document part with the student's strings put in.
 */
import { createRequire } from 'node:module';
import * as zlib from 'node:zlib';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import * as XLSX from '@e965/xlsx';
import { SaxesParser } from 'saxes';

const require = createRequire(import.meta.url);

/** What a floor touched: attachments decoded, zip parts inflated, XML tags seen, OLE streams read. */
export interface FloorSummary {
  attachments: number;
  inflated: number;
  tokens: number;
  streams: number;
}

/** One entry of a zip's central directory. */
export interface ZipPart {
  name: string;
  method: number;
  compressed: Buffer;
}

/** The entries of a zip, from its central directory (no data inflated). */
export function zipParts(zip: Buffer): ZipPart[] {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) return [];
  const count = zip.readUInt16LE(eocd + 10);
  let p = zip.readUInt32LE(eocd + 16);
  const out: ZipPart[] = [];
  for (let i = 0; i < count; i++) {
    const method = zip.readUInt16LE(p + 10);
    const csize = zip.readUInt32LE(p + 20);
    const nameLen = zip.readUInt16LE(p + 28);
    const skip = nameLen + zip.readUInt16LE(p + 30) + zip.readUInt16LE(p + 32);
    const local = zip.readUInt32LE(p + 42);
    const name = zip.toString('utf8', p + 46, p + 46 + nameLen);
    p += 46 + skip;
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    out.push({ name, method, compressed: zip.subarray(start, start + csize) });
  }
  return out;
}

function inflatePart(part: ZipPart): Buffer {
  return part.method === 8 ? inflateRawSync(part.compressed) : part.compressed;
}

/** Parts of a workbook the project's reader opens (SheetJS's parse_zip on the prepared package). */
export const XLSX_READ =
  /^(\[Content_Types\]\.xml|xl\/workbook\.xml|xl\/_rels\/workbook\.xml\.rels|xl\/worksheets\/[^/]+\.xml|xl\/sharedStrings\.xml|xl\/styles\.xml)$/;
/** Parts of a Word document the project's reader opens. */
export const DOCX_READ = /^(\[Content_Types\]\.xml|_rels\/\.rels|word\/document\.xml)$/;

/** Which parts of an office zip a reader opens; undefined for a plain archive (every entry is a file). */
export function partsRead(names: string[]): RegExp | undefined {
  if (names.includes('xl/workbook.xml')) return XLSX_READ;
  if (names.includes('word/document.xml')) return DOCX_READ;
  return undefined;
}

/** Counts the tags of an XML text in one linear scan: below any reader of that text. */
export function tagScan(xml: string): number {
  let n = 0;
  for (let i = xml.indexOf('<'); i >= 0; i = xml.indexOf('<', i + 1)) n++;
  return n;
}

/** Runs saxes over an XML text and counts the elements it reported. */
export function tokenize(xml: string): number {
  let n = 0;
  const parser = new SaxesParser();
  parser.on('opentag', () => n++);
  parser.write(xml).close();
  return n;
}

function headerEnd(buf: Buffer, from: number): number {
  const crlf = buf.indexOf('\r\n\r\n', from);
  const lf = buf.indexOf('\n\n', from);
  if (crlf < 0) return lf < 0 ? -1 : lf + 2;
  return lf >= 0 && lf < crlf ? lf + 2 : crlf + 4;
}

/** The base64 attachments of a MIME message, decoded: boundary scan and decode, nothing else. */
export function mimeAttachments(entity: Buffer, out: Buffer[] = []): Buffer[] {
  const end = headerEnd(entity, 0);
  if (end < 0) return out;
  const head = entity.subarray(0, end).toString('latin1');
  const body = entity.subarray(end);
  const boundary = /boundary="?([^";\r\n]+)"?/i.exec(head)?.[1];
  if (/^content-type:\s*multipart\//im.test(head) && boundary) {
    const delim = Buffer.from(`--${boundary}`);
    let pos = body.indexOf(delim);
    while (pos >= 0) {
      const start = body.indexOf('\n', pos) + 1;
      if (start <= 0 || body[pos + delim.length] === 0x2d) break;
      const next = body.indexOf(delim, start);
      mimeAttachments(body.subarray(start, next < 0 ? body.length : next), out);
      pos = next;
    }
    return out;
  }
  if (!/^content-transfer-encoding:\s*base64/im.test(head) || /^content-type:\s*text\//im.test(head))
    return out;
  out.push(Buffer.from(body.toString('latin1'), 'base64'));
  return out;
}

const CFB_MAGIC = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);

/** The intake floor for one raw email (see the module comment). */
export async function intakeFloor(raw: Buffer): Promise<FloorSummary> {
  const out: FloorSummary = { attachments: 0, inflated: 0, tokens: 0, streams: 0 };
  for (const bytes of mimeAttachments(raw)) {
    out.attachments++;
    await fileFloor(bytes, out);
  }
  return out;
}

async function fileFloor(bytes: Buffer, out: FloorSummary): Promise<void> {
  if (bytes[0] === 0x50 && bytes[1] === 0x4b) {
    const parts = zipParts(bytes);
    const read = partsRead(parts.map((p) => p.name));
    for (const part of parts) {
      if (part.name.endsWith('/')) continue;
      if (read && !read.test(part.name)) continue;
      const data = inflatePart(part);
      out.inflated++;
      if (!read) await fileFloor(data, out);
      else if (part.name === 'word/document.xml') out.tokens += tokenize(data.toString('utf8'));
      else out.tokens += tagScan(data.toString('utf8'));
    }
  } else if (bytes.subarray(0, 8).equals(CFB_MAGIC)) {
    out.streams += (await legacyFloor(bytes)).streams;
  }
}

interface OleDoc {
  read(): Promise<void>;
  stream(name: string): NodeJS.ReadableStream;
}

function streamBuffer(stream: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('error', reject);
    stream.on('end', () => resolve(Buffer.concat(chunks)));
  });
}

/**
 * The legacy floor: a spreadsheet's Workbook (or Book) stream through SheetJS's CFB, a Word/WPS file's
 * WordDocument and table streams through word-extractor's OLE reader: the reads the project's readers start
 * with, without turning them into cells or text.
 */
export async function legacyFloor(
  bytes: Buffer,
): Promise<{ kind: 'sheet' | 'word' | 'other'; streams: number; bytes: number }> {
  const cfb = XLSX.CFB.read(bytes, { type: 'buffer' });
  const book = (XLSX.CFB.find(cfb, 'Workbook') ?? XLSX.CFB.find(cfb, 'Book')) as {
    content?: ArrayLike<number>;
  } | null;
  if (book?.content) return { kind: 'sheet', streams: 1, bytes: book.content.length };
  if (!XLSX.CFB.find(cfb, 'WordDocument')) return { kind: 'other', streams: 0, bytes: 0 };
  const OleCompoundDoc = require('word-extractor/lib/ole-compound-doc.js') as new (r: unknown) => OleDoc;
  const BufferReader = require('word-extractor/lib/buffer-reader.js') as new (b: Buffer) => unknown;
  const doc = new OleCompoundDoc(new BufferReader(bytes));
  await doc.read();
  const word = await streamBuffer(doc.stream('WordDocument'));
  // The FIB's fWhichTblStm bit names the table stream, as word-extractor reads it.
  const table = await streamBuffer(doc.stream((word.readUInt16LE(0xa) & 0x0200) !== 0 ? '1Table' : '0Table'));
  return { kind: 'word', streams: 2, bytes: word.length + table.length };
}

/** A part for zipPrecompressed: its name, raw-deflated bytes (or stored), CRC-32 and uncompressed size. */
export interface PackedPart {
  name: string;
  data: Uint8Array;
  crc: number;
  size: number;
  method: 0 | 8;
}

/** Deflates a part once (the certificates floor does this for static parts before it starts timing). */
export function packPart(name: string, content: Uint8Array, method: 0 | 8, level = 6): PackedPart {
  const data = method === 8 ? deflateRawSync(content, { level }) : content;
  return { name, data, crc: crc32(content), size: content.length, method };
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

// Node's own CRC-32 where it has one (20.15+, 22.2+): the floor takes the cheapest way to the same bytes.
const nativeCrc = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;

/** CRC-32 as zip stores it. */
export function crc32(bytes: Uint8Array): number {
  if (nativeCrc) return nativeCrc(bytes);
  return crc32Js(bytes);
}

/** CRC-32 in JavaScript (the reference the tests hold the native one to). */
export function crc32Js(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A zip of already-compressed parts: headers and a central directory around bytes written as they are. */
export function zipPrecompressed(parts: PackedPart[]): Uint8Array {
  const names = parts.map((p) => Buffer.from(p.name, 'utf8'));
  let size = 22;
  for (let i = 0; i < parts.length; i++) size += 30 + 46 + 2 * names[i]!.length + parts[i]!.data.length;
  const out = Buffer.alloc(size);
  const central: number[] = [];
  let p = 0;
  parts.forEach((part, i) => {
    central.push(p);
    const name = names[i]!;
    out.writeUInt32LE(0x04034b50, p);
    out.writeUInt16LE(20, p + 4);
    out.writeUInt16LE(0x0800, p + 6); // UTF-8 names
    out.writeUInt16LE(part.method, p + 8);
    out.writeUInt32LE(part.crc, p + 14);
    out.writeUInt32LE(part.data.length, p + 18);
    out.writeUInt32LE(part.size, p + 22);
    out.writeUInt16LE(name.length, p + 26);
    name.copy(out, p + 30);
    out.set(part.data, p + 30 + name.length);
    p += 30 + name.length + part.data.length;
  });
  const cdStart = p;
  parts.forEach((part, i) => {
    const name = names[i]!;
    out.writeUInt32LE(0x02014b50, p);
    out.writeUInt16LE(20, p + 4);
    out.writeUInt16LE(20, p + 6);
    out.writeUInt16LE(0x0800, p + 8);
    out.writeUInt16LE(part.method, p + 10);
    out.writeUInt32LE(part.crc, p + 16);
    out.writeUInt32LE(part.data.length, p + 20);
    out.writeUInt32LE(part.size, p + 24);
    out.writeUInt16LE(name.length, p + 28);
    out.writeUInt32LE(central[i]!, p + 42);
    name.copy(out, p + 46);
    p += 46 + name.length;
  });
  out.writeUInt32LE(0x06054b50, p);
  out.writeUInt16LE(parts.length, p + 8);
  out.writeUInt16LE(parts.length, p + 10);
  out.writeUInt32LE(p - cdStart, p + 12);
  out.writeUInt32LE(cdStart, p + 16);
  return out.subarray(0, p + 22);
}

/**
 * The smallest ratio to a floor among the pairs that were measured: a floor the project comes in under
 * (below 0.95) does more than the project and is no floor. Null values (not measured) are skipped.
 */
export function minRatioToFloor(ratios: Record<string, number | null>): {
  min: number | null;
  at: string | null;
} {
  let min: number | null = null;
  let at: string | null = null;
  for (const [k, v] of Object.entries(ratios)) {
    if (v === null || !Number.isFinite(v)) continue;
    if (min === null || v < min) {
      min = v;
      at = k;
    }
  }
  return { min, at };
}
