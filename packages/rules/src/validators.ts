import { maskId, maskPhone, maskText, normaliseText, spreadsheetDay } from '@lingjun/core';
import { parseClassNo as parseClassNoText } from '@lingjun/program';
import type { FindingCode } from './findings.ts';
import {
  EDUCATION_VARIANTS,
  EDUCATIONS,
  ENTERPRISE_TYPE_VARIANTS,
  ENTERPRISE_TYPES,
  ETHNICITIES,
  POLITICS,
  POLITICS_VARIANTS,
} from './values.ts';

/**
 * Field rules of spec §3 "Values". Each check takes a cell as the reader found it (string, number, Date …)
 * and gives either the normalised value or a problem ready to become a Finding. Messages are Chinese, say
 * what is wrong and how to fix it, and never repeat an ID or phone number: the reply names the row instead.
 */

/** A problem with one value: the finding code and the message for the sender. */
export interface Problem {
  code: FindingCode;
  message: string;
}

/** Outcome of a field rule: the normalised value, or what is wrong with it. */
export type Checked<T = string> = { ok: true; value: T } | { ok: false; problem: Problem };

const ok = <T>(value: T): Checked<T> => ({ ok: true, value });
const bad = (code: FindingCode, message: string): Checked<never> => ({
  ok: false,
  problem: { code, message },
});

/** Text of a cell: NFKC (full-width digits and letters become half-width) and trimmed. */
export function cellString(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? '' : value.toISOString();
  if (typeof value === 'number') return Number.isFinite(value) ? numberText(value) : '';
  return normaliseText(String(value));
}

/** Plain decimal text of a number (never exponent notation, which is how Excel shows long numbers). */
function numberText(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) >= 1e21) return n.toLocaleString('en-US', { useGrouping: false });
  if (Number.isInteger(n)) return BigInt(n).toString();
  return String(n);
}

/**
 * A value as quoted back in a message: personal numbers typed into the wrong column are masked (spec §10)
 * and long text is cut.
 */
export function shown(value: unknown): string {
  const t = maskText(cellString(value)).replace(
    /\d{7,}/g,
    (d) => d.slice(0, 3) + '*'.repeat(d.length - 7) + d.slice(-4),
  );
  return t.length > 30 ? `${t.slice(0, 30)}…` : t;
}

/** A credit code as quoted back: not personal, but an ID typed into its column must stay masked. */
function shownCode(code: string): string {
  if (code.length !== 18) return shown(code);
  return /^\d{17}[\dX]$/.test(code) && idCheckDigit(code) === code[17] ? maskId(code) : code;
}

