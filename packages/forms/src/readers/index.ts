/**
 * The readers: bytes of an attachment -> RawDocument[]. The type comes from the bytes, never from the name
 * alone (a .xls that is really .xlsx still reads); the name only tells apart formats whose bytes are the
 * same (.et from .xls, .wps from .doc). Every failure becomes an UnreadableFile with a Chinese reason.
 */

import { log, once, UnreadableFileError } from '@lingjun/core';
import type { RawDocument, ReadResult } from '../raw.ts';
import { DEFAULT_LIMITS, InflateBudget, type ReadLimits } from './limits.ts';
import { REASONS } from './reasons.ts';
import { decodeText, guessDelimiter, parseDelimited } from './text.ts';
import { inflateEntry, isZip, listZip, type ZipEntry } from './zip.ts';

export type { ReadLimits } from './limits.ts';
export {
  DEFAULT_LIMITS,
  MAX_ENTRIES,
  MAX_RATIO,
  MAX_ROWS,
  MAX_TOTAL_UNCOMPRESSED,
  MAX_ZIP_DEPTH,
} from './limits.ts';
export { REASONS as UNREADABLE_REASONS } from './reasons.ts';

/** An attachment as the mail layer hands it over. */
export interface AttachmentFile {
  filename: string;
  content: Uint8Array;
  contentType?: string;
}

const OFFICE_EXT = new Set(['xlsx', 'xlsm', 'xls', 'et', 'ett', 'docx', 'docm', 'doc', 'wps', 'wpt', 'zip']);
const CFB_MAGIC = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];
// Names of files that zip tools add on their own and that no sender meant to send.
const JUNK = /(^|\/)(__MACOSX\/|\.DS_Store$|Thumbs\.db$|desktop\.ini$|\._)/i;

// Each format's reader is loaded on first use (SheetJS for spreadsheets and OLE files, word-extractor for
// .doc/.wps, saxes for .docx): a Lambda cold start compiles none of them for mail that carries no such file
// (reports, automatic replies, redeliveries), and the bundler puts them in chunks of their own (npm run bench).
// once(): import() resolves the module again on every call, about 1 ms per attachment under tsx's loader
// hooks (CLI, tests, npm run bench).
const sheets = once(() => import('./sheet.ts'));
const cfbReader = once(() => import('./cfb.ts'));
const legacyWord = once(() => import('./legacy-word.ts'));
const docxReader = once(() => import('./docx.ts'));

function startsWith(bytes: Uint8Array, sig: readonly number[]): boolean {
  return sig.every((b, i) => bytes[i] === b);
}

