import { fileURLToPath } from 'node:url';
import {
  buildForm3Workbook,
  buildForm4Workbook,
  buildForm5Docx,
  buildForm5Workbook,
  FORM3,
  FORM3_LAYOUT,
  FORM4,
  FORM4_LAYOUT,
  FORM5,
  form5XlsxRow,
  setCellText,
} from '@lingjun/forms';
import { loadProgram, type Program, programRegions } from '@lingjun/program';
import type ExcelJS from 'exceljs';
import type { Person } from './people.ts';

/**
 * Plays a provincial officer: takes the generated blank forms and fills them in the way people do (出生年月
 * typed as 1975.06, 期次 as 第1期, counts as numbers), so intake tests and the benchmark can send exactly
 * what the system itself hands out and compare what comes back.
 */

/** One 附件3 row, by FORM3 field key (region, unit, contact, mobile, email …). */
export type Form3Contact = Readonly<Record<string, string>>;

/** Options shared by the fill helpers. */
export interface FillOptions {
  /** Program whose templates are filled; default examples/program-2025.json. */
  program?: Program;
}

let defaultProgram: Promise<Program> | undefined;

function programOf(opts: FillOptions): Promise<Program> {
  if (opts.program) return Promise.resolve(opts.program);
  defaultProgram ??= loadProgram(
    fileURLToPath(new URL('../../../examples/program-2025.json', import.meta.url)),
  );
  return defaultProgram;
}

/** The text a person types for a normalised value: 1975-06 → 1975.06, class 1 → 第1期. */
export function displayValue(key: string, value: string): string {
  if (key === 'birth') return value.replace(/^(\d{4})-(\d{2})$/, '$1.$2');
  if (key === 'classNo') return /^\d+$/.test(value) ? `第${value}期` : value;
  return value;
}

function personValues(p: Person): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(p)) out[k] = displayValue(k, String(v));
  return out;
}

async function toBytes(wb: ExcelJS.Workbook): Promise<Uint8Array> {
  return new Uint8Array(await wb.xlsx.writeBuffer());
}

/** A region as written in 填报地区: the full name for a code of the program's regions, else the text as given. */
function regionText(program: Program, region: string): string {
  return programRegions(program).nameOf(region);
}

/** Fills the 附件4 template with people, one per row from the first data row; 序号 1, 2, 3 … */
export async function fillForm4(
  people: readonly Person[],
  region: string,
  classNo: number,
  opts: FillOptions = {},
): Promise<Uint8Array> {
  const program = await programOf(opts);
  const wb = await buildForm4Workbook(program);
  const ws = wb.getWorksheet(FORM4.title);
  if (!ws) throw new Error('附件4 template has no sheet');
  setCellText(ws.getCell(FORM4_LAYOUT.regionCell), regionText(program, region));
  setCellText(ws.getCell(FORM4_LAYOUT.classCell), `第${classNo}期`);
  people.forEach((p, i) => {
    const row = FORM4_LAYOUT.firstDataRow + i;
    const values = personValues(p);
    FORM4.fields.forEach((f, c) => {
      const cell = ws.getCell(row, c + 1);
      if (f.key === 'seq') cell.value = i + 1;
      else setCellText(cell, values[f.key]);
    });
  });
  return toBytes(wb);
}

/** Fills the 附件3 template with contacts, one per row. */
export async function fillForm3(
  contacts: readonly Form3Contact[],
  opts: FillOptions = {},
): Promise<Uint8Array> {
  const program = await programOf(opts);
  const wb = await buildForm3Workbook(program);
  const ws = wb.getWorksheet(FORM3.title);
  if (!ws) throw new Error('附件3 template has no sheet');
  contacts.forEach((contact, i) => {
    FORM3.fields.forEach((f, c) => {
      const v = contact[f.key];
      setCellText(
        ws.getCell(FORM3_LAYOUT.firstDataRow + i, c + 1),
        f.key === 'region' && v ? regionText(program, v) : v,
      );
    });
  });
  return toBytes(wb);
}

/** Fills the 附件5 Word form for one person. */
export async function fillForm5Docx(person: Person, opts: FillOptions = {}): Promise<Uint8Array> {
  return buildForm5Docx(await programOf(opts), personValues(person));
}

/** Fills the 附件5 workbook (one label/value pair per row) for one person; counts go in as numbers. */
export async function fillForm5Xlsx(person: Person, opts: FillOptions = {}): Promise<Uint8Array> {
  const wb = await buildForm5Workbook(await programOf(opts));
  const ws = wb.getWorksheet(FORM5.title);
  if (!ws) throw new Error('附件5 template has no sheet');
  const values = personValues(person);
  for (const f of FORM5.fields) {
    const cell = ws.getCell(form5XlsxRow(f.key), 2);
    const v = values[f.key];
    if ((f.type === 'integer' || f.type === 'number') && v !== undefined && /^\d+(\.\d+)?$/.test(v)) {
      cell.value = Number(v);
    } else {
      setCellText(cell, v);
    }
  }
  return toBytes(wb);
}