/** Key used to look values up in the variant tables: no whitespace, no quotes or brackets of any width. */
export function valueKey(text: string): string {
  return normaliseText(text, 'remove').replace(/["'“”‘’「」『』〝〞]/g, '');
}

// ---------------------------------------------------------------------------------------------------------
// 身份证号码 (GB 11643)

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = '10X98765432';

/** The GB 11643 (ISO 7064 MOD 11-2) check character for the first 17 digits of an ID number. */
export function idCheckDigit(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * ID_WEIGHTS[i]!;
  return ID_CHECK[sum % 11]!;
}

const NUMBER_FORMAT_HINT = "请将该列单元格设置为“文本”格式后重新输入完整号码（或在号码前加英文单引号 '）";

/** Whether a reader's number format says the cell holds a number rather than text. */
function isNumericFormat(format: string | undefined): boolean {
  if (!format) return false;
  return format !== '@' && !/^text$/i.test(format);
}

function storedAsNumber(value: unknown, text: string): boolean {
  return typeof value === 'number' || /^\d(\.\d+)?E\+?\d+$/i.test(text);
}

/** Valid calendar date for the digits YYYYMMDD. */
function validYmd(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const days = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return d <= days;
}

/**
 * Checks a 身份证号码: 18 characters with a valid check character and birth date. An ID that a spreadsheet
 * stored as a number has lost its last digits; that gets a message telling the sender to use text format.
 */
export function checkIdNumber(value: unknown, format?: string): Checked {
  const text = cellString(value);
  if (storedAsNumber(value, text)) {
    return bad('ID_CHECKSUM', `身份证号码被表格存成了数字，末尾几位已丢失，无法核对。${NUMBER_FORMAT_HINT}`);
  }
  const id = text.replace(/[\s\-‐－—]/g, '').toUpperCase();
  if (/^\d{15}$/.test(id)) {
    return bad('ID_CHECKSUM', '身份证号码为15位旧号码，请填写18位的居民身份证号码。');
  }
  if (id.length !== 18) {
    const hint =
      /^\d+$/.test(id) && isNumericFormat(format) ? NUMBER_FORMAT_HINT : '请核对后填写完整的18位号码。';
    return bad('ID_CHECKSUM', `身份证号码（${maskId(id)}）应为18位，现为${id.length}位；${hint}`);
  }
  if (!/^\d{17}[\dX]$/.test(id)) {
    return bad(
      'ID_CHECKSUM',
      `身份证号码（${maskId(id)}）只能由数字组成（最后一位可以是X），请核对后重新填写。`,
    );
  }
  const y = Number(id.slice(6, 10));
  const m = Number(id.slice(10, 12));
  const d = Number(id.slice(12, 14));
  if (!validYmd(y, m, d) || y < 1900) {
    return bad(
      'ID_CHECKSUM',
      `身份证号码（${maskId(id)}）中的出生日期（第7至14位）不是有效日期，请核对后重新填写。`,
    );
  }
  if (idCheckDigit(id) !== id[17]) {
    const lost = id.endsWith('000') || isNumericFormat(format);
    return bad(
      'ID_CHECKSUM',
      lost
        ? `身份证号码校验位不正确，末尾可能因单元格为数字格式而被改成了0。${NUMBER_FORMAT_HINT}`
        : `身份证号码（${maskId(id)}）校验位（最后一位）不正确，请逐位核对后重新填写。`,
    );
  }
  return ok(id);
}

/** Birth month (YYYY-MM) written inside a valid 18-digit ID number. */
export function idBirthMonth(id: string): string {
  return `${id.slice(6, 10)}-${id.slice(10, 12)}`;
}

/** Sex written inside a valid 18-digit ID number: the 17th digit is odd for 男, even for 女. */
export function idSex(id: string): '男' | '女' {
  return Number(id[16]) % 2 === 1 ? '男' : '女';
}

/**
 * Cross-checks a valid ID number against the record's 出生年月 and 性别 (both already normalised); one
 * problem per disagreement so the sender sees which to correct.
 */
export function checkIdAgainst(id: string, birth?: string, sex?: string): Problem[] {
  const problems: Problem[] = [];
  if (birth && idBirthMonth(id) !== birth) {
    problems.push({
      code: 'ID_BIRTH_MISMATCH',
      message: `出生年月填写为${birth}，与身份证号码中的出生年月（${idBirthMonth(id)}）不一致，请核对哪一项有误并改正。`,
    });
  }
  if (sex && idSex(id) !== sex) {
    problems.push({
      code: 'ID_BIRTH_MISMATCH',
      message: `性别填写为“${sex}”，与身份证号码第17位所示的性别（${idSex(id)}）不一致，请核对性别或身份证号码。`,
    });
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------------------
// 统一社会信用代码 (GB 32100)

/** GB 32100 character set: digits and capitals without I, O, S, V, Z. */
export const USCC_CHARSET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/** The GB 32100 check character for the first 17 characters of a credit code. */
export function usccCheckDigit(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += USCC_CHARSET.indexOf(first17[i]!) * USCC_WEIGHTS[i]!;
  return USCC_CHARSET[(31 - (sum % 31)) % 31]!;
}

/** Checks a 统一社会信用代码: length, character set and check character, each with its own message. */
export function checkUscc(value: unknown, format?: string): Checked {
  const text = cellString(value);
  if (storedAsNumber(value, text)) {
    return bad(
      'USCC_CHECKSUM',
      `统一社会信用代码被表格存成了数字，部分位数已丢失，无法核对。${NUMBER_FORMAT_HINT}`,
    );
  }
  const code = text.replace(/[\s\-‐－—]/g, '').toUpperCase();
  if (code.length !== 18) {
    const hint =
      /^\d+$/.test(code) && isNumericFormat(format)
        ? NUMBER_FORMAT_HINT
        : '请对照营业执照填写完整的18位代码。';
    return bad(
      'USCC_CHECKSUM',
      `统一社会信用代码“${shownCode(code)}”应为18位，现为${code.length}位；${hint}`,
    );
  }
  const wrong = [...code].filter((c) => !USCC_CHARSET.includes(c));
  if (wrong.length > 0) {
    const letters = [...new Set(wrong)].join('、');
    return bad(
      'USCC_CHECKSUM',
      `统一社会信用代码“${shownCode(code)}”含有不允许的字符（${letters}）；代码不使用字母I、O、S、V、Z，常见原因是把数字0、1、5、2误写成字母，请对照营业执照改正。`,
    );
  }
  if (usccCheckDigit(code) !== code[17]) {
    return bad(
      'USCC_CHECKSUM',
      `统一社会信用代码“${shownCode(code)}”校验位（最后一位）不正确，请对照营业执照逐位核对后重新填写。`,
    );
  }
  return ok(code);
}

/** The administrative division digits (positions 3-8) of a credit code. */
export function usccDivision(code: string): string {
  return code.slice(2, 8);
}

// ---------------------------------------------------------------------------------------------------------
// Phones and email

/** Checks a 手机号码: 11 digits 1[3-9]…, tolerating spaces, dashes, brackets and a +86/0086 prefix. */
export function checkMobile(value: unknown): Checked {
  const text = cellString(value);
  const digits = text.replace(/[\s\-‐－—()（）.]/g, '').replace(/^(\+|00)?86(?=1\d{10}$)/, '');
  if (/^1[3-9]\d{9}$/.test(digits)) return ok(digits);
  const n = text.replace(/\D/g, '').length;
  return bad(
    'PHONE_INVALID',
    n === 11
      ? `手机号码（${maskPhone(digits)}）格式不正确（应以13至19开头），请核对后重新填写。`
      : `手机号码（${maskPhone(digits)}）应为11位数字，现为${n}位，请核对后重新填写（不要填写座机号码或多个号码）。`,
  );
}

/** Loose check of a landline (办公电话): digits with dashes, brackets, an extension; flags only clear nonsense. */
export function checkPhone(value: unknown): Checked {
  const text = cellString(value);
  const compact = text.replace(/\s+/g, '');
  const allowed = /^[\d\-‐－—()（）+#*,，、;；/转分机ext.]+$/i;
  const digits = compact.replace(/\D/g, '').length;
  if (allowed.test(compact) && digits >= 7 && digits <= 40) return ok(compact);
  return bad(
    'PHONE_INVALID',
    `办公电话“${shown(text)}”格式不正确，请按“区号-号码”填写，例如 010-68205555 或 0311-8765432-801。`,
  );
}

/** Checks an 电子邮箱, normalising full-width @ and dots. */
export function checkEmail(value: unknown): Checked {
  const text = cellString(value)
    .replace(/^mailto:/i, '')
    .replace(/[。．｡]/g, '.')
    .replace(/\s+/g, '');
  const m = /^([A-Za-z0-9._%+-]+)@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)$/.exec(text);
  if (m && !m[2]!.endsWith('.') && /\.[A-Za-z]{2,}$/.test(m[2]!)) return ok(`${m[1]}@${m[2]!.toLowerCase()}`);
  return bad(
    'EMAIL_INVALID',
    `电子邮箱“${shown(text)}”格式不正确，请填写一个完整的邮箱地址，例如 zhangsan@163.com（不要使用中文标点，不要填写多个地址）。`,
  );
}

// ---------------------------------------------------------------------------------------------------------
// Closed lists

/** Checks 性别: 男 / 女 (男性, 女性, M, F, male, female accepted). */
export function checkSex(value: unknown): Checked<'男' | '女'> {
  const t = valueKey(cellString(value)).toLowerCase();
  if (['男', '男性', 'm', 'male'].includes(t)) return ok('男');
  if (['女', '女性', 'f', 'female'].includes(t)) return ok('女');
  return bad('VALUE_INVALID', `性别应填写“男”或“女”，现为“${shown(value)}”，请改正。`);
}

const ETHNICITY_SET = new Set(ETHNICITIES);

/** Checks 民族: one of the 56 groups; the name without 族 (汉, 回, 蒙古) is accepted. */
export function checkEthnicity(value: unknown): Checked {
  const t = valueKey(cellString(value)).replace(/[（(].*?[)）]/g, '');
  if (ETHNICITY_SET.has(t)) return ok(t);
  if (ETHNICITY_SET.has(`${t}族`)) return ok(`${t}族`);
  return bad(
    'VALUE_INVALID',
    `民族“${shown(value)}”不是56个民族之一，请填写民族全称，例如汉族、回族、蒙古族、维吾尔族。`,
  );
}

/** Checks 政治面貌 against the spec list and its common variants. */
export function checkPolitics(value: unknown): Checked {
  const t = valueKey(cellString(value)).replace(/[（(](.*?)[)）]/g, '$1');
  const found = POLITICS.includes(t) ? t : POLITICS_VARIANTS[t];
  if (found) return ok(found);
  return bad('VALUE_INVALID', `政治面貌“${shown(value)}”无法识别，请填写以下之一：${POLITICS.join('、')}。`);
}

/** Checks 学历 against the spec list and its common variants (本科, 大专, 研究生, MBA …). */
export function checkEducation(value: unknown): Checked {
  const raw = valueKey(cellString(value)).toUpperCase();
  const candidates = [raw, raw.replace(/[（(].*?[)）]/g, ''), raw.replace(/[（(](.*?)[)）]/g, '$1')];
  // "研究生/硕士": the first part names the level well enough.
  for (const part of raw.split(/[/、,，]/)) candidates.push(part);
  for (const c of candidates) {
    const found = EDUCATIONS.includes(c) ? c : EDUCATION_VARIANTS[c];
    if (found) return ok(found);
  }
  return bad('VALUE_INVALID', `学历“${shown(value)}”无法识别，请填写以下之一：${EDUCATIONS.join('、')}。`);
}

const TYPE_PREFIX = /^(国家级|国家|省级|市级|区级|县级|省|市|部级)/;

/** One 企业类型 token → the listed value, or undefined. */
function enterpriseType(token: string): string | undefined {
  const k = valueKey(token).replace(/[《》【】]/g, '');
  return ENTERPRISE_TYPE_VARIANTS[k] ?? ENTERPRISE_TYPE_VARIANTS[k.replace(TYPE_PREFIX, '')];
}

/**
 * Checks 企业类型: one or more listed values separated by 、 ， , ； ; / or new lines; returns them joined
 * by 、 in the order written, without duplicates.
 */
export function checkEnterpriseTypes(value: unknown): Checked<string> {
  const tokens = cellString(value)
    .split(/[、，,；;/／|\n\r\t]+|\s{1,}/)
    .map((s) => s.trim())
    .filter(Boolean);
  const out: string[] = [];
  const unknown: string[] = [];
  for (const t of tokens) {
    const found = enterpriseType(t);
    if (!found) unknown.push(t);
    else if (!out.includes(found)) out.push(found);
  }
  if (unknown.length > 0 || out.length === 0) {
    return bad(
      'VALUE_INVALID',
      `企业类型${unknown.length ? `“${shown(unknown.join('、'))}”` : ''}无法识别，请从以下类型中选择一项或多项（多项用顿号分隔）：${ENTERPRISE_TYPES.join('、')}。`,
    );
  }
  return ok(out.join('、'));
}

// ---------------------------------------------------------------------------------------------------------
// Dates and numbers

/** Year, month and optional day read from the many ways people write a date; undefined when not a date. */
export function parseDateParts(
  value: unknown,
  format?: string,
): { y: number; m: number; d?: number } | undefined {
  if (value instanceof Date) return spreadsheetDay(value);
  let text: string;
  if (typeof value === 'number') {
    // A real Excel date serial (1900-2100) rather than a number like 1975.06 or 197506.
    if (Number.isInteger(value) && value > 1 && value < 73051 && !(value >= 1900 && value <= 2100)) {
      return spreadsheetDay(value);
    }
    // 1975.10 typed into a number cell is stored as 1975.1; a two-decimal format shows what was meant.
    text = format && /0\.00/.test(format) ? value.toFixed(2) : String(value);
  } else {
    text = cellString(value);
  }
  const t = text.replace(/\s+/g, '');
  let m = /^(\d{4})(?:[.\-/年])(\d{1,2})(?:(?:[.\-/月])(\d{1,2})日?|月)?(?:T[\d:.]+Z?)?$/.exec(t);
  if (m) return { y: Number(m[1]), m: Number(m[2]), ...(m[3] ? { d: Number(m[3]) } : {}) };
  m = /^(\d{4})(\d{2})(\d{2})?$/.exec(t);
  if (m) return { y: Number(m[1]), m: Number(m[2]), ...(m[3] ? { d: Number(m[3]) } : {}) };
  m = /^(\d{4})年?$/.exec(t);
  if (m) return { y: Number(m[1]), m: 0 };
  return undefined;
}

const pad2 = (n: number) => String(n).padStart(2, '0');

/**
 * Checks 出生年月 and returns YYYY-MM; the person must be 18 to 80 years old in the program year
 * (an impossible age is almost always a typing slip).
 */
export function checkYearMonth(value: unknown, opts: { year: number; format?: string }): Checked {
  const p = parseDateParts(value, opts.format);
  const quoted = value instanceof Date ? '' : `“${shown(value)}”`;
  if (!p || p.m < 1 || p.m > 12 || (p.d !== undefined && !validYmd(p.y, p.m, p.d))) {
    return bad('VALUE_INVALID', `出生年月${quoted}无法识别，请按“1975.06”或“1975-06”的格式填写年和月。`);
  }
  const age = opts.year - p.y;
  if (age < 18 || age > 80) {
    return bad(
      'VALUE_INVALID',
      `出生年月${p.y}-${pad2(p.m)}不合理（${opts.year}年时年龄为${age}岁），请核对后按“1975.06”的格式重新填写。`,
    );
  }
  return ok(`${p.y}-${pad2(p.m)}`);
}

/** Checks a date such as 成立时间; keeps the precision written (YYYY, YYYY-MM or YYYY-MM-DD). */
export function checkDate(value: unknown, label = '日期', format?: string): Checked {
  const p = parseDateParts(value, format);
  if (p && p.y >= 1800 && p.y <= 2100 && p.m >= 0 && p.m <= 12) {
    if (p.m === 0) return ok(String(p.y));
    if (p.d === undefined) return ok(`${p.y}-${pad2(p.m)}`);
    if (validYmd(p.y, p.m, p.d)) return ok(`${p.y}-${pad2(p.m)}-${pad2(p.d)}`);
  }
  return bad(
    'VALUE_INVALID',
    `${label}“${shown(value)}”不是有效日期，请按“2010-05-12”或“2010.05”的格式填写。`,
  );
}

/** Reads a class number from 1, 01, 第1期, 第一期, 一期, 十, 1期 …; undefined when it is not one. */
export function parseClassNo(value: unknown): number | undefined {
  return parseClassNoText(typeof value === 'number' ? value : cellString(value));
}

/** Checks 培训期次 against the program's class numbers; returns the number as text ("1"). */
export function checkClassNo(value: unknown, classNos: readonly number[]): Checked {
  const n = parseClassNo(value);
  const list = classNos.map((c) => `第${c}期`).join('、');
  if (n === undefined) {
    return bad(
      'VALUE_INVALID',
      `培训期次“${shown(value)}”无法识别，请填写“第1期”这样的期次（本年度为${list}）。`,
    );
  }
  if (!classNos.includes(n)) {
    return bad('UNKNOWN_CLASS', `本年度没有第${n}期培训，请填写以下期次之一：${list}。`);
  }
  return ok(String(n));
}

/** Number in a cell, tolerating thousands separators, full-width digits and unit words. */
function parseAmount(value: unknown, units: RegExp): { n: number; scale: string } | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? { n: value, scale: '' } : undefined;
  const t = cellString(value).replace(/[\s,，]/g, '');
  const m = new RegExp(`^(?:约|近|共|合计)?(-?\\d+(?:\\.\\d+)?)(${units.source})?$`).exec(t);
  if (!m) return undefined;
  return { n: Number(m[1]), scale: m[2] ?? '' };
}

/** Checks a whole number such as 员工人数 (120, 1,200, 120人). */
export function checkInteger(value: unknown, label: string): Checked {
  const p = parseAmount(value, /人|名|个/);
  if (!p || !Number.isInteger(p.n) || p.n < 0) {
    return bad('VALUE_INVALID', `${label}“${shown(value)}”不是有效的整数，请只填写阿拉伯数字，例如 120。`);
  }
  return ok(String(p.n));
}

/**
 * Checks an amount in 万元 such as 上年度营业收入 (5000, 5,000万元, 1.2亿元, 50000000元), returned in 万元
 * because that is the unit the form asks for.
 */
export function checkNumber(value: unknown, label: string): Checked {
  const p = parseAmount(value, /万元|万|亿元|亿|元/);
  if (!p || p.n < 0) {
    return bad(
      'VALUE_INVALID',
      `${label}“${shown(value)}”不是有效的数字，请只填写以万元为单位的数字，例如 5000。`,
    );
  }
  let n = p.n;
  if (p.scale.startsWith('亿')) n *= 10000;
  else if (p.scale === '元') n /= 10000;
  return ok(String(Math.round(n * 10000) / 10000));
}
