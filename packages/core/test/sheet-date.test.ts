import { describe, expect, it } from 'vitest';
import { isoDay, normaliseText, spreadsheetDay } from '../src/index.ts';

const iso = (v: Date | number) => {
  const day = spreadsheetDay(v);
  return day && isoDay(day);
};

describe('spreadsheetDay', () => {
  it('reads serials of the 1900 date system, including the days around its false 1900-02-29', () => {
    expect(iso(1)).toBe('1900-01-01');
    expect(iso(59)).toBe('1900-02-28');
    expect(iso(60)).toBeUndefined();
    expect(iso(61)).toBe('1900-03-01');
    expect(iso(25569)).toBe('1970-01-01');
    expect(iso(27560)).toBe('1975-06-15');
    expect(iso(45831)).toBe('2025-06-23');
  });

  it('ignores the time of day of a serial and refuses what is no serial', () => {
    expect(iso(45831.99)).toBe('2025-06-23');
    expect(iso(0)).toBeUndefined();
    expect(iso(-3)).toBeUndefined();
    expect(iso(Number.NaN)).toBeUndefined();
  });

  it('gives the day of a date cell at UTC or at Beijing midnight alike', () => {
    expect(iso(new Date(Date.UTC(2025, 5, 23)))).toBe('2025-06-23');
    expect(iso(new Date(Date.UTC(2025, 5, 22, 16)))).toBe('2025-06-23');
    expect(iso(new Date(Number.NaN))).toBeUndefined();
  });
});

describe('normaliseText', () => {
  it('makes full-width forms half-width and trims, or removes every space', () => {
    expect(normaliseText('  ＡＢＣ１２３（注） ')).toBe('ABC123(注)');
    expect(normaliseText(' 姓\u3000名 \n', 'remove')).toBe('姓名');
    expect(normaliseText(' 张 三 ')).toBe('张 三');
  });
});
