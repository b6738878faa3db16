import type { Program } from '@lingjun/program';
import { programRegions } from '@lingjun/program';
import {
  type Checked,
  cellString,
  checkClassNo,
  checkDate,
  checkEducation,
  checkEmail,
  checkEnterpriseTypes,
  checkEthnicity,
  checkIdAgainst,
  checkIdNumber,
  checkInteger,
  checkMobile,
  checkNumber,
  checkPhone,
  checkPolitics,
  checkSex,
  checkUscc,
  checkYearMonth,
  type Finding,
  type FormName,
  finding,
  type Problem,
  principalWarning,
  shown,
  smeWarning,
  typeOtherWarning,
} from '@lingjun/rules';
import type { FieldDef, FormDef } from '../definitions.ts';
import type { CellValue } from '../raw.ts';
import type { FormRecord } from '../types.ts';

/** Where one field's value was found. */
export interface FoundValue {
  value: CellValue;
  format?: string | undefined;
  /** Spreadsheet row a person sees (absent for Word). */
  row?: number | undefined;
  /** A1 address, for spreadsheets. */
  address?: string | undefined;
}

/** What extraction knows while reading one form. */
export interface ExtractContext {
  program: Program;
}

/** Placeholders that mean "nothing here" in any field. */
const DASHES = /^[/\\\-—–_－、.。]+$/;
/** Words that mean "nothing" and count as empty where a field may be left empty. */
const NOTHING = /^(无|暂无|没有|空|n\/?a|none)$/i;

/** True when a found value is empty for this field. */
export function isEmptyValue(v: FoundValue | undefined, field: FieldDef): boolean {
  if (!v) return true;
  const real = (v.value instanceof Date && !Number.isNaN(v.value.getTime())) || Number.isFinite(v.value);
  const t = real ? 'x' : cellString(v.value);
  if (t === '' || DASHES.test(t)) return true;
  return !field.required && NOTHING.test(t);
}

/** Normalised text of a free-text field: collapses spaces; names lose the spaces used to align them. */
function text(value: CellValue, key: string): string {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? '' : value.toISOString().slice(0, 10);
  const t = cellString(value).replace(/[ \t\u3000]+/g, ' ');
  if (key === 'name' && /^[\p{Script=Han}·• ]+$/u.test(t)) return t.replace(/ /g, '');
  return t;
}

/** Applies a field's rule to a found value. */
export function normaliseField(field: FieldDef, v: FoundValue, ctx: ExtractContext): Checked {
  const { value, format } = v;
  switch (field.type) {
    case 'text':
      return { ok: true, value: text(value, field.key) };
    case 'region': {
      const regions = programRegions(ctx.program);
      const r = regions.resolve(cellString(value));
      if (r) return { ok: true, value: r.code };
      return {
        ok: false,
        problem: { code: 'UNKNOWN_REGION', message: `地区${regions.unknown(shown(value))}` },
      };
    }
    case 'sex':
      return checkSex(value);
    case 'ethnicity':
      return checkEthnicity(value);
    case 'yearMonth':
      return checkYearMonth(value, { year: ctx.program.year, format });
    case 'politics':
      return checkPolitics(value);
    case 'education':
      return checkEducation(value);
    case 'idNumber':
      return checkIdNumber(value, format);
    case 'uscc':
      return checkUscc(value, format);
    case 'enterpriseType':
      return checkEnterpriseTypes(value);
    case 'phone':
      return checkPhone(value);
    case 'mobile':
      return checkMobile(value);
    case 'email':
      return checkEmail(value);
    case 'integer':
      return checkInteger(value, field.label);
    case 'number':
      return checkNumber(value, field.label);
    case 'classNo':
      return checkClassNo(
        value,
        ctx.program.classes.map((c) => c.no),
      );
    case 'date':
      return checkDate(value, field.label, format);
  }
}

/** Location of a record for its findings. */
export interface RecordPlace {
  form: FormName;
  file: string;
  /** The record's row (tables); for labelled forms each finding takes its field's row. */
  row?: number | undefined;
  sheet?: string | undefined;
  /** Class the record is for, where already known (附件4 header). */
  classNo?: number | undefined;
}

/**
 * Builds one record: normalises every field, reports REQUIRED_MISSING and rule problems, cross-checks the ID
 * against 出生年月 and 性别, and adds the warnings that need only the record.
 */
export function buildRecord(
  form: FormDef,
  found: ReadonlyMap<string, FoundValue>,
  place: RecordPlace,
  ctx: ExtractContext,
): FormRecord {
  const values: Record<string, string> = {};
  const cells: Record<string, string> = {};
  const pending: { key: string; problem: Problem }[] = [];
  for (const field of form.fields) {
    const v = found.get(field.key);
    if (v?.address) cells[field.key] = v.address;
    if (isEmptyValue(v, field)) {
      if (field.required) {
        pending.push({
          key: field.key,
          problem: { code: 'REQUIRED_MISSING', message: `“${field.label}”未填写，这是必填项，请补充填写。` },
        });
      }
      continue;
    }
    const checked = normaliseField(field, v!, ctx);
    if (checked.ok) values[field.key] = checked.value;
    else pending.push({ key: field.key, problem: checked.problem });
  }
  if (values.idNumber) {
    for (const p of checkIdAgainst(values.idNumber, values.birth)) pending.push({ key: 'birth', problem: p });
    for (const p of checkIdAgainst(values.idNumber, undefined, values.sex))
      pending.push({ key: 'sex', problem: p });
  }
  const warn: [string, Problem | undefined][] = [
    ['title', principalWarning(values.title)],
    ['employees', smeWarning(values.employees, values.revenue)],
    ['enterpriseType', typeOtherWarning(values.enterpriseType)],
  ];
  for (const [key, p] of warn)
    if (p && form.fields.some((f) => f.key === key)) pending.push({ key, problem: p });

  const student = values.name;
  const classNo = place.classNo ?? (values.classNo ? Number(values.classNo) : undefined);
  const findings: Finding[] = pending.map(({ key, problem }) => {
    const label = form.fields.find((f) => f.key === key)?.label ?? key;
    const row = place.row ?? found.get(key)?.row;
    return finding(problem.code, problem.message, {
      form: place.form,
      file: place.file,
      ...(row !== undefined ? { row } : {}),
      field: label,
      ...(student ? { student } : {}),
      ...(classNo !== undefined && !Number.isNaN(classNo) ? { classNo } : {}),
    });
  });
  const record: FormRecord = { form: place.form, file: place.file, values, findings };
  if (place.row !== undefined) record.row = place.row;
  if (Object.keys(cells).length > 0) record.cells = cells;
  if (place.sheet !== undefined) record.sheet = place.sheet;
  return record;
}
