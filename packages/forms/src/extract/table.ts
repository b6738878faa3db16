import { programRegions } from '@lingjun/program';
import { type Finding, finding, parseClassNo } from '@lingjun/rules';
import { FORM3, FORM4, FORM5, type FormDef } from '../definitions.ts';
import type { RawDocument, RawGrid, RawRow } from '../raw.ts';
import type { Form3, Form4, Form5, FormRecord } from '../types.ts';
import { textGrid } from './labelled.ts';
import { cellText, columnLetters, isBlank, matcherFor } from './normalise.ts';
import { buildRecord, type ExtractContext, type FoundValue } from './record.ts';

/** A header row found in a grid and the field each column holds. */
export interface TableLayout {
  form: FormDef;
  /** Index into grid.rows of the (lower) header row. */
  headerIndex: number;
  /** Index of the first row that may hold data. */
  dataIndex: number;
  /** Column index → field key. */
  columns: Map<number, string>;
}

/** How many rows from the top a header may start; title and instruction rows come first. */
const HEADER_SEARCH_ROWS = 40;

function mapRow(row: RawRow, form: FormDef): Map<number, string> {
  const m = matcherFor(form);
  const columns = new Map<number, string>();
  const used = new Set<string>();
  row.cells.forEach((c, i) => {
    const key = m.match(cellText(c));
    if (key && !used.has(key)) {
      columns.set(i, key);
      used.add(key);
    }
  });
  return columns;
}

function requiredHits(columns: Map<number, string>, form: FormDef, keys = new Set(columns.values())): number {
  let hits = 0;
  for (const f of form.fields) if (f.required && keys.has(f.key)) hits++;
  return hits;
}

/** Header rows split over two lines (a group heading above, or sub-headings below) are read as one. */
function mergeNeighbour(columns: Map<number, string>, row: RawRow | undefined, form: FormDef): number {
  if (!row) return 0;
  const extra = mapRow(row, form);
  const have = new Set(columns.values());
  let added = 0;
  for (const [i, key] of extra) {
    if (!columns.has(i) && !have.has(key)) {
      columns.set(i, key);
      have.add(key);
      added++;
    }
  }
  return added;
}

/**
 * Finds the table a grid holds, if any, by its content: a header row with at least 6 of 附件4's required
 * fields including 身份证号码 or 统一社会信用代码 is 附件4 (or a table of 附件5 when it also asks for 员工人数
 * and 营业收入); one with 3 of 附件3's and no 身份证号码 is 附件3.
 */
export function findTable(grid: RawGrid): TableLayout | undefined {
  let best: { form: FormDef; index: number; columns: Map<number, string>; score: number } | undefined;
  const limit = Math.min(grid.rows.length, HEADER_SEARCH_ROWS);
  for (let i = 0; i < limit; i++) {
    const row = grid.rows[i]!;
    // A header needs at least 3 fields (附件3; 6 for 附件4): a row of fewer cells with anything in them is none.
    let present = 0;
    for (const c of row.cells) if (c !== null && c !== undefined) present++;
    if (present < 3) continue;
    const c4 = mapRow(row, FORM4);
    const keys4 = new Set(c4.values());
    const hits4 = requiredHits(c4, FORM4, keys4);
    if (hits4 >= 6 && (keys4.has('idNumber') || keys4.has('uscc'))) {
      const c5 = mapRow(row, FORM5);
      const keys5 = new Set(c5.values());
      const isForm5 = keys5.has('employees') && keys5.has('revenue');
      const form = isForm5 ? FORM5 : FORM4;
      const columns = isForm5 ? c5 : c4;
      const score = 100 + requiredHits(columns, form);
      if (!best || score > best.score) best = { form, index: i, columns, score };
      continue;
    }
    const c3 = mapRow(row, FORM3);
    const keys3 = new Set(c3.values());
    const hits3 = requiredHits(c3, FORM3, keys3);
    if (hits3 >= 3 && (keys3.has('region') || keys3.has('unit')) && !keys4.has('idNumber')) {
      const score = hits3;
      if (!best || score > best.score) best = { form: FORM3, index: i, columns: c3, score };
    }
  }
  if (!best) return undefined;
  const columns = best.columns;
  mergeNeighbour(columns, grid.rows[best.index - 1], best.form);
  const below = mergeNeighbour(columns, grid.rows[best.index + 1], best.form);
  return {
    form: best.form,
    headerIndex: best.index,
    dataIndex: best.index + (below > 0 ? 2 : 1),
    columns,
  };
}

