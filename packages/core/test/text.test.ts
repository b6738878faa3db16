import { describe, expect, it } from 'vitest';
import { nameKey } from '../src/text.ts';

describe('nameKey', () => {
  it('makes every middle dot people type one dot', () => {
    const keys = [
      '买买提·艾力',
      '买买提・艾力',
      '买买提•艾力',
      '买买提．艾力',
      '买买提‧艾力',
      '买买提･艾力',
    ].map(nameKey);
    expect(new Set(keys)).toEqual(new Set(['买买提·艾力']));
  });

  it('folds full-width forms and stray spaces as other fields do', () => {
    expect(nameKey(' 王　𠮷 ')).toBe('王𠮷');
    expect(nameKey('ＡＢＣ·Ｄ')).toBe(nameKey('ABC.D'));
  });

  it('keeps apart names that differ in a character, rare ones included', () => {
    expect(nameKey('王𠮷')).not.toBe(nameKey('王吉'));
    // What SheetJS once made of 𠮷: the low 16 bits.
    expect(nameKey('王𠮷')).not.toBe(nameKey('王ஷ'));
    expect(nameKey('买买提·艾力')).not.toBe(nameKey('买买提艾力'));
  });
});
