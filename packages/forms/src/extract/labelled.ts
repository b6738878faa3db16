import { FORM5 } from '../definitions.ts';
import type { CellValue, RawDocument, RawGrid, RawRow } from '../raw.ts';
import type { Form5 } from '../types.ts';
import {
  cellText,
  columnLetters,
  type FieldMatcher,
  isBlank,
  matcherFor,
  rememberedFor,
} from './normalise.ts';
import { buildRecord, type ExtractContext, type FoundValue } from './record.ts';

/**
 * 附件5 is a labelled form: label cells followed by value cells in whatever grid the sender's word
 * processor made of it. Values are found to the right of a label (skipping the empty cells merged cells
 * leave), else below it; "姓名：张三" in one cell and tab-separated text of .doc/.wps files work too.
 */

/** Cells that are labels of things we do not read; a value search stops there. */
const OTHER_LABEL = /照片|相片|盖章|签字|签名|意见|推荐单位|^备注$|^序号$/;
/** Placeholders a blank template leaves in value cells. */
const PLACEHOLDER = /^(请填写|请选择|请输入|如[:：]|例[:：])/;

interface Item {
  key: string;
  /** Present when the value was in the same cell ("姓名：张三"). */
  inline?: string;
}

type Kind =
  | { kind: 'blank' }
  | { kind: 'value' }
  | { kind: 'stop' }
  | { kind: 'label'; items: Item[]; text: string };

/** Splits "姓名：张三 性别：男" into label/value items; undefined when the cell does not start with a label. */
function inlineItems(text: string, m: FieldMatcher): Item[] | undefined {
  const re = /([\p{Script=Han}A-Za-z-]+(?:\s*[(（][^)）]*[)）])?)\s*[:：]/gu;
  const hits: { key: string; start: number; end: number }[] = [];
  for (const match of text.matchAll(re)) {
    const x = match[1]!;
    for (let k = 0; k < x.length; k++) {
      const key = m.exact(x.slice(k));
      if (key) {
        hits.push({ key, start: match.index + k, end: match.index + match[0].length });
        break;
      }
    }
  }
  const first = hits[0];
  if (!first || text.slice(0, first.start).trim() !== '') return undefined;
  return hits.map((h, i) => {
    const value = text.slice(h.end, hits[i + 1]?.start ?? text.length).trim();
    return value ? { key: h.key, inline: value } : { key: h.key };
  });
}

const BLANK: Kind = { kind: 'blank' };
const VALUE: Kind = { kind: 'value' };
/** One key per matcher for remembering classifications (there are three matchers, one per form). */
const classifiers = new Map<FieldMatcher, object>();

function classify(value: CellValue | undefined, m: FieldMatcher): Kind {
  if (isBlank(value)) return BLANK;
  if (typeof value !== 'string') return VALUE;
  // The same texts recur in every form of a submission (labels, 男, 汉族, 本科): classified once per run.
  let owner = classifiers.get(m);
  if (!owner) {
    owner = {};
    classifiers.set(m, owner);
  }
  return rememberedFor(owner, value, (v) => classifyText(cellText(v), m));
}

function classifyText(text: string, m: FieldMatcher): Kind {
  // "企业类型：其他" must not be read as the bare label 企业类型, so inline pairs are tried first.
  const items = /[:：]\s*\S/.test(text) ? inlineItems(text, m) : undefined;
  if (items) return { kind: 'label', items, text };
  const key = m.match(text);
  if (key && text.length <= 24) return { kind: 'label', items: [{ key }], text };
  if (OTHER_LABEL.test(text.replace(/\s+/g, '')) && text.length <= 16) return { kind: 'stop' };
  if (/[:：]$/.test(text) && text.length <= 12) return { kind: 'stop' };
  return { kind: 'value' };
}

/** More rows than a stack of 附件5 forms in one sheet would plausibly have. */
const MAX_LABELLED_ROWS = 3000;

/** One label/value pair in reading order. */
interface Pair {
  key: string;
  found: FoundValue;
}

function foundAt(grid: RawGrid, row: RawRow, col: number, value: CellValue): FoundValue {
  const placeholder = typeof value === 'string' && PLACEHOLDER.test(cellText(value));
  return {
    value: placeholder ? null : value,
    format: row.formats?.[col],
    ...(grid.fromDocument ? {} : { row: row.row, address: `${columnLetters(col)}${row.row}` }),
  };
}