/** Hints printed under a header or in an example row: 请填写…, 如：…, （必填）, 示例. */
const HINT = /^(请|如[:：]|例[:：]|例如|必填|选填|格式|填写|按|下拉|选择|可多选|[(（].*[)）]$|yyyy|xxxx|××)/i;
const EXAMPLE = /示例|样例|范例|填写样本|^例$/;
const EXAMPLE_CELL = /^[(（]?(示例|样例|范例|例|填写示例|填表示例)[)）]?[:：]?$/;
/** First words of rows that are notes, totals or signatures rather than people. */
const NOTE =
  /^(注|备注[:：]|说明|填表说明|填报说明|填写说明|合计|总计|小计|共计|审核人|填表人|填报人|负责人|单位负责人|制表|联系人[:：]|联系电话[:：]|填报日期|填表日期|日期[:：]|\d+\s*[.、．]\s*\S{8,})/;

/** Why a row under the header is not a person, or undefined when it is one. */
function skipReason(row: RawRow, layout: TableLayout, headerTexts: Map<number, string>): string | undefined {
  const filled = [...layout.columns.entries()].filter(([i, key]) => key !== 'seq' && !isBlank(row.cells[i]));
  const anyCells = row.cells.filter((c) => !isBlank(c));
  if (filled.length === 0) return 'empty';
  const first = cellText(anyCells[0] ?? null);
  if (NOTE.test(first.replace(/\s+/g, ''))) return 'note';
  // Only the leading cells or a cell that is nothing but the marker: a remark such as 示例企业 is a real row.
  const lead = [
    first,
    ...filled.filter(([, key]) => key === 'name').map(([i]) => cellText(row.cells[i] ?? null)),
  ];
  if (lead.some((t) => EXAMPLE.test(t))) return 'example';
  if (anyCells.some((c) => EXAMPLE_CELL.test(cellText(c)))) return 'example';
  // A second header line, or a row of hints under the header.
  const hintLike = filled.filter(([i]) => {
    const t = cellText(row.cells[i] ?? null);
    return HINT.test(t) || t === headerTexts.get(i);
  });
  if (
    hintLike.length >= Math.max(1, Math.ceil(filled.length / 2)) &&
    typeof row.cells[filled[0]![0]] === 'string'
  ) {
    return 'hint';
  }
  // A long sentence alone on its row is a note, not a person with every other field missing.
  if (anyCells.length === 1 && first.length > 12) return 'note';
  const again = new Set(filled.map(([i]) => layout.form.fields.find((f) => f.key === layout.columns.get(i))));
  if (
    again.size >= 6 &&
    filled.every(([i, key]) => matcherFor(layout.form).match(cellText(row.cells[i] ?? null)) === key)
  ) {
    return 'header';
  }
  return undefined;
}

function recordsOf(
  doc: RawDocument,
  grid: RawGrid,
  layout: TableLayout,
  ctx: ExtractContext,
  classNo: number | undefined,
): FormRecord[] {
  const headerRow = grid.rows[layout.headerIndex]!;
  const headerTexts = new Map<number, string>();
  for (const i of layout.columns.keys()) headerTexts.set(i, cellText(headerRow.cells[i] ?? null));
  const records: FormRecord[] = [];
  for (const row of grid.rows.slice(layout.dataIndex)) {
    if (skipReason(row, layout, headerTexts)) continue;
    const found = new Map<string, FoundValue>();
    for (const [i, key] of layout.columns) {
      const value = row.cells[i] ?? null;
      found.set(key, {
        value,
        format: row.formats?.[i],
        ...(grid.fromDocument ? {} : { row: row.row, address: `${columnLetters(i)}${row.row}` }),
      });
    }
    records.push(
      buildRecord(
        layout.form,
        found,
        {
          form: layout.form.name,
          file: doc.file,
          ...(grid.fromDocument ? {} : { row: row.row, sheet: grid.name }),
          classNo,
        },
        ctx,
      ),
    );
  }
  return records;
}

