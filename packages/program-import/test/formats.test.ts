/**
 * 附件1 and 附件2 as the bureau sends them: a Word table of the 37 regions (.docx), a WPS Writer table (.wps,
 * the Word 97 binary) whose dates sit in one 培训时间 column, and the same as .doc.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadProgram, NOTICE_REGION_TABLE, NOTICE_REGIONS } from '@lingjun/program';
import { Document, Packer, Paragraph, Table, TableCell, TableRow } from 'docx';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ImportError, importProgram, parseDateRange, readQuotas, readSchedule } from '../src/index.ts';
import { lingjun, scratchProgram } from './support/scratch.ts';
import { writeWord97 } from './support/word97.ts';

let dir: string;
let programFile: string;

beforeEach(async () => {
  ({ dir, programFile } = await scratchProgram('lingjun-import-word-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

type DocCell = string | { text: string; span?: number; merge?: 'restart' | 'continue' };

/** A .docx as the bureau writes it: a title paragraph, one table, a note under it. */
async function writeDocx(file: string, title: string, rows: DocCell[][], note?: string): Promise<void> {
  const cell = (c: DocCell) => {
    const { text, span, merge } = typeof c === 'string' ? { text: c } : c;
    return new TableCell({
      children: [new Paragraph(text)],
      ...(span ? { columnSpan: span } : {}),
      ...(merge ? { verticalMerge: merge } : {}),
    });
  };
  const doc = new Document({
    sections: [
      {
        children: [
          new Paragraph(title),
          new Table({ rows: rows.map((r) => new TableRow({ children: r.map(cell) })) }),
          ...(note ? [new Paragraph(note)] : []),
        ],
      },
    ],
  });
  await writeFile(file, await Packer.toBuffer(doc));
}

// How 附件2 writes region names: short names mostly, a few full ones.
const shortName = (i: number) => {
  const r = NOTICE_REGIONS[i]!;
  return i % 3 === 0 ? r.name : (r.aliases[0] ?? r.name);
};

describe('date ranges in one 培训时间 cell', () => {
  it('reads the ways a class period is written', () => {
    const cases: [string, string, string][] = [
      ['6月23日—26日', '2025-06-23', '2025-06-26'],
      ['6月23日至26日', '2025-06-23', '2025-06-26'],
      ['6.23-6.26', '2025-06-23', '2025-06-26'],
      ['6月30日—7月3日', '2025-06-30', '2025-07-03'],
      ['６月２３日～２６日', '2025-06-23', '2025-06-26'],
      ['2025年6月23日-2025年6月26日', '2025-06-23', '2025-06-26'],
      ['2025-06-23—2025-06-26', '2025-06-23', '2025-06-26'],
      ['6月23日 ——\n26日', '2025-06-23', '2025-06-26'],
      ['12月30日—1月2日', '2025-12-30', '2026-01-02'],
    ];
    for (const [text, start, end] of cases) expect(parseDateRange(text, 2025), text).toEqual({ start, end });
  });

  it('refuses what is not a period or names a day that does not exist', () => {
    for (const text of ['6月下旬', '6月23日', '6月31日—7月3日', '合计', '']) {
      expect(parseDateRange(text, 2025), text).toBeUndefined();
    }
    expect(parseDateRange(45831, 2025)).toBeUndefined();
  });
});