/** All label/value pairs of a grid, in reading order. */
function pairsOf(grid: RawGrid): Pair[] {
  const m = matcherFor(FORM5);
  // A big data sheet is no 附件5; looking at every cell of it would only cost time.
  if (grid.rows.length > MAX_LABELLED_ROWS) return [];
  const kinds = grid.rows.map((r) => r.cells.map((c) => classify(c, m)));
  const claimed = new Set<string>();
  const pending: { r: number; c: number; key: string; slot: number }[] = [];
  const pairs: (Pair | undefined)[] = [];
  grid.rows.forEach((row, r) => {
    kinds[r]!.forEach((k, c) => {
      if (k.kind !== 'label') return;
      k.items.forEach((item, idx) => {
        if (item.inline !== undefined) {
          pairs.push({ key: item.key, found: foundAt(grid, row, c, item.inline) });
          return;
        }
        if (idx < k.items.length - 1) {
          pairs.push({ key: item.key, found: foundAt(grid, row, c, null) });
          return;
        }
        // Right of the label, past the empty cells a merged label or value leaves.
        for (let j = c + 1; j < row.cells.length; j++) {
          const kj = kinds[r]![j]!;
          if (kj.kind === 'blank') continue;
          if (kj.kind === 'label' && kj.text === k.text) continue;
          if (kj.kind === 'value') {
            claimed.add(`${r}:${j}`);
            pairs.push({ key: item.key, found: foundAt(grid, row, j, row.cells[j] ?? null) });
            return;
          }
          break;
        }
        pending.push({ r, c, key: item.key, slot: pairs.length });
        pairs.push(undefined);
      });
    });
  });
  // Labels with nothing to their right: the value may sit below (label row over value row, or a 简历 box).
  for (const p of pending) {
    let found: FoundValue | undefined;
    for (let i = p.r + 1; i < Math.min(grid.rows.length, p.r + 4); i++) {
      const k = kinds[i]![p.c];
      if (!k || k.kind === 'blank') continue;
      if (k.kind === 'value' && !claimed.has(`${i}:${p.c}`)) {
        claimed.add(`${i}:${p.c}`);
        found = foundAt(grid, grid.rows[i]!, p.c, grid.rows[i]!.cells[p.c] ?? null);
      }
      break;
    }
    const row = grid.rows[p.r]!;
    pairs[p.slot] = { key: p.key, found: found ?? foundAt(grid, row, p.c + 1, null) };
  }
  return pairs.filter((p): p is Pair => p !== undefined);
}

/** Splits pairs into forms: a second 姓名 starts the next student's form. */
function segments(pairs: Pair[]): Map<string, FoundValue>[] {
  const out: Map<string, FoundValue>[] = [];
  let current = new Map<string, FoundValue>();
  for (const p of pairs) {
    if (p.key === 'name' && current.has('name')) {
      out.push(current);
      current = new Map();
    }
    const prev = current.get(p.key);
    if (!prev || isBlank(prev.value)) current.set(p.key, p.found);
  }
  if (current.size > 0) out.push(current);
  return out;
}

function requiredCount(seg: Map<string, FoundValue>): number {
  return FORM5.fields.filter((f) => f.required && seg.has(f.key)).length;
}

/** Minimum number of 附件5's required labels for a grid to count as a 附件5. */
export const FORM5_MIN_LABELS = 6;

/** The text of a .doc/.wps as a grid: lines are rows, tabs (and wide gaps) separate cells. */
export function textGrid(text: string): RawGrid {
  const rows: RawRow[] = text
    .replace(/[\u0007\f\v]/g, '\t')
    .split(/\r\n|\r|\n/)
    .map((line, i) => ({
      row: i + 1,
      cells: line
        .split(/\t|\s{3,}|\u3000{2,}/)
        .map((s) => s.trim())
        .filter(Boolean),
    }))
    .filter((r) => r.cells.length > 0);
  return { name: '正文', rows, fromDocument: true };
}

/**
 * Reads every 附件5 in the given grids of one document. The tables of a Word document are read as one
 * stream of label/value pairs, and a new form starts at the next 姓名: a page break can split a form's table
 * in two, and a .doc/.wps cell of several paragraphs (照片 / 近期免冠 / 二寸彩照) breaks its row across lines,
 * so a table boundary says nothing about where one student's form ends.
 */
export function extractLabelled(doc: RawDocument, grids: readonly RawGrid[], ctx: ExtractContext): Form5[] {
  const documentGrids = grids.filter((g) => g.fromDocument);
  const units: { pairs: Pair[]; grid: RawGrid }[] = grids
    .filter((g) => !g.fromDocument)
    .map((grid) => ({ pairs: pairsOf(grid), grid }));
  if (documentGrids.length > 0)
    units.unshift({ pairs: documentGrids.flatMap(pairsOf), grid: documentGrids[0]! });
  const forms: { seg: Map<string, FoundValue>; grid: RawGrid }[] = [];
  for (const { pairs, grid } of units) {
    for (const seg of segments(pairs)) {
      if (requiredCount(seg) >= FORM5_MIN_LABELS) forms.push({ seg, grid });
    }
  }
  // A blank form (a template sent back unfilled) is nobody's registration.
  const filled = forms.filter(({ seg }) => [...seg.values()].some((v) => !isBlank(v.value)));
  return filled.map(({ seg, grid }) => ({
    form: '附件5',
    file: doc.file,
    record: buildRecord(
      FORM5,
      seg,
      { form: '附件5', file: doc.file, ...(grid.fromDocument ? {} : { sheet: grid.name }) },
      ctx,
    ),
  }));
}
