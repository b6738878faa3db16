/** The evaluation summary's charts are HTML tables mail clients show (issue 15): no SVG, bars sized by value. */
import { readFile } from 'node:fs/promises';
import { EVALUATION_ITEMS } from '@lingjun/forms';
import { parseStrictHtml } from '@lingjun/mail/testing';
import { parseProgram } from '@lingjun/program';
import type { EvaluationRecord } from '@lingjun/registry';
import { describe, expect, it } from 'vitest';
import { barPercent, evaluationHtml, summariseEvaluations } from '../src/index.ts';

const program = parseProgram(
  JSON.parse(await readFile(new URL('../../../examples/program-2025.json', import.meta.url), 'utf8')),
);
const [course, teachers, organisation, effect] = EVALUATION_ITEMS as unknown as [
  string,
  string,
  string,
  string,
];

// 课程设置 averages 4.5, 师资力量 5, 组织管理 2.5; nobody scored 实际效果.
const given: [number, number, number][] = [
  [5, 5, 1],
  [4, 5, 2],
  [5, 5, 3],
  [4, 5, 4],
];
const records: EvaluationRecord[] = given.map(([a, b, c], i) => ({
  classNo: 1,
  id: `r${i}`,
  scores: { [course]: a, [teachers]: b, [organisation]: c },
  ...(i === 0 ? { comment: '希望增加<案例>教学 & 交流' } : {}),
  source: 'test',
  receivedAt: '2025-06-27T10:00:00.000Z',
}));

/** The filled part's width of the bar titled `title`; undefined when the bar has no filled part. */
function filledWidth(html: string, title: string): number | undefined {
  const bar = new RegExp(`<table[^>]*title="${title}"[^>]*><tr>(.*?)</tr></table>`).exec(html);
  if (!bar) throw new Error(`no bar titled ${title}`);
  const filled = /<td width="(\d+)%" bgcolor="#3a6ea5"/.exec(bar[1]!);
  return filled ? Number(filled[1]) : undefined;
}

describe('evaluation summary HTML', () => {
  const summary = summariseEvaluations(1, records);
  const html = evaluationHtml(program, summary);

  it('parses strictly and has no SVG', () => {
    const parsed = parseStrictHtml(html);
    expect(parsed.elements).toBeGreaterThan(20);
    expect(html).not.toMatch(/<svg/i);
    expect(parsed.text).toContain('共收到4份评价表');
    expect(parsed.text).toContain('希望增加<案例>教学 & 交流');
  });

  it("sizes each aspect's average bar by the average out of 5", () => {
    expect(summary.items.map((i) => i.average)).toEqual([4.5, 5, 2.5, 0]);
    expect(filledWidth(html, `${course}平均分4.50`)).toBe(90);
    expect(filledWidth(html, `${teachers}平均分5.00`)).toBe(100);
    expect(filledWidth(html, `${organisation}平均分2.50`)).toBe(50);
    expect(filledWidth(html, `${effect}平均分0.00`)).toBeUndefined();
    for (const i of summary.items)
      expect(filledWidth(html, `${i.item}平均分${i.average.toFixed(2)}`) ?? 0).toBe(
        Math.round((i.average / 5) * 100),
      );
  });

  it('sizes each distribution bar by its share of the answers, and the two cells of a bar fill the row', () => {
    // 课程设置: two 5s and two 4s of four answers.
    expect(filledWidth(html, `${course}5分2人`)).toBe(50);
    expect(filledWidth(html, `${course}4分2人`)).toBe(50);
    expect(filledWidth(html, `${course}1分0人`)).toBeUndefined();
    expect(filledWidth(html, `${teachers}5分4人`)).toBe(100);
    expect(filledWidth(html, `${organisation}3分1人`)).toBe(25);
    for (const bar of html.matchAll(/<table[^>]*title="[^"]*"[^>]*><tr>(.*?)<\/tr><\/table>/g)) {
      const widths = [...bar[1]!.matchAll(/<td width="(\d+)%"/g)].map((m) => Number(m[1]));
      expect(widths.reduce((a, b) => a + b, 0)).toBe(100);
    }
  });

  it('keeps every style inline: no style block, no class, every bar colour given twice for Outlook', () => {
    expect(html).not.toMatch(/<style|class=/);
    expect(html).not.toContain('&nbsp;');
    for (const cell of html.matchAll(/<td width="\d+%"([^>]*)>/g))
      expect(cell[1]).toMatch(/bgcolor="(#[0-9a-f]{6})" style="[^"]*background:\1;/);
  });

  it('rounds a share to a whole percentage within 0–100', () => {
    expect(barPercent(4.5, 5)).toBe(90);
    expect(barPercent(4.38, 5)).toBe(88);
    expect(barPercent(1, 3)).toBe(33);
    expect(barPercent(0, 0)).toBe(0);
    expect(barPercent(6, 5)).toBe(100);
  });
});
