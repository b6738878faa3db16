import { describe, expect, it } from 'vitest';
import { normaliseHeader, rememberedFor, withTextMemo } from '../src/extract/normalise.ts';

describe('the text memo of one recognition run', () => {
  it('remembers a result within the run only, per owner, and forgets it when the run ends', () => {
    const owner = {};
    const other = {};
    let calls = 0;
    const length = (t: string) => {
      calls++;
      return t.length;
    };
    expect(rememberedFor(owner, '张三', length)).toBe(2);
    expect(rememberedFor(owner, '张三', length)).toBe(2);
    expect(calls).toBe(2);

    calls = 0;
    withTextMemo(() => {
      expect(rememberedFor(owner, '张三', length)).toBe(2);
      expect(rememberedFor(owner, '张三', length)).toBe(2);
      // A nested run shares the outer memory rather than starting afresh.
      withTextMemo(() => expect(rememberedFor(owner, '张三', length)).toBe(2));
      expect(calls).toBe(1);
      expect(rememberedFor(other, '张三', (t) => `${t}!`)).toBe('张三!');
    });
    expect(rememberedFor(owner, '张三', length)).toBe(2);
    expect(calls).toBe(2);
  });

  it('gives the same normalised headers inside and outside a run, and forgets them after a throw', () => {
    const texts = ['身份证号码（必填）', '＊姓 名：', '【注】统一社会信用代码', ''];
    const outside = texts.map(normaliseHeader);
    expect(withTextMemo(() => texts.map(normaliseHeader).concat(texts.map(normaliseHeader)))).toEqual([
      ...outside,
      ...outside,
    ]);
    expect(outside.slice(0, 2)).toEqual(['身份证号码', '姓名']);
    let calls = 0;
    expect(() =>
      withTextMemo(() => {
        rememberedFor({}, 'x', () => calls++);
        throw new Error('reader failed');
      }),
    ).toThrow('reader failed');
    const owner = {};
    rememberedFor(owner, 'x', () => calls++);
    rememberedFor(owner, 'x', () => calls++);
    expect(calls).toBe(3);
  });
});