const CN_NUM = '[0-9零〇一二两三四五六七八九十]+';
const REGION_LABEL = /(?:填报地区|报送地区|填报单位|所属地区|地区|省份)(?:\([^)]*\))?\s*[:：]?\s*/;
const CLASS_LABEL = /(?:培训期次|报名期次|参训期次|期次)(?:\([^)]*\))?\s*[:：]?\s*/;
const STOP = /培训期次|报名期次|参训期次|期次|联系人|联系电话|填报日期|填表日期|日期/;

/** Reads 填报地区 and 培训期次 from the rows above a 附件4 table, in one cell or split across cells. */
export function readHeaderBlock(rows: readonly RawRow[]): { regionText?: string; classText?: string } {
  const out: { regionText?: string; classText?: string } = {};
  let titleClass: string | undefined;
  for (const row of rows) {
    const line = row.cells
      .map((c) => cellText(c))
      .filter(Boolean)
      .join(' ');
    if (!line) continue;
    const r = REGION_LABEL.exec(line);
    if (r && out.regionText === undefined) {
      const rest = line.slice(r.index + r[0].length);
      const value = rest
        .split(STOP)[0]!
        .trim()
        .split(/\s{2,}|\s(?=\S+[:：])/)[0]!
        .trim();
      if (value) out.regionText = value;
    }
    const c = new RegExp(`${CLASS_LABEL.source}(第?\\s*${CN_NUM}\\s*期?)`).exec(line);
    if (c && out.classText === undefined) out.classText = c[1]!.replace(/\s+/g, '');
    const t = new RegExp(`第\\s*${CN_NUM}\\s*期`).exec(line);
    if (t && titleClass === undefined) titleClass = t[0].replace(/\s+/g, '');
  }
  if (out.classText === undefined && titleClass !== undefined) out.classText = titleClass;
  return out;
}

/** Reads the table of one grid as 附件3, 附件4, or a table of 附件5 (one per row). */
export function extractTable(
  doc: RawDocument,
  grid: RawGrid,
  layout: TableLayout,
  ctx: ExtractContext,
): { forms: (Form3 | Form4 | Form5)[]; findings: Finding[] } {
  if (layout.form.name === '附件3') {
    return {
      forms: [{ form: '附件3', file: doc.file, records: recordsOf(doc, grid, layout, ctx, undefined) }],
      findings: [],
    };
  }
  if (layout.form.name === '附件5') {
    const records = recordsOf(doc, grid, layout, ctx, undefined);
    return { forms: records.map((record) => ({ form: '附件5', file: doc.file, record })), findings: [] };
  }
  const block = readHeaderBlock(grid.rows.slice(0, layout.headerIndex));
  if (grid.fromDocument && doc.text && (block.regionText === undefined || block.classText === undefined)) {
    // In a Word 附件4 the 填报地区/培训期次 lines are paragraphs above the table, so they are in the text.
    const lines = textGrid(doc.text).rows;
    const end = lines.findIndex((r) => /姓名/.test(r.cells.join('')) && /身份证/.test(r.cells.join('')));
    const fromText = readHeaderBlock(end >= 0 ? lines.slice(0, end) : lines);
    block.regionText ??= fromText.regionText;
    block.classText ??= fromText.classText;
    if (block.regionText === undefined) delete block.regionText;
    if (block.classText === undefined) delete block.classText;
  }
  const form4: Form4 = { form: '附件4', file: doc.file, records: [] };
  const findings: Finding[] = [];
  if (block.regionText !== undefined) {
    form4.regionText = block.regionText;
    const region = programRegions(ctx.program).resolve(block.regionText);
    if (region) form4.regionCode = region.code;
  }
  if (block.classText !== undefined) {
    form4.classText = block.classText;
    const n = parseClassNo(block.classText);
    if (n !== undefined) {
      form4.classNo = n;
      const known = ctx.program.classes.map((c) => c.no);
      if (!known.includes(n)) {
        findings.push(
          finding(
            'UNKNOWN_CLASS',
            `表头的培训期次“${block.classText}”不存在，本年度的期次为${known.map((k) => `第${k}期`).join('、')}，请改正。`,
            {
              form: '附件4',
              file: doc.file,
              field: '培训期次',
              classNo: n,
            },
          ),
        );
      }
    }
  }
  if (!grid.fromDocument) {
    form4.headerRow = grid.rows[layout.headerIndex]!.row;
    form4.sheet = grid.name;
  }
  form4.records = recordsOf(doc, grid, layout, ctx, form4.classNo);
  return { forms: [form4], findings };
}
