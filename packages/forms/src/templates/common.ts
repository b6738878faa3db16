import type { Program, ProgramClass } from '@lingjun/program';
import { deadlines, programRegions } from '@lingjun/program';
import { EDUCATIONS, ENTERPRISE_TYPES, ETHNICITIES, POLITICS } from '@lingjun/rules';
import type { Borders, Cell, DataValidation, Workbook, Worksheet } from 'exceljs';
import type { FieldDef, FieldType, FormDef } from '../definitions.ts';

/**
 * A new exceljs workbook. Only exceljs's Workbook module, imported on first use: every Lambda bundles this
 * package, and exceljs's main entry adds its streaming reader and writer (unzipper, archiver, bluebird, glob
 * …), about half a megabyte that no function runs (npm run bench, bundle_kb and init).
 */
export async function newWorkbook(): Promise<Workbook> {
  const { default: WorkbookClass } = await import('exceljs/lib/doc/workbook.js');
  return new WorkbookClass();
}

/** The year's title of a form, e.g. 2025年度领军人才培训报名汇总表 (the notice names its annexes this way). */
export function formTitle(program: Program, form: FormDef): string {
  return `${program.year}年度${form.title}`;
}

/** The label as printed in a generated workbook: hint in full-width brackets, required fields marked '*'. */
export function printedLabel(field: FieldDef, markRequired = true): string {
  const hint = field.hint ? `（${field.hint}）` : '';
  return `${field.label}${hint}${markRequired && field.required ? '*' : ''}`;
}

/**
 * Field types whose cells are formatted as text '@': Excel would otherwise turn an 18-digit ID into
 * 1.10101E+17 (losing digits), drop a phone's leading +86, or read 1975.10 as the number 1975.1 (October
 * becomes January). Only counts, amounts and real dates stay General.
 */
const NUMERIC_TYPES: ReadonlySet<FieldType> = new Set(['integer', 'number', 'date']);

/** True when a field's cells should be formatted as text. */
export function isTextField(field: FieldDef): boolean {
  return !NUMERIC_TYPES.has(field.type);
}

/** Name of the hidden sheet that holds the drop-down lists. ASCII so every reader can reference it unquoted. */
export const LIST_SHEET = 'Lists';

/** The 期次 choices as printed: 第1期 … 第N期, from the program. */
export function classChoices(program: Program): string[] {
  return [...program.classes].sort((a, b) => a.no - b.no).map((c) => `第${c.no}期`);
}

/** The closed lists a template offers as drop-downs, by name. */
export function choiceLists(program: Program): Record<string, readonly string[]> {
  return {
    region: programRegions(program).list.map((r) => r.name),
    classNo: classChoices(program),
    sex: ['男', '女'],
    ethnicity: ETHNICITIES,
    politics: POLITICS,
    education: EDUCATIONS,
    enterpriseType: ENTERPRISE_TYPES,
  };
}

/**
 * Writes the lists into a hidden sheet, one per column, and names each range (L_region …). Validations
 * refer to the name: an inline list is limited to 255 characters (56 民族 or the 37 regions exceed it), and a
 * defined name also works in Excel 2007, which cannot point a validation at another sheet directly.
 */
export function addListSheet(wb: Workbook, lists: Record<string, readonly string[]>): Map<string, string> {
  const ws = wb.addWorksheet(LIST_SHEET, { state: 'hidden' });
  const names = new Map<string, string>();
  Object.entries(lists).forEach(([key, values], i) => {
    const col = i + 1;
    values.forEach((v, r) => {
      ws.getCell(r + 1, col).value = v;
    });
    const letter = ws.getColumn(col).letter;
    const name = `L_${key}`;
    wb.definedNames.add(`${LIST_SHEET}!$${letter}$1:$${letter}$${values.length}`, name);
    names.set(key, name);
  });
  return names;
}

/** A drop-down validation referring to a named list; strict unless several values may be combined. */
export function listValidation(listName: string, field: { label: string }, strict = true): DataValidation {
  return strict
    ? {
        type: 'list',
        allowBlank: true,
        formulae: [listName],
        showErrorMessage: true,
        errorStyle: 'stop',
        errorTitle: '输入有误',
        error: `请从下拉列表中选择${field.label}`,
      }
    : {
        type: 'list',
        allowBlank: true,
        formulae: [listName],
        // Several 企业类型 may be combined, which no list contains: typed combinations must be allowed.
        showErrorMessage: false,
        showInputMessage: true,
        promptTitle: field.label,
        prompt: '可从下拉列表选择；属于多个类型时请直接输入，用“、”分隔',
      };
}

/** Input prompts for fields whose format people often get wrong. */
export function promptFor(field: FieldDef): string | undefined {
  switch (field.type) {
    case 'idNumber':
      return '18位居民身份证号码，末位可为X';
    case 'uscc':
      return '18位统一社会信用代码';
    case 'mobile':
      return '11位手机号码';
    case 'yearMonth':
      return '格式如 1975.06';
    case 'date':
      return '格式如 2010.05 或 2010-05-18';
    case 'integer':
      return '填写数字';
    case 'number':
      return field.hint ? `填写数字，单位：${field.hint}` : '填写数字';
    default:
      return undefined;
  }
}

