/**
 * Word 2007+ (.docx): the main document part parsed with saxes. Every table becomes a grid whose columns
 * follow the table grid (a cell spanning columns keeps its value in the first column and null in the rest;
 * a vertically merged continuation is null), and paragraphs outside tables become `text`.
 */
import { UnreadableFileError } from '@lingjun/core';
import { SaxesParser } from 'saxes';
import type { CellValue, RawGrid, RawRow } from '../raw.ts';
import type { InflateBudget } from './limits.ts';
import { REASONS } from './reasons.ts';
import { inflateEntry, type ZipEntry } from './zip.ts';

const W_NS = new Set([
  'http://schemas.openxmlformats.org/wordprocessingml/2006/main',
  'http://purl.oclc.org/ooxml/wordprocessingml/main',
]);
const MC_NS = 'http://schemas.openxmlformats.org/markup-compatibility/2006';
const utf8 = new TextDecoder('utf-8');

interface Cell {
  paras: string[];
  span: number;
  continued: boolean;
}
interface Table {
  index: number;
  rows: RawRow[];
  row: CellValue[] | undefined;
  cell: Cell | undefined;
}

/** The main document part's path, from the package relationships (it is not always word/document.xml). */
export function mainDocumentPath(
  bytes: Uint8Array,
  parts: Map<string, ZipEntry>,
  budget: InflateBudget,
): string | undefined {
  const rels = parts.get('_rels/.rels');
  if (rels) {
    const xml = utf8.decode(inflateEntry(bytes, rels, budget));
    for (const m of xml.matchAll(/<Relationship\b[^>]*>/g)) {
      const tag = m[0];
      if (!/Type="[^"]*\/officeDocument"/.test(tag)) continue;
      const target = /Target="([^"]+)"/.exec(tag)?.[1];
      if (target) {
        const path = target.replace(/^\//, '');
        if (parts.has(path)) return path;
      }
    }
  }
  return parts.has('word/document.xml') ? 'word/document.xml' : undefined;
}

/** An attribute's value by its local name, whatever prefix the writer gave it (`w:val`, `val`). */
function attr(attributes: Record<string, string>, local: string): string | undefined {
  // Word writes `w:val`; looking it up first spares walking the attributes of every merged cell.
  const common = attributes[`w:${local}`];
  if (common !== undefined) return common;
  for (const key in attributes) {
    const colon = key.indexOf(':');
    if ((colon < 0 ? key : key.slice(colon + 1)) === local) return attributes[key];
  }
  return undefined;
}

/** Which namespace an element is in, as far as reading cares: WordprocessingML, markup compatibility, other. */
type Space = 'w' | 'mc' | 'other';
/** Prefix ('' for the default namespace) → the space of the namespace bound to it where an element opens. */
type Scope = Map<string, Space>;
const ROOT_SCOPE: Scope = new Map([
  ['', 'other'],
  ['xml', 'other'],
  ['xmlns', 'other'],
]);
const spaceOf = (uri: string): Space => (W_NS.has(uri) ? 'w' : uri === MC_NS ? 'mc' : 'other');

/** The scope of an element: its parent's, with the namespaces its own xmlns attributes declare. */
function scopeOf(parent: Scope, attributes: Record<string, string>): Scope {
  let scope = parent;
  for (const key in attributes) {
    const prefix = key === 'xmlns' ? '' : key.startsWith('xmlns:') ? key.slice(6) : undefined;
    if (prefix === undefined) continue;
    if (scope === parent) scope = new Map(parent);
    scope.set(prefix, spaceOf(attributes[key]!));
  }
  return scope;
}

/** What reading does at an element: nothing (most of them), or one of the cases of parseDocumentXml. */
const Act = {
  None: 0,
  Skip: 1,
  Text: 2,
  Tab: 3,
  Break: 4,
  Hyphen: 5,
  Para: 6,
  Table: 7,
  Row: 8,
  GridBefore: 9,
  Cell: 10,
  GridSpan: 11,
  Merge: 12,
  Sdt: 13,
  Placeholder: 14,
  SdtContent: 15,
  Fallback: 16,
} as const;
type Act = (typeof Act)[keyof typeof Act];

/** WordprocessingML elements that matter, by local name. */
const W_ACTS = new Map<string, Act>([
  ['del', Act.Skip],
  ['moveFrom', Act.Skip],
  ['t', Act.Text],
  ['tab', Act.Tab],
  ['br', Act.Break],
  ['cr', Act.Break],
  ['noBreakHyphen', Act.Hyphen],
  ['p', Act.Para],
  ['tbl', Act.Table],
  ['tr', Act.Row],
  ['gridBefore', Act.GridBefore],
  ['tc', Act.Cell],
  ['gridSpan', Act.GridSpan],
  ['vMerge', Act.Merge],
  ['hMerge', Act.Merge],
  ['sdt', Act.Sdt],
  ['showingPlcHdr', Act.Placeholder],
  ['sdtContent', Act.SdtContent],
]);

