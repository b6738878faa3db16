/**
 * Importing the bureau's own spreadsheets into a program file: 附件1 (the class schedule) and 附件2 (the
 * quota table). The sheets are made by people, so they carry merged title rows, notes, blank rows, totals
 * rows, two-row headers and short region names; the program file is the one place the result lands, and it
 * is validated before anything is written.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import * as XLSX from '@e965/xlsx';
import { ConfigError } from '@lingjun/core';
import type ExcelJS from 'exceljs';
import { ProgramError, parseProgram } from './load.ts';
import { parseClassNo } from './numerals.ts';
import { regionByCode, resolveRegion } from './regions.ts';
import type { Program } from './schema.ts';

/** A problem in an imported spreadsheet (unknown region, bad date, missing column), naming file and row. */
export class ImportError extends ConfigError {
  override readonly name = 'ImportError';
}

type Cell = string | number | boolean | Date | null;

/** A sheet as rows of plain values; `rows[i]` is spreadsheet row `i + 1`. */
interface Sheet {
  name: string;
  rows: Cell[][];
}

/** One class as the schedule sheet gives it. */
export interface ScheduleEntry {
  no: number;
  start: string;
  end: string;
  location: string;
  deadline?: string;
  /** Row number in the sheet, for messages. */
  row: number;
}

/** One region's allocation as the quota sheet gives it. */
export interface QuotaEntry {
  code: string;
  name: string;
  total: number;
  perClass?: Record<string, number>;
  row: number;
}

/** One change the import made to the program file. */
export interface ProgramChange {
  kind: 'class-added' | 'class-changed' | 'class-removed' | 'quota-added' | 'quota-changed' | 'quota-removed';
  /** JSON path in the program file (classes[2], quotas.130000). */
  path: string;
  message: string;
}

/** What an import did (or, with dryRun, would do). */
export interface ImportResult {
  file: string;
  changes: ProgramChange[];
  warnings: string[];
  written: boolean;
  program: Program;
}

// ---------------------------------------------------------------------------------------------- reading

function plain(value: ExcelJS.CellValue): Cell {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (value instanceof Date) return value;
  if (typeof value === 'object') {
    if ('richText' in value) return value.richText.map((r) => r.text).join('');
    if ('result' in value) return plain((value.result ?? null) as ExcelJS.CellValue);
    if ('text' in value) return String(value.text);
    if ('error' in value) return null;
  }
  return String(value);
}

async function readXlsx(buffer: Buffer): Promise<Sheet[]> {
  // Loaded on use: every function bundles this package, and exceljs evaluated at load costs each cold start.
  // The Workbook module alone: exceljs's main entry adds a streaming reader and writer this never uses.
  const { default: WorkbookClass } = await import('exceljs/lib/doc/workbook.js');
  const wb = new WorkbookClass();
  await wb.xlsx.load(buffer as unknown as ArrayBuffer);
  return wb.worksheets.map((ws) => {
    const rows: Cell[][] = [];
    ws.eachRow({ includeEmpty: true }, (row, n) => {
      const cells: Cell[] = [];
      row.eachCell({ includeEmpty: true }, (cell, col) => {
        cells[col - 1] = plain(cell.value);
      });
      rows[n - 1] = Array.from(cells, (c) => c ?? null);
    });
    return { name: ws.name, rows: Array.from(rows, (r) => r ?? []) };
  });
}

function readXls(buffer: Buffer): Sheet[] {
  const wb = XLSX.read(buffer, { type: 'buffer', cellDates: true });
  return wb.SheetNames.map((name) => {
    const ws = wb.Sheets[name]!;
    const rows = XLSX.utils.sheet_to_json<Cell[]>(ws, {
      header: 1,
      raw: true,
      defval: null,
      blankrows: true,
    });
    // sheet_to_json starts at the sheet's first used row; keep spreadsheet row numbers true.
    const first = ws['!ref'] ? XLSX.utils.decode_range(ws['!ref']).s.r : 0;
    return { name, rows: [...Array.from({ length: first }, () => []), ...rows] };
  });
}