describe('附件2 as a Word table', () => {
  it('imports the 37 regions of a .docx table, short names and a merged totals row included', async () => {
    const file = join(dir, '附件2.docx');
    const rows: DocCell[][] = [
      ['序号', '省区市及计划单列市', '名额'],
      ...NOTICE_REGIONS.map((_, i) => [String(i + 1), shortName(i), String(20 + (i % 7))]),
      [{ text: '合计', span: 2 }, String(NOTICE_REGIONS.reduce((a, _, i) => a + 20 + (i % 7), 0))],
    ];
    await writeDocx(file, '附件2  2025年度领军人才培训名额分配表', rows, '注：名额不得跨地区调剂。');
    const { entries, warnings } = await readQuotas(file, NOTICE_REGION_TABLE);
    expect(entries).toHaveLength(37);
    expect(warnings).toEqual([]);
    expect(entries.map((e) => e.code)).toEqual(NOTICE_REGIONS.map((r) => r.code));
    expect(entries.find((e) => e.code === '660000')).toMatchObject({
      name: '新疆生产建设兵团',
      total: 20 + (36 % 7),
    });

    const result = await importProgram({ programFile, quotasFile: file });
    expect(result.written).toBe(true);
    const program = await loadProgram(programFile);
    expect(Object.keys(program.quotas)).toHaveLength(37);
    expect(program.quotas['210200']).toEqual({ total: 20 + (31 % 7) });
    expect(result.changes.filter((c) => c.kind === 'quota-added')).toHaveLength(37 - 13);
  });

  it('reads a table laid out as two blocks side by side and names a bad row by table and row', async () => {
    const file = join(dir, '附件2-两栏.docx');
    const half = Math.ceil(NOTICE_REGIONS.length / 2);
    const rows: DocCell[][] = [['序号', '地区', '名额', '序号', '地区', '名额']];
    for (let i = 0; i < half; i++) {
      const j = i + half;
      rows.push([
        String(i + 1),
        shortName(i),
        '10',
        j < NOTICE_REGIONS.length ? String(j + 1) : '合计',
        j < NOTICE_REGIONS.length ? shortName(j) : '',
        j < NOTICE_REGIONS.length ? '5' : String(half * 10 + (NOTICE_REGIONS.length - half) * 5),
      ]);
    }
    await writeDocx(file, '名额分配表', rows);
    const { entries, warnings } = await readQuotas(file, NOTICE_REGION_TABLE);
    expect(entries).toHaveLength(37);
    expect(warnings).toEqual([]);
    expect(entries.filter((e) => e.total === 5).map((e) => e.code)).toEqual(
      NOTICE_REGIONS.slice(half).map((r) => r.code),
    );

    rows[3]![4] = '山冬';
    await writeDocx(file, '名额分配表', rows);
    await expect(readQuotas(file, NOTICE_REGION_TABLE)).rejects.toThrow(
      /附件2-两栏\.docx 表格1第4行：地区“山冬”不是37个报送地区之一/,
    );
  });

  it('reads a second block that has no 序号 column of its own', async () => {
    const file = join(dir, '附件2-无序号.docx');
    await writeDocx(file, '名额分配表', [
      ['序号', '地区', '名额', '地区', '名额'],
      ['1', '河北', '30', '大连', '5'],
      ['2', '山西', '25', '合计', '60'],
    ]);
    const { entries, warnings } = await readQuotas(file, NOTICE_REGION_TABLE);
    expect(entries.map((e) => [e.code, e.total])).toEqual([
      ['130000', 30],
      ['210200', 5],
      ['140000', 25],
    ]);
    expect(warnings).toEqual([]);
  });

  it('reads a two-row header whose 名额 cell spans 合计 and the classes', async () => {
    const file = join(dir, '附件2-分期.docx');
    await writeDocx(file, '名额分配表', [
      [
        { text: '地区', merge: 'restart' },
        { text: '名额', span: 3 },
      ],
      [{ text: '', merge: 'continue' }, '合计', '第1期', '第2期'],
      ['河北', '30', '10', '20'],
      ['宁波', '6', '', '6'],
    ]);
    const { entries } = await readQuotas(file, NOTICE_REGION_TABLE);
    expect(entries.map((e) => [e.code, e.total, e.perClass])).toEqual([
      ['130000', 30, { '1': 10, '2': 20 }],
      ['330200', 6, { '2': 6 }],
    ]);
  });
});