/** The validation a field's value cells get: a drop-down for closed lists, else an input prompt or nothing. */
export function validationFor(
  field: FieldDef,
  lists: Map<string, string>,
  listKey: string = field.type,
): DataValidation | undefined {
  const name = lists.get(listKey);
  if (name) return listValidation(name, field, field.type !== 'enterpriseType');
  const prompt = promptFor(field);
  if (!prompt) return undefined;
  return {
    type: 'custom',
    allowBlank: true,
    formulae: ['TRUE'],
    showInputMessage: true,
    promptTitle: field.label,
    prompt,
  };
}

/**
 * The deadlines as one sentence, e.g. 1期班：2025年6月9日前；2—9期班：2025年6月20日前. Deliberately not
 * written 第1期: a reader takes a 第N期 above the table as the form's class when the 期次 cell is blank.
 */
export function deadlineText(program: Program): string {
  return deadlines(program)
    .map(({ date, classes }) => `${classRange(classes)}：${chineseDate(date)}前`)
    .join('；');
}

function classRange(classes: ProgramClass[]): string {
  const nos = classes.map((c) => c.no);
  const first = nos[0];
  const last = nos[nos.length - 1];
  if (first === undefined || last === undefined) return '';
  const contiguous = nos.every((n, i) => n === first + i);
  if (nos.length === 1) return `${first}期班`;
  return contiguous ? `${first}—${last}期班` : `${nos.join('、')}期班`;
}

/** 2025-06-09 → 2025年6月9日. */
export function chineseDate(iso: string): string {
  const [y, m, d] = iso.split('-').map(Number);
  return `${y}年${m}月${d}日`;
}

/** Thin borders on all sides. */
export const THIN_BORDER: Partial<Borders> = {
  top: { style: 'thin' },
  left: { style: 'thin' },
  bottom: { style: 'thin' },
  right: { style: 'thin' },
};

/** Font used in every generated workbook: a Chinese font present on Windows, WPS and macOS Office. */
export const SHEET_FONT = { name: '宋体', size: 11 } as const;

/** Styles a title cell merged across `width` columns. */
export function writeTitle(ws: Worksheet, row: number, width: number, text: string): Cell {
  ws.mergeCells(row, 1, row, width);
  const cell = ws.getCell(row, 1);
  cell.value = text;
  cell.font = { name: '黑体', size: 16, bold: true };
  cell.alignment = { horizontal: 'center', vertical: 'middle' };
  ws.getRow(row).height = 32;
  return cell;
}

/** Writes a filling note merged across `width` columns, tall enough for its lines. */
export function writeNote(ws: Worksheet, row: number, width: number, lines: string[]): Cell {
  ws.mergeCells(row, 1, row, width);
  const cell = ws.getCell(row, 1);
  cell.value = lines.join('\n');
  cell.font = { ...SHEET_FONT, size: 10, color: { argb: 'FF595959' } };
  cell.alignment = { horizontal: 'left', vertical: 'top', wrapText: true };
  ws.getRow(row).height = Math.max(30, 15 * lines.length + 6);
  return cell;
}

/** Writes the header row of a table form and styles it. */
export function writeHeader(ws: Worksheet, row: number, fields: readonly FieldDef[]): void {
  const r = ws.getRow(row);
  fields.forEach((f, i) => {
    const cell = r.getCell(i + 1);
    cell.value = printedLabel(f);
    cell.font = { ...SHEET_FONT, bold: true };
    cell.alignment = { horizontal: 'center', vertical: 'middle', wrapText: true };
    cell.border = THIN_BORDER;
    cell.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFD9E1F2' } };
  });
  r.height = 30;
}

/**
 * Sets widths and text formats per column and pre-formats `count` value rows below the header, with the
 * field's validation. Column-level '@' also covers rows typed below the pre-formatted ones.
 */
export function formatTableColumns(
  ws: Worksheet,
  fields: readonly FieldDef[],
  firstRow: number,
  count: number,
  lists: Map<string, string>,
): void {
  fields.forEach((f, i) => {
    const col = ws.getColumn(i + 1);
    col.width = f.width ?? 14;
    if (isTextField(f)) col.numFmt = '@';
    const validation = validationFor(f, lists);
    for (let r = firstRow; r < firstRow + count; r++) {
      const cell = ws.getCell(r, i + 1);
      cell.style = {
        font: { ...SHEET_FONT },
        border: THIN_BORDER,
        alignment: { vertical: 'middle', wrapText: true },
        ...(isTextField(f) ? { numFmt: '@' } : {}),
      };
    }
    if (validation) {
      const letter = col.letter;
      validateRange(ws, `${letter}${firstRow}:${letter}${firstRow + count - 1}`, validation);
    }
  });
}

/**
 * One validation over a whole range. Set cell by cell, exceljs squeezes the cells back into ranges in text
 * order (A10 before A6) and writes overlapping ranges per column; a range given as one is written as it is.
 */
export function validateRange(ws: Worksheet, range: string, validation: DataValidation): void {
  (
    ws as unknown as { dataValidations: { add(address: string, v: DataValidation): void } }
  ).dataValidations.add(range, validation);
}