/**
 * An open element: its local name, what reading does at it (decided once per element name and scope, so the
 * handlers switch on a number, not on strings), and the namespace scope its children inherit.
 */
interface Open {
  local: string;
  act: Act;
  scope: Scope;
}

/** An element's local name and space under a scope; an element whose prefix nothing binds is not well-formed. */
function resolve(name: string, scope: Scope): Open {
  const colon = name.indexOf(':');
  const space = scope.get(colon < 0 ? '' : name.slice(0, colon));
  // As saxes's xmlns mode did: the file is damaged, not half read.
  if (space === undefined) throw new Error(`unbound namespace prefix: ${name}`);
  const local = colon < 0 ? name : name.slice(colon + 1);
  const act =
    space === 'w'
      ? (W_ACTS.get(local) ?? Act.None)
      : space === 'mc' && local === 'Fallback'
        ? Act.Fallback
        : Act.None;
  return { local, act, scope };
}

/**
 * True when no element but the root can declare a namespace: every "xmlns" in the text is one of the root's
 * declarations (Word writes them all there). Any other occurrence, even in text, means looking at each element.
 */
function declaredAtRootOnly(xml: string, rootAttributes: Record<string, string>): boolean {
  let declared = 0;
  for (const key in rootAttributes) if (key === 'xmlns' || key.startsWith('xmlns:')) declared++;
  let seen = 0;
  for (let i = xml.indexOf('xmlns'); i >= 0; i = xml.indexOf('xmlns', i + 5))
    if (++seen > declared) return false;
  return true;
}

/** Parses WordprocessingML into grids (one per table, nested tables as grids of their own) and text. */
export function parseDocumentXml(xml: string): { grids: RawGrid[]; text: string } {
  const grids: (RawGrid | undefined)[] = [];
  const bodyParas: string[] = [];
  const tables: Table[] = [];
  const paras: string[] = [];
  const open: Open[] = [];
  // Deleted or moved-away text, and Fallback copies of alternate content, must not be read.
  let skip = 0;
  let inText = 0;
  const sdts: boolean[] = [];
  const placeholderContent: boolean[] = [];
  let placeholder = 0;

  const append = (s: string) => {
    if (skip > 0 || placeholder > 0 || paras.length === 0) return;
    paras[paras.length - 1] += s;
  };

  // Namespaces are resolved here rather than by saxes's xmlns mode, which resolves every attribute of every
  // element too and cost about half of reading a 附件5; only an element's own namespace decides anything.
  const parser = new SaxesParser();
  // With every declaration on the root, an element's namespace depends on its name alone: resolved once.
  let fixed: Map<string, Open> | undefined;
  parser.on('opentag', (tag) => {
    const above = open[open.length - 1];
    const attributes = tag.attributes as Record<string, string>;
    const name = tag.name;
    let el = fixed?.get(name);
    if (!el) {
      el = resolve(name, scopeOf(above?.scope ?? ROOT_SCOPE, attributes));
      if (!above && declaredAtRootOnly(xml, attributes)) fixed = new Map();
      fixed?.set(name, el);
    }
    open.push(el);
    // Most elements (run and paragraph properties, fonts, sizes) change nothing.
    if (el.act === Act.None) return;
    const parent = above?.local;
    const table = tables[tables.length - 1];
    switch (el.act) {
      case Act.Fallback:
      case Act.Skip:
        skip++;
        break;
      case Act.Text:
        inText++;
        break;
      case Act.Tab:
        if (parent === 'r') append('\t');
        break;
      case Act.Break:
        if (parent === 'r') append('\n');
        break;
      case Act.Hyphen:
        append('-');
        break;
      case Act.Para:
        paras.push('');
        break;
      case Act.Table:
        tables.push({ index: grids.length, rows: [], row: undefined, cell: undefined });
        grids.push(undefined);
        break;
      case Act.Row:
        if (table) table.row = [];
        break;
      case Act.GridBefore: {
        const n = Number(attr(attributes, 'val') ?? 0);
        if (table?.row && Number.isInteger(n)) for (let i = 0; i < Math.min(n, 64); i++) table.row.push(null);
        break;
      }
      case Act.Cell:
        if (table) table.cell = { paras: [], span: 1, continued: false };
        break;
      case Act.GridSpan: {
        const n = Number(attr(attributes, 'val') ?? 1);
        // 64 is Word's own column limit; a larger span is garbage, not a reason to allocate.
        if (table?.cell && Number.isInteger(n) && n > 1) table.cell.span = Math.min(n, 64);
        break;
      }
      case Act.Merge: {
        const val = attr(attributes, 'val');
        if (table?.cell && val !== 'restart') table.cell.continued = true;
        break;
      }
      case Act.Sdt:
        sdts.push(false);
        break;
      case Act.Placeholder:
        // The control shows its prompt ("单击此处输入文字"), not anything the sender typed.
        if (sdts.length > 0) sdts[sdts.length - 1] = true;
        break;
      case Act.SdtContent: {
        const isPlaceholder = sdts[sdts.length - 1] === true;
        placeholderContent.push(isPlaceholder);
        if (isPlaceholder) placeholder++;
        break;
      }
    }
  });
  parser.on('text', (s) => {
    if (inText > 0) append(s);
  });
  parser.on('closetag', () => {
    const el = open.pop();
    if (!el || el.act === Act.None) return;
    const table = tables[tables.length - 1];
    switch (el.act) {
      case Act.Fallback:
      case Act.Skip:
        skip--;
        break;
      case Act.Text:
        inText--;
        break;
      case Act.Para: {
        const text = paras.pop() ?? '';
        if (table?.cell) table.cell.paras.push(text);
        else if (!table) bodyParas.push(text);
        break;
      }
      case Act.Cell:
        if (table?.cell && table.row) {
          const c = table.cell;
          const value = c.continued ? null : c.paras.join('\n').replace(/\n+$/, '');
          table.row.push(value === '' ? null : value);
          for (let i = 1; i < c.span; i++) table.row.push(null);
        }
        if (table) table.cell = undefined;
        break;
      case Act.Row:
        if (table?.row) table.rows.push({ row: table.rows.length + 1, cells: table.row });
        if (table) table.row = undefined;
        break;
      case Act.Table:
        if (table) {
          tables.pop();
          grids[table.index] = { name: `表格${table.index + 1}`, rows: table.rows, fromDocument: true };
        }
        break;
      case Act.Sdt:
        sdts.pop();
        break;
      case Act.SdtContent:
        if (placeholderContent.pop()) placeholder--;
        break;
    }
  });
  try {
    parser.write(xml).close();
  } catch (cause) {
    throw new UnreadableFileError(REASONS.corrupt, { cause });
  }
  return {
    grids: grids.filter((g): g is RawGrid => g !== undefined),
    text: bodyParas
      .join('\n')
      .replace(/\n{3,}/g, '\n\n')
      .trim(),
  };
}