function ext(name: string): string {
  return /\.([a-z0-9]+)$/i.exec(name)?.[1]?.toLowerCase() ?? '';
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** What a magic number says, for files we do not read: named so the sender knows what we received. */
function binaryKind(bytes: Uint8Array): string | undefined {
  const ascii = String.fromCharCode(...bytes.subarray(0, 8));
  if (ascii.startsWith('%PDF')) return 'PDF';
  if (startsWith(bytes, [0xff, 0xd8, 0xff]) || ascii.startsWith('\x89PNG') || ascii.startsWith('GIF8')) {
    return '图片';
  }
  if (ascii.startsWith('Rar!')) return 'RAR 压缩包，请改用 zip';
  if (startsWith(bytes, [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c])) return '7z 压缩包，请改用 zip';
  if (startsWith(bytes, [0x1f, 0x8b])) return 'gzip 压缩包，请改用 zip';
  if (ascii.startsWith('MZ')) return '可执行程序';
  if (ascii.startsWith('{\\rtf')) return 'RTF';
  return undefined;
}

/** Reads one workbook stream's first substream and reports whether it carries a FilePass (encryption) record. */
function xlsEncrypted(stream: Uint8Array): boolean {
  const view = new DataView(stream.buffer, stream.byteOffset, stream.byteLength);
  for (let p = 0; p + 4 <= stream.length; ) {
    const type = view.getUint16(p, true);
    if (type === 0x002f) return true;
    if (type === 0x000a) return false;
    p += 4 + view.getUint16(p + 2, true);
  }
  return false;
}

/** The fEncrypted bit of a Word binary document's File Information Block. */
function docEncrypted(stream: Uint8Array): boolean {
  if (stream.length < 12) return false;
  return ((stream[0x0b] ?? 0) & 0x01) !== 0;
}

// @e965/xlsx types CFB as `any`; this is the part of its container we use.
interface CfbContainer {
  FullPaths: string[];
}

interface Context {
  budget: InflateBudget;
  out: ReadResult;
}

async function readOle(file: string, bytes: Uint8Array, ctx: Context): Promise<RawDocument> {
  const { CFB } = await cfbReader();
  let cfb: CfbContainer;
  try {
    cfb = CFB.read(toBuffer(bytes), { type: 'buffer' }) as CfbContainer;
  } catch (cause) {
    throw new UnreadableFileError(REASONS.corrupt, { cause });
  }
  const paths = cfb.FullPaths.map((p) => p.toLowerCase());
  const has = (name: string) => paths.some((p) => p.endsWith(`/${name}`) || p.endsWith(`/${name}/`));
  // An encrypted .xlsx/.docx is an OLE container holding the encrypted package.
  if (has('encryptioninfo') || has('encryptedpackage')) throw new UnreadableFileError(REASONS.encrypted);
  if (has('_vba_project_cur') || has('macros') || has('vba')) throw new UnreadableFileError(REASONS.macro);
  const stream = (name: string): Uint8Array | undefined => {
    const entry = CFB.find(cfb, name) as { content?: ArrayLike<number> } | null;
    if (!entry?.content) return undefined;
    // CFB gives a Buffer for a file read as a buffer; copying it byte by byte cost more than reading it.
    return entry.content instanceof Uint8Array ? entry.content : Uint8Array.from(entry.content);
  };
  const workbook = stream('Workbook') ?? stream('Book');
  if (workbook) {
    if (xlsEncrypted(workbook)) throw new UnreadableFileError(REASONS.encrypted);
    const format = ext(file) === 'et' || ext(file) === 'ett' ? 'et' : 'xls';
    const { readWorkbook } = await sheets();
    // The container just read, not the bytes: SheetJS would read the whole container again.
    return { file, format, grids: readWorkbook({ cfb }, ctx.budget) };
  }
  const word = stream('WordDocument');
  if (word) {
    if (docEncrypted(word)) throw new UnreadableFileError(REASONS.encrypted);
    const format = ext(file) === 'wps' || ext(file) === 'wpt' ? 'wps' : 'doc';
    const { readLegacyWord } = await legacyWord();
    const { grids, text } = await readLegacyWord(bytes);
    return { file, format, grids, text };
  }
  throw new UnreadableFileError(
    REASONS.unsupported(has('powerpoint document') ? 'PowerPoint' : 'OLE 复合文档'),
  );
}

async function readZip(file: string, bytes: Uint8Array, depth: number, ctx: Context): Promise<void> {
  const { budget } = ctx;
  const entries = listZip(bytes, budget);
  // Part names are absolute in OOXML ("/xl/workbook.xml" in content types) and stored without the slash.
  const parts = new Map(entries.map((e) => [e.name.replace(/^\//, ''), e]));
  const contentTypes = parts.get('[Content_Types].xml');
  if (contentTypes) {
    const typesBytes = inflateEntry(bytes, contentTypes, budget);
    const types = new TextDecoder().decode(typesBytes);
    const names = [...parts.keys()];
    // Only an Override names a part's type; writers list macro types among their Defaults for no reason.
    const overrides = [...types.matchAll(/<Override\b[^>]*ContentType="([^"]*)"/g)].map((m) => m[1] ?? '');
    if (overrides.some((t) => /macroEnabled/i.test(t)) || names.some((n) => /vbaProject\.bin$/i.test(n))) {
      throw new UnreadableFileError(REASONS.macro);
    }
    if (parts.has('xl/workbook.xml')) {
      const { prepareXlsx, readWorkbook } = await sheets();
      ctx.out.documents.push({
        file,
        format: 'xlsx',
        grids: readWorkbook(
          prepareXlsx(bytes, budget, entries, new Map([[contentTypes.name, typesBytes]])),
          budget,
        ),
      });
      return;
    }
    if (parts.has('xl/workbook.bin')) throw new UnreadableFileError(REASONS.xlsb);
    if (parts.has('word/document.xml') || /wordprocessingml\.document\.main/.test(types)) {
      const { readDocx } = await docxReader();
      const { grids, text } = readDocx(bytes, parts, budget);
      ctx.out.documents.push({ file, format: 'docx', grids, text });
      return;
    }
    if (names.some((n) => n.startsWith('ppt/')))
      throw new UnreadableFileError(REASONS.unsupported('PowerPoint'));
  }
  if (parts.has('mimetype')) throw new UnreadableFileError(REASONS.ods);
  // A plain archive: every entry is a file of its own.
  if (depth > budget.limits.maxZipDepth)
    throw new UnreadableFileError(REASONS.tooDeep(budget.limits.maxZipDepth));
  const before = ctx.out.documents.length + ctx.out.unreadable.length;
  await readEntries(file, bytes, entries, depth, ctx);
  // An archive of only folders and junk would otherwise vanish without a word to the sender.
  if (ctx.out.documents.length + ctx.out.unreadable.length === before) {
    throw new UnreadableFileError(REASONS.emptyZip);
  }
}

async function readEntries(
  file: string,
  bytes: Uint8Array,
  entries: ZipEntry[],
  depth: number,
  ctx: Context,
): Promise<void> {
  const { budget } = ctx;
  for (const entry of entries) {
    const { name } = entry;
    if (name.endsWith('/') || JUNK.test(name)) continue;
    const shown = `${file}/${name}`;
    if (name.startsWith('/') || /^[a-z]:/i.test(name) || name.split('/').includes('..')) {
      ctx.out.unreadable.push({ file: shown, reason: REASONS.unsafePath(name) });
      continue;
    }
    let content: Uint8Array;
    try {
      content = inflateEntry(bytes, entry, budget);
    } catch (error) {
      // Running out of budget ends the whole archive: the rest would fail the same way.
      ctx.out.unreadable.push({ file: shown, reason: reasonOf(error) });
      if (budget.remaining <= 0 || (error as UnreadableFileError).reason === REASONS.tooLarge) return;
      continue;
    }
    await readAny(shown, content, depth + 1, ctx);
  }
}

function reasonOf(error: unknown): string {
  if (error instanceof UnreadableFileError) return error.reason;
  // Any other failure inside a parser means bytes it could not make sense of.
  log.warn('reader failed', { error });
  return REASONS.corrupt;
}

async function readAny(file: string, bytes: Uint8Array, depth: number, ctx: Context): Promise<void> {
  try {
    if (bytes.length === 0) throw new UnreadableFileError(REASONS.emptyText);
    if (isZip(bytes)) {
      await readZip(file, bytes, depth, ctx);
      return;
    }
    if (startsWith(bytes, CFB_MAGIC)) {
      ctx.out.documents.push(await readOle(file, bytes, ctx));
      return;
    }
    const kind = binaryKind(bytes);
    if (kind) throw new UnreadableFileError(REASONS.unsupported(kind));
    const text = decodeText(bytes);
    const e = ext(file);
    if (text !== undefined && !/^\s*</.test(text)) {
      const delimiter = guessDelimiter(text) ?? (e === 'csv' || e === 'tsv' ? ',' : undefined);
      if (delimiter) {
        const name = file.replace(/^.*\//, '').replace(/\.[^.]*$/, '') || file;
        const grid = parseDelimited(text, delimiter, name, ctx.budget.limits.maxRows);
        ctx.out.documents.push({ file, format: 'csv', grids: [grid] });
        return;
      }
    }
    // An office extension on bytes no office program wrote: most likely a damaged or truncated file.
    if (OFFICE_EXT.has(e) && text === undefined) throw new UnreadableFileError(REASONS.corrupt);
    const label = text !== undefined && /^\s*</.test(text) ? '网页或 XML' : e ? `.${e}` : '未知';
    throw new UnreadableFileError(REASONS.unsupported(label));
  } catch (error) {
    ctx.out.unreadable.push({ file, reason: reasonOf(error) });
  }
}

/**
 * Reads one attachment into documents (a zip gives one per readable entry) and unreadable files with a
 * Chinese reason. Never throws for bad input; nothing is written to disk.
 */
export async function readAttachment(
  file: AttachmentFile,
  limits?: Partial<ReadLimits>,
): Promise<ReadResult> {
  const ctx: Context = {
    budget: new InflateBudget({ ...DEFAULT_LIMITS, ...limits }),
    out: { documents: [], unreadable: [] },
  };
  await readAny(file.filename, file.content, 1, ctx);
  return ctx.out;
}