async function readSheets(file: string): Promise<Sheet[]> {
  let buffer: Buffer;
  try {
    buffer = await readFile(file);
  } catch (cause) {
    throw new ImportError(`无法读取 ${file}：${(cause as Error).message}`, { cause });
  }
  try {
    // Sniff, do not trust the extension: a .xls re-saved by WPS may really be xlsx, and the reverse.
    const isZip = buffer.subarray(0, 2).toString('latin1') === 'PK';
    return isZip ? await readXlsx(buffer) : readXls(buffer);
  } catch (cause) {
    throw new ImportError(`${basename(file)} 不是可读取的 Excel 文件：${(cause as Error).message}`, {
      cause,
    });
  }
}

// ---------------------------------------------------------------------------------------------- values

/** Header text as compared: no spaces or line breaks, half-width, no （注释） or *. */
function headerKey(cell: Cell): string {
  if (cell === null || cell instanceof Date) return '';
  return String(cell)
    .normalize('NFKC')
    .replace(/\s+/g, '')
    .replace(/[（(][^)）]*[)）]/g, '')
    .replace(/[*：:]/g, '');
}

function text(cell: Cell | undefined): string {
  if (cell === null || cell === undefined) return '';
  if (cell instanceof Date) return cell.toISOString();
  return String(cell).normalize('NFKC').trim();
}

const pad = (n: number) => String(n).padStart(2, '0');

function isoDate(y: number, m: number, d: number): string | undefined {
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d)
    return undefined;
  return `${y}-${pad(m)}-${pad(d)}`;
}

/**
 * A date cell → YYYY-MM-DD. Accepts real date cells, Excel serial numbers, 2025-06-23, 2025/6/23,
 * 2025.6.23, 2025年6月23日 and, with the program's year, 6月23日 / 6.23.
 */