const REF = /&#(x[0-9a-fA-F]+|[0-9]+);/g;
const ONLY_TAGS = /^(?:<[^<>]*>)*$/;
const refValue = (ref: string) => (ref[0] === 'x' ? Number.parseInt(ref.slice(1), 16) : Number(ref));

/**
 * Joins a character written as two UTF-16 references (`&#xD842;&#xDFB7;`), also when a writer split it
 * between two runs (`&#xD842;</w:t></w:r><w:r><w:t>&#xDFB7;`): XML allows no surrogate there and saxes
 * would refuse the whole file. The character takes the first half's place; the markup between stays.
 */
export function joinSurrogateRefs(xml: string): string {
  if (!xml.includes('&#')) return xml;
  const refs = [...xml.matchAll(REF)];
  let out = '';
  let at = 0;
  for (let i = 0; i + 1 < refs.length; i++) {
    const high = refs[i]!;
    const low = refs[i + 1]!;
    const hi = refValue(high[1]!);
    const lo = refValue(low[1]!);
    if (hi < 0xd800 || hi > 0xdbff || lo < 0xdc00 || lo > 0xdfff) continue;
    const between = xml.slice(high.index + high[0].length, low.index);
    if (!ONLY_TAGS.test(between)) continue;
    const cp = 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00);
    out += `${xml.slice(at, high.index)}&#x${cp.toString(16)};${between}`;
    at = low.index + low[0].length;
    i++;
  }
  return at === 0 ? xml : out + xml.slice(at);
}

/** Reads a .docx package. */
export function readDocx(
  bytes: Uint8Array,
  parts: Map<string, ZipEntry>,
  budget: InflateBudget,
): { grids: RawGrid[]; text: string } {
  const path = mainDocumentPath(bytes, parts, budget);
  const entry = path ? parts.get(path) : undefined;
  if (!entry) throw new UnreadableFileError(REASONS.corrupt);
  return parseDocumentXml(joinSurrogateRefs(utf8.decode(inflateEntry(bytes, entry, budget))));
}