/** 附件1 as the bureau lays it out in WPS Writer: 期次, one 培训时间 column, 地点, 承办单位; a totals row. */
const schedule = [
  '附件1',
  '2025年度中小企业经营管理领军人才培训期次安排',
  [
    ['期次', '培训时间', '培训地点', '承办单位', '人数'],
    ['第一期', '6月23日—26日', '北京', '中国中小企业发展促进中心', '100'],
    ['第二期', '7月8日至11日', '上海', '上海交通大学', '100'],
    ['第三期', '7.22-7.25', '杭州', '浙江大学', '100'],
    ['第十期', '11月18日—21日', '南京', '南京大学', '100'],
    ['合计', '', '', '', '400'],
  ],
  '注：具体报到安排另行通知。',
];

describe('附件1 as a WPS / Word 97 table with one 培训时间 column', () => {
  it.each(['附件1.wps', '附件1.doc'])('%s: classes keep the deadlines the program has', async (name) => {
    const file = join(dir, name);
    await writeFile(file, writeWord97(schedule));
    const entries = await readSchedule(file, 2025);
    expect(entries.map(({ no, start, end, location }) => ({ no, start, end, location }))).toEqual([
      { no: 1, start: '2025-06-23', end: '2025-06-26', location: '北京' },
      { no: 2, start: '2025-07-08', end: '2025-07-11', location: '上海' },
      { no: 3, start: '2025-07-22', end: '2025-07-25', location: '杭州' },
      { no: 10, start: '2025-11-18', end: '2025-11-21', location: '南京' },
    ]);
    // 第十期 is new and 附件1 gives no deadline: the import says so and writes nothing.
    const before = await readFile(programFile, 'utf8');
    const err = await importProgram({ programFile, scheduleFile: file }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImportError);
    expect((err as Error).message).toContain('第10期');
    expect((err as Error).message).toContain('--deadline');
    expect(await readFile(programFile, 'utf8')).toBe(before);

    const result = await importProgram({ programFile, scheduleFile: file, deadlines: { 10: '2025-10-31' } });
    expect(result.written).toBe(true);
    const program = await loadProgram(programFile);
    expect(program.classes).toEqual([
      { no: 1, start: '2025-06-23', end: '2025-06-26', location: '北京', deadline: '2025-06-09' },
      { no: 2, start: '2025-07-08', end: '2025-07-11', location: '上海', deadline: '2025-06-20' },
      { no: 3, start: '2025-07-22', end: '2025-07-25', location: '杭州', deadline: '2025-06-20' },
      { no: 10, start: '2025-11-18', end: '2025-11-21', location: '南京', deadline: '2025-10-31' },
    ]);
    expect(result.changes.find((c) => c.path === 'classes[0]')?.message).toBe(
      '第1期：开班日期 2025-06-24 → 2025-06-23，结班日期 2025-06-27 → 2025-06-26',
    );
  });

  it('names the row of a 培训时间 that is not a period', async () => {
    const file = join(dir, '附件1.wps');
    await writeFile(
      file,
      writeWord97([
        [
          ['期次', '培训时间', '培训地点'],
          ['第一期', '6月下旬', '北京'],
        ],
      ]),
    );
    await expect(readSchedule(file, 2025)).rejects.toThrow(
      /附件1\.wps 表格1第2行：培训时间“6月下旬”不是起止日期/,
    );
  });

  it('imports through the command line with --deadline', async () => {
    const file = join(dir, '附件1.wps');
    await writeFile(file, writeWord97(schedule));
    const args = ['program', 'import', '--program', programFile, '--schedule', file, '--json'];
    const { stdout } = await lingjun([...args, '--deadline', '10=2025-10-31']);
    const out = JSON.parse(stdout.trim());
    expect(out.written).toBe(true);
    expect(out.changes).toContainEqual({
      kind: 'class-added',
      path: 'classes[3]',
      message: '新增第10期：2025-11-18 至 2025-11-21，南京，报名截止 2025-10-31',
    });
    const bad = await lingjun([...args, '--deadline', '10月31日']).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect((bad as { code: number }).code).toBe(2);
    expect((bad as { stderr: string }).stderr).toContain('应为 期次=YYYY-MM-DD');
  });
});