export function parseDateCell(cell: Cell | undefined, year: number): string | undefined {
  if (cell instanceof Date) {
    // Readers disagree whether a date cell is UTC or local midnight; the nearest UTC day is right for both.
    const d = new Date(cell.getTime() + 12 * 3600_000);
    return isoDate(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
  }
  if (typeof cell === 'number') {
    if (cell < 20000 || cell > 80000) return undefined;
    const d = new Date(Math.round((cell - 25569) * 86400_000));
    return isoDate(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
  }
  const t = text(cell).replace(/\s+/g, '');
  let m = /^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$/.exec(t);
  if (m) return isoDate(Number(m[1]), Number(m[2]), Number(m[3]));
  m = /^(\d{4})(\d{2})(\d{2})$/.exec(t);
  if (m) return isoDate(Number(m[1]), Number(m[2]), Number(m[3]));
  m = /^(\d{1,2})[-/.月](\d{1,2})日?$/.exec(t);
  if (m) return isoDate(year, Number(m[1]), Number(m[2]));
  return undefined;
}

function parseCount(cell: Cell | undefined): number | undefined | 'bad' {
  if (cell === null || cell === undefined) return undefined;
  if (typeof cell === 'number') return Number.isInteger(cell) && cell >= 0 ? cell : 'bad';
  const t = text(cell)
    .replace(/\s+/g, '')
    .replace(/人|名$/g, '');
  if (t === '' || t === '-' || t === '—' || t === '/') return undefined;
  if (/^\d+$/.test(t)) return Number(t);
  return 'bad';
}

const TOTAL_ROW = /^(合计|总计|小计|共计|总数)$/;

// ---------------------------------------------------------------------------------------------- headers

interface HeaderMatch {
  sheet: Sheet;
  /** 0-based index of the last header row; data starts after it. */
  headerEnd: number;
  /** Header text per column (two-row headers combined). */
  keys: string[];
}

/**
 * Finds the header row: the first row (within the first 15) with an exact header cell for every required
 * column. Title rows above it are skipped, whatever their merges. When the next row carries sub-headers
 * (合计 / 第1期 … under a merged 名额), the two rows are combined column by column.
 */
function findHeader(
  sheets: Sheet[],
  required: RegExp[],
  subHeader: (key: string) => boolean,
): HeaderMatch | undefined {
  for (const sheet of sheets) {
    const limit = Math.min(sheet.rows.length, 15);
    for (let i = 0; i < limit; i++) {
      const keys = (sheet.rows[i] ?? []).map(headerKey);
      if (!required.every((re) => keys.some((k) => re.test(k)))) continue;
      const nextCells = sheet.rows[i + 1] ?? [];
      const next = nextCells.map(headerKey);
      // A sub-header row leaves the first required column empty (or repeats it, when a reader fills
      // merged cells) and has header words, not numbers: a data row has a value there.
      const anchor = keys.findIndex((k) => required[0]!.test(k));
      const anchorFree = !next[anchor] || next[anchor] === keys[anchor];
      const words = nextCells.filter((c) => typeof c === 'string').map(headerKey);
      if (anchorFree && words.some((k) => k && subHeader(k))) {
        const width = Math.max(keys.length, next.length);
        const combined = Array.from({ length: width }, (_, c) => next[c] || keys[c] || '');
        return { sheet, headerEnd: i + 1, keys: combined };
      }
      return { sheet, headerEnd: i, keys };
    }
  }
  return undefined;
}

function column(keys: string[], re: RegExp): number {
  return keys.findIndex((k) => re.test(k));
}

// ---------------------------------------------------------------------------------------------- schedule

const H_NO = /^(期次|期别|班次|期数)$/;
const H_START = /^(开班日期|开班时间|开始日期|开始时间|报到日期|开班)$/;
const H_END = /^(结班日期|结班时间|结束日期|结束时间|结业日期|结班)$/;
const H_LOCATION = /^(地点|培训地点|举办地点|办班地点|承办地点|地址)$/;
const H_DEADLINE = /^(报名截止日期|报名截止时间|截止日期|截止时间|报名截止)$/;

/** Reads 附件1: one class per row (期次, 开班日期, 结班日期, 地点, optionally 报名截止日期). */
export async function readSchedule(file: string, year: number): Promise<ScheduleEntry[]> {
  const sheets = await readSheets(file);
  const found = findHeader(sheets, [H_NO, H_START, H_END, H_LOCATION], () => false);
  if (!found) {
    throw new ImportError(`${basename(file)}：找不到表头（需要 期次、开班日期、结班日期、地点 四列）`);
  }
  const { sheet, headerEnd, keys } = found;
  const col = {
    no: column(keys, H_NO),
    start: column(keys, H_START),
    end: column(keys, H_END),
    location: column(keys, H_LOCATION),
    deadline: column(keys, H_DEADLINE),
  };
  const entries: ScheduleEntry[] = [];
  const problems: string[] = [];
  for (let i = headerEnd + 1; i < sheet.rows.length; i++) {
    const cells = sheet.rows[i] ?? [];
    const row = i + 1;
    const where = `${basename(file)} 第${row}行`;
    const noCell = cells[col.no];
    const hasDates = [col.start, col.end].some((c) => text(cells[c]) !== '');
    // Blank rows, totals and the notes bureaus write under a table (合计, 备注：…) carry no dates.
    if (!hasDates) continue;
    const no = parseClassNo(noCell);
    if (no === undefined) {
      problems.push(`${where}：期次“${text(noCell)}”无法识别`);
      continue;
    }
    const start = parseDateCell(cells[col.start], year);
    const end = parseDateCell(cells[col.end], year);
    const location = text(cells[col.location]);
    const deadlineText = col.deadline >= 0 ? text(cells[col.deadline]) : '';
    const deadline = deadlineText ? parseDateCell(cells[col.deadline], year) : undefined;
    if (!start) problems.push(`${where}：开班日期“${text(cells[col.start])}”不是有效日期`);
    if (!end) problems.push(`${where}：结班日期“${text(cells[col.end])}”不是有效日期`);
    if (!location) problems.push(`${where}：地点为空`);
    if (deadlineText && !deadline) problems.push(`${where}：报名截止日期“${deadlineText}”不是有效日期`);
    if (entries.some((e) => e.no === no)) problems.push(`${where}：第${no}期重复`);
    if (start && end && location)
      entries.push({ no, start, end, location, ...(deadline ? { deadline } : {}), row });
  }
  if (problems.length) throw new ImportError(problems.join('\n'));
  if (entries.length === 0) throw new ImportError(`${basename(file)}：表头下没有任何期次`);
  return entries;
}

// ---------------------------------------------------------------------------------------------- quotas

const H_REGION = /^(地区|省份|省市|省|单位|地方|报送地区|填报地区|省区市|省区市及计划单列市)$/;
const H_TOTAL = /^(名额|合计|总名额|名额合计|名额数|人数|总计|分配名额|名额分配)$/;

function perClassNo(key: string): number | undefined {
  if (!key || H_TOTAL.test(key)) return undefined;
  return parseClassNo(key.replace(/名额$/, ''));
}

/** Reads 附件2: one region per row (地区, 名额/合计, optionally one column per class). */
export async function readQuotas(file: string): Promise<{ entries: QuotaEntry[]; warnings: string[] }> {
  const sheets = await readSheets(file);
  const found = findHeader(sheets, [H_REGION], (k) => H_TOTAL.test(k) || perClassNo(k) !== undefined);
  if (!found) throw new ImportError(`${basename(file)}：找不到表头（需要 地区 列）`);
  const { sheet, headerEnd, keys } = found;
  const regionCol = column(keys, H_REGION);
  // 合计 may name both the totals column and the totals row: the column is whichever header says so.
  const totalCol = column(keys, H_TOTAL);
  const classCols = keys
    .map((k, c) => ({ c, no: c === regionCol || c === totalCol ? undefined : perClassNo(k) }))
    .filter((x): x is { c: number; no: number } => x.no !== undefined);
  if (totalCol < 0 && classCols.length === 0) {
    throw new ImportError(`${basename(file)}：找不到名额列（名额、合计，或 第1期 … 各期名额）`);
  }
  const entries: QuotaEntry[] = [];
  const problems: string[] = [];
  const warnings: string[] = [];
  let statedGrandTotal: number | undefined;
  for (let i = headerEnd + 1; i < sheet.rows.length; i++) {
    const cells = sheet.rows[i] ?? [];
    const row = i + 1;
    const where = `${basename(file)} 第${row}行`;
    const regionText = text(cells[regionCol]).replace(/\s+/g, '');
    const total = totalCol >= 0 ? parseCount(cells[totalCol]) : undefined;
    // The totals row often writes 合计 in the merged 序号 column rather than under 地区.
    if (cells.some((c) => typeof c === 'string' && TOTAL_ROW.test(text(c).replace(/\s+/g, '')))) {
      if (typeof total === 'number') statedGrandTotal = total;
      continue;
    }
    const counts = classCols.map(({ c, no }) => ({ no, n: parseCount(cells[c]) }));
    if (!regionText) {
      if (total !== undefined || counts.some((x) => x.n !== undefined))
        problems.push(`${where}：有名额但地区为空`);
      continue;
    }
    const region = resolveRegion(regionText);
    if (!region) {
      // Notes under the table (注：…, 备注) are not regions; anything else with numbers is a typo to fix.
      if (total === undefined && counts.every((x) => x.n === undefined)) continue;
      problems.push(`${where}：地区“${regionText}”不是37个报送地区之一`);
      continue;
    }
    if (total === 'bad' || counts.some((x) => x.n === 'bad')) {
      problems.push(`${where}：${region.name} 的名额不是非负整数`);
      continue;
    }
    const perClass: Record<string, number> = {};
    for (const { no, n } of counts) if (typeof n === 'number') perClass[String(no)] = n;
    const sum = Object.values(perClass).reduce((a, b) => a + b, 0);
    const regionTotal = typeof total === 'number' ? total : sum;
    // Fewer per-class places than the total is normal (the rest may go to any class); more is a slip.
    if (typeof total === 'number' && sum > total) {
      warnings.push(`${where}：${region.name} 各期名额之和 ${sum} 超过合计 ${total}，以合计为总名额`);
    }
    if (entries.some((e) => e.code === region.code)) {
      problems.push(`${where}：${region.name} 重复出现`);
      continue;
    }
    entries.push({
      code: region.code,
      name: region.name,
      total: regionTotal,
      ...(Object.keys(perClass).length ? { perClass } : {}),
      row,
    });
  }
  if (problems.length) throw new ImportError(problems.join('\n'));
  if (entries.length === 0) throw new ImportError(`${basename(file)}：表头下没有任何地区的名额`);
  const sum = entries.reduce((a, e) => a + e.total, 0);
  if (statedGrandTotal !== undefined && statedGrandTotal !== sum) {
    warnings.push(`${basename(file)}：合计行为 ${statedGrandTotal}，各地区名额之和为 ${sum}`);
  }
  return { entries, warnings };
}

// ---------------------------------------------------------------------------------------------- merging

type RawClass = { no: number; start?: string; end?: string; location?: string; deadline?: string };
type RawQuota = { total?: number; perClass?: Record<string, number> };

const sameQuota = (a: RawQuota | undefined, b: RawQuota) => JSON.stringify(a ?? null) === JSON.stringify(b);

/**
 * Applies a schedule and/or quota table to a program's JSON (keeping every other key, $comment included).
 * Both sheets are the bureau's complete list: classes or regions missing from them are removed.
 */
export function applyImport(
  data: Record<string, unknown>,
  input: { schedule?: ScheduleEntry[]; quotas?: QuotaEntry[] },
): { data: Record<string, unknown>; changes: ProgramChange[] } {
  const next: Record<string, unknown> = structuredClone(data);
  const changes: ProgramChange[] = [];

  if (input.schedule) {
    const old = (Array.isArray(data.classes) ? data.classes : []) as RawClass[];
    const missingDeadline: number[] = [];
    const classes = [...input.schedule]
      .sort((a, b) => a.no - b.no)
      .map((e, i) => {
        const prev = old.find((c) => c.no === e.no);
        const deadline = e.deadline ?? prev?.deadline;
        if (!deadline) missingDeadline.push(e.no);
        const cls: RawClass = {
          no: e.no,
          start: e.start,
          end: e.end,
          location: e.location,
          deadline: deadline ?? '',
        };
        const path = `classes[${i}]`;
        if (!prev) {
          changes.push({
            kind: 'class-added',
            path,
            message: `新增第${e.no}期：${e.start} 至 ${e.end}，${e.location}，报名截止 ${deadline}`,
          });
        } else {
          const diffs = (
            [
              ['start', '开班日期'],
              ['end', '结班日期'],
              ['location', '地点'],
              ['deadline', '报名截止日期'],
            ] as const
          )
            .filter(([k]) => prev[k] !== cls[k])
            .map(([k, label]) => `${label} ${prev[k] ?? '（无）'} → ${cls[k]}`);
          if (diffs.length)
            changes.push({ kind: 'class-changed', path, message: `第${e.no}期：${diffs.join('，')}` });
        }
        return cls;
      });
    if (missingDeadline.length) {
      throw new ImportError(
        `期次表没有“报名截止日期”列，而第${missingDeadline.join('、')}期在程序文件中还没有截止日期：` +
          '请在表中加上报名截止日期列，或先在程序文件中写好这些期次的 deadline',
      );
    }
    for (const c of old) {
      if (!input.schedule.some((e) => e.no === c.no)) {
        changes.push({ kind: 'class-removed', path: `classes`, message: `删除第${c.no}期（期次表中没有）` });
      }
    }
    next.classes = classes;
  }

  if (input.quotas) {
    const old = (typeof data.quotas === 'object' && data.quotas !== null ? data.quotas : {}) as Record<
      string,
      RawQuota
    >;
    const quotas: Record<string, RawQuota> = {};
    for (const e of input.quotas) {
      const q: RawQuota = { total: e.total, ...(e.perClass ? { perClass: e.perClass } : {}) };
      quotas[e.code] = q;
      const prev = old[e.code];
      const path = `quotas.${e.code}`;
      const describe = (x: RawQuota) =>
        `${x.total ?? '?'}${
          x.perClass
            ? `（${Object.entries(x.perClass)
                .map(([k, v]) => `第${k}期 ${v}`)
                .join('，')}）`
            : ''
        }`;
      if (!prev) changes.push({ kind: 'quota-added', path, message: `${e.name}：名额 ${describe(q)}` });
      else if (!sameQuota(prev, q)) {
        changes.push({
          kind: 'quota-changed',
          path,
          message: `${e.name}：名额 ${describe(prev)} → ${describe(q)}`,
        });
      }
    }
    for (const code of Object.keys(old)) {
      if (!(code in quotas)) {
        const name = regionByCode(code)?.name ?? code;
        changes.push({
          kind: 'quota-removed',
          path: `quotas.${code}`,
          message: `${name}：名额表中没有，删除其名额`,
        });
      }
    }
    next.quotas = quotas;
  }
  return { data: next, changes };
}

// ---------------------------------------------------------------------------------------------- command

/**
 * Imports the schedule and/or quota spreadsheets into a program file: refuses a program file that is
 * already broken, validates the result with parseProgram, and writes only when it is valid (and not dryRun).
 */
export async function importProgram(options: {
  programFile: string;
  scheduleFile?: string;
  quotasFile?: string;
  dryRun?: boolean;
}): Promise<ImportResult> {
  const { programFile } = options;
  if (!options.scheduleFile && !options.quotasFile) {
    throw new ImportError('至少需要 --schedule 或 --quotas 其中之一');
  }
  let textIn: string;
  try {
    textIn = await readFile(programFile, 'utf8');
  } catch (cause) {
    throw new ProgramError(programFile, [{ path: '', message: `无法读取文件：${(cause as Error).message}` }]);
  }
  let data: Record<string, unknown>;
  try {
    data = JSON.parse(textIn) as Record<string, unknown>;
  } catch (cause) {
    throw new ProgramError(programFile, [
      { path: '', message: `不是有效的 JSON：${(cause as Error).message}` },
    ]);
  }
  // A broken file is refused before anything is merged into it: the operator fixes the path named.
  const current = parseProgram(data, programFile);

  const schedule = options.scheduleFile ? await readSchedule(options.scheduleFile, current.year) : undefined;
  const quotaRead = options.quotasFile ? await readQuotas(options.quotasFile) : undefined;
  const { data: merged, changes } = applyImport(data, {
    ...(schedule ? { schedule } : {}),
    ...(quotaRead ? { quotas: quotaRead.entries } : {}),
  });
  const program = parseProgram(merged, `${programFile}（导入后）`);

  const written = !options.dryRun && changes.length > 0;
  if (written) {
    // Write beside the target and rename, so an interrupted import never leaves half a program file.
    const tmp = join(
      dirname(programFile),
      `.${basename(programFile, extname(programFile))}.${process.pid}.tmp`,
    );
    await writeFile(tmp, `${JSON.stringify(merged, null, 2)}\n`, 'utf8');
    await rename(tmp, programFile);
  }
  return { file: programFile, changes, warnings: quotaRead?.warnings ?? [], written, program };
}
