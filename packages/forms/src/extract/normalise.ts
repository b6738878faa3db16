import { normaliseText } from '@lingjun/core';
import type { FieldDef, FormDef } from '../definitions.ts';
import type { CellValue } from '../raw.ts';

/**
 * Header and label normalisation of spec §3: what people change when they retype a header (full-width
 * characters, line breaks, （必填） notes, a trailing * or colon) must not change which field it is.
 */

/**
 * Normalised texts of one recognition run (withTextMemo): every cell is looked at as a header of three forms,
 * as a label and as a value, each time through NFKC and a few expressions, which was most of recognising a
 * 附件5. Kept for that run only, so no sender's values outlive it in a warm process.
 */
let memo:
  | {
      texts: Map<string, string>;
      headers: Map<string, string>;
      /** Results of other pure functions of a text, per owner (a matcher, a classifier). */
      tables: Map<object, Map<string, unknown>>;
    }
  | undefined;

/** Runs `fn` with the normalised texts remembered until it returns (nested calls share the outer memory). */
export function withTextMemo<T>(fn: () => T): T {
  if (memo) return fn();
  memo = { texts: new Map(), headers: new Map(), tables: new Map() };
  try {
    return fn();
  } finally {
    memo = undefined;
  }
}

/**
 * `compute(text)`, remembered for the rest of the withTextMemo run under `owner`; computed each time outside
 * one. `compute` must depend on the text alone, and callers must not change what it returns.
 */
export function rememberedFor<V>(owner: object, text: string, compute: (text: string) => V): V {
  if (!memo) return compute(text);
  let table = memo.tables.get(owner) as Map<string, V> | undefined;
  if (!table) {
    table = new Map();
    memo.tables.set(owner, table);
  }
  // One lookup for what is remembered; a second only to tell a remembered undefined from nothing.
  const known = table.get(text);
  if (known !== undefined || table.has(text)) return known as V;
  const value = compute(text);
  table.set(text, value);
  return value;
}

function trimmed(text: string): string {
  const known = memo?.texts.get(text);
  if (known !== undefined) return known;
  const t = normaliseText(text);
  memo?.texts.set(text, t);
  return t;
}

/** Normalised form of a header or label cell. */
export function normaliseHeader(text: string): string {
  const known = memo?.headers.get(text);
  if (known !== undefined) return known;
  const h = normaliseText(text, 'remove')
    .replace(/\([^()]*\)|\[[^[\]]*\]|【[^【】]*】|〔[^〔〕]*〕|<[^<>]*>|《[^《》]*》/g, '')
    .replace(/^[*※★]+|[*※★:：]+$/g, '')
    .replace(/^[*※★]+|[*※★:：]+$/g, '')
    .toLowerCase();
  memo?.headers.set(text, h);
  return h;
}

/** Text of a cell for header matching and note detection. */
export function cellText(value: CellValue | undefined): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return '';
  return trimmed(String(value));
}

/** True when a cell holds nothing a person would call a value. */
export function isBlank(value: CellValue | undefined): boolean {
  if (value === null || value === undefined) return true;
  if (value instanceof Date) return Number.isNaN(value.getTime());
  if (typeof value === 'number' || typeof value === 'boolean') return false;
  return trimmed(value) === '';
}

/** Spreadsheet column letters for a 0-based column index (0 → A, 26 → AA). */
export function columnLetters(index: number): string {
  let n = index + 1;
  let s = '';
  while (n > 0) {
    const r = (n - 1) % 26;
    s = String.fromCharCode(65 + r) + s;
    n = Math.floor((n - 1) / 26);
  }
  return s;
}

/** Matches header or label text to the fields of one form. */
export interface FieldMatcher {
  form: FormDef;
  /** Field key for a header text (exact, or a careful contains-match for long labels), or undefined. */
  match(text: string): string | undefined;
  /** Field key only when the normalised text is exactly a label or alias. */
  exact(text: string): string | undefined;
  field(key: string): FieldDef;
  /** All label and alias spellings, longest first, for finding "label：value" inside a cell. */
  spellings: readonly { text: string; key: string }[];
}

const matchers = new Map<FormDef, FieldMatcher>();

/** The matcher for a form (built once). */
export function matcherFor(form: FormDef): FieldMatcher {
  const cached = matchers.get(form);
  if (cached) return cached;
  const exact = new Map<string, string>();
  const spellings: { text: string; key: string }[] = [];
  for (const f of form.fields) {
    for (const name of [f.label, ...(f.aliases ?? [])]) {
      const n = normaliseHeader(name);
      if (!exact.has(n)) exact.set(n, f.key);
      spellings.push({ text: n, key: f.key });
    }
  }
  spellings.sort((a, b) => b.text.length - a.text.length);
  const long = spellings.filter((s) => s.text.length >= 4);
  const byKey = new Map(form.fields.map((f) => [f.key, f]));
  const matchHeader = (text: string): string | undefined => {
    const n = normaliseHeader(text);
    if (!n) return undefined;
    const hit = exact.get(n);
    if (hit) return hit;
    // Contains-match only for long spellings and short cells: 学员身份证号码, 企业统一社会信用代码（18位） are
    // headers, a sentence that mentions 身份证号码 is not. Longest first, so the spellings too short for this
    // cell end the search, and those longer than the cell cannot be in it (every value cell is tried here).
    for (const s of long) {
      if (s.text.length > n.length) continue;
      if (n.length > s.text.length + 6) break;
      if (n.includes(s.text)) return s.key;
    }
    return undefined;
  };
  const m: FieldMatcher = {
    form,
    spellings,
    field: (key) => byKey.get(key)!,
    exact: (text) => exact.get(normaliseHeader(text)),
    match: (text) => rememberedFor(m, text, matchHeader),
  };
  matchers.set(form, m);
  return m;
}
