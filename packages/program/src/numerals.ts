/**
 * Class numbers as people write them (1, 01, 第一期, 十二期 …). Every reader of a class number (form
 * headers, the bureau's schedule sheet, sign-in sheets) goes through here, so they agree.
 */
import { normaliseText } from '@lingjun/core';

const CN_DIGITS: Readonly<Record<string, number>> = {
  零: 0,
  〇: 0,
  一: 1,
  二: 2,
  两: 2,
  三: 3,
  四: 4,
  五: 5,
  六: 6,
  七: 7,
  八: 8,
  九: 9,
};

/** Value of a Chinese numeral up to 99 (一, 十, 十二, 二十, 二十三); undefined for anything else. */
export function chineseNumber(text: string): number | undefined {
  if (!/^[零〇一二两三四五六七八九十]+$/.test(text)) return undefined;
  const i = text.indexOf('十');
  if (i < 0) return text.length === 1 ? CN_DIGITS[text] : undefined;
  if (text.indexOf('十', i + 1) >= 0) return undefined;
  const tens = i === 0 ? 1 : text.length >= 2 && i === 1 ? CN_DIGITS[text[0]!] : undefined;
  const unitsText = text.slice(i + 1);
  const units = unitsText === '' ? 0 : unitsText.length === 1 ? CN_DIGITS[unitsText] : undefined;
  if (tens === undefined || units === undefined || i > 1) return undefined;
  return tens * 10 + units;
}

/** 1, 01, 一, 十, 十二, 二十 → number; undefined when it is not a small numeral. */
export function parseNumeral(text: string): number | undefined {
  return /^\d+$/.test(text) ? Number(text) : chineseNumber(text);
}

/** Reads a class number from 1, 01, 第1期, 第一期, 一期, 十, 1期, 第1期班 …; undefined when it is not one. */
export function parseClassNo(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value > 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const t = normaliseText(value, 'remove').replace(/[（(].*?[)）]/g, '');
  const m = /^第?([0-9]+|[零〇一二两三四五六七八九十]+)(?:期|班|期班)?$/.exec(t);
  if (!m) return undefined;
  const n = parseNumeral(m[1]!);
  return n !== undefined && n > 0 ? n : undefined;
}
