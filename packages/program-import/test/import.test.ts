import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as XLSX from '@e965/xlsx';
import { loadProgram, NOTICE_REGION_TABLE, ProgramError } from '@lingjun/program';
import ExcelJS from 'exceljs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ImportError, importProgram, parseDateCell, readQuotas, readSchedule } from '../src/index.ts';
import { lingjun, scratchProgram } from './support/scratch.ts';

let dir: string;
let programFile: string;

beforeEach(async () => {
  ({ dir, programFile } = await scratchProgram('lingjun-import-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

type Row = (string | number | Date | null)[];

/** Writes a sheet the way the bureau lays it out: a merged title row (and optional blank row) above the table. */
async function writeSheet(
  file: string,
  title: string,
  header: Row[],
  rows: Row[],
  opts: { blankAfterTitle?: boolean; mergeHeader?: [number, number, number, number][] } = {},
): Promise<void> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Sheet1');
  const width = Math.max(...header.map((h) => h.length));
  ws.addRow([title]);
  ws.mergeCells(1, 1, 1, width);
  if (opts.blankAfterTitle) ws.addRow([]);
  for (const h of header) ws.addRow(h);
  for (const m of opts.mergeHeader ?? []) ws.mergeCells(...m);
  for (const r of rows) ws.addRow(r);
  await wb.xlsx.writeFile(file);
}

const utc = (y: number, m: number, d: number) => new Date(Date.UTC(y, m - 1, d));

describe('value parsing', () => {
  it('reads dates from date cells, serials and Chinese text', () => {
    expect(parseDateCell(utc(2025, 6, 23), 2025)).toBe('2025-06-23');
    // A date cell some readers give as local midnight in Beijing (16:00 UTC the day before).
    expect(parseDateCell(new Date(Date.UTC(2025, 5, 22, 16)), 2025)).toBe('2025-06-23');
    expect(parseDateCell(45831, 2025)).toBe('2025-06-23');
    expect(parseDateCell('2025年6月23日', 2025)).toBe('2025-06-23');
    expect(parseDateCell('2025/6/23', 2025)).toBe('2025-06-23');
    expect(parseDateCell('2025.06.23', 2025)).toBe('2025-06-23');
    expect(parseDateCell('6月23日', 2025)).toBe('2025-06-23');
    expect(parseDateCell('2025-02-30', 2025)).toBeUndefined();
    expect(parseDateCell('六月', 2025)).toBeUndefined();
  });
});

describe('schedule (附件1)', () => {
  it('updates existing classes, adds new ones with their deadline and removes unlisted ones', async () => {
    const file = join(dir, '附件1.xlsx');
    await writeSheet(
      file,
      '附件1  2025年度中小企业经营管理领军人才培训期次安排',
      [['期次', '开班日期', '结班日期', '培训地点', '报名截止日期']],
      [
        ['第1期', utc(2025, 6, 24), utc(2025, 6, 27), '北京', utc(2025, 6, 9)],
        ['第二期', '2025年7月8日', '2025年7月11日', '上海', null],
        [null, null, null, null, null],
        ['3', utc(2025, 7, 21), utc(2025, 7, 24), '杭州', null],
        ['第10期', utc(2025, 11, 18), utc(2025, 11, 21), '南京', utc(2025, 10, 31)],
        ['注：具体报到安排另行通知。', null, null, null, null],
      ],
      { blankAfterTitle: true },
    );
    const result = await importProgram({ programFile, scheduleFile: file });
    expect(result.written).toBe(true);
    const program = await loadProgram(programFile);
    expect(program.classes.map((c) => c.no)).toEqual([1, 2, 3, 10]);
    const c3 = program.classes.find((c) => c.no === 3)!;
    // Existing deadline kept when the sheet gives none.
    expect(c3).toEqual({
      no: 3,
      start: '2025-07-21',
      end: '2025-07-24',
      location: '杭州',
      deadline: '2025-06-20',
    });
    expect(program.classes.find((c) => c.no === 10)).toEqual({
      no: 10,
      start: '2025-11-18',
      end: '2025-11-21',
      location: '南京',
      deadline: '2025-10-31',
    });
    const kinds = result.changes.map((c) => c.kind);
    expect(kinds.filter((k) => k === 'class-removed')).toHaveLength(6); // 4 … 9
    expect(result.changes.find((c) => c.kind === 'class-added')?.message).toContain('第10期');
    expect(result.changes.find((c) => c.path === 'classes[2]')?.message).toBe(
      '第3期：开班日期 2025-07-22 → 2025-07-21，结班日期 2025-07-25 → 2025-07-24',
    );
    // Class 1 is unchanged and not reported.
    expect(result.changes.some((c) => c.message.startsWith('第1期'))).toBe(false);
    // The rest of the file (comment, contacts, quotas) survives.
    const raw = JSON.parse(await readFile(programFile, 'utf8'));
    expect(raw.$comment).toContain('示例');
    expect(raw.contacts['130000']).toEqual(['hbzxqy@163.com']);
  });

  it('refuses a new class when the sheet has no deadline column', async () => {
    const file = join(dir, 'schedule.xlsx');
    await writeSheet(
      file,
      '期次安排',
      [['期次', '开班日期', '结班日期', '地点']],
      [
        ['第1期', utc(2025, 6, 24), utc(2025, 6, 27), '北京'],
        ['第10期', utc(2025, 11, 18), utc(2025, 11, 21), '南京'],
      ],
    );
    const before = await readFile(programFile, 'utf8');
    const err = await importProgram({ programFile, scheduleFile: file }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImportError);
    expect((err as Error).message).toMatch(/第10期.*截止日期|报名截止日期.*第10期/s);
    expect(await readFile(programFile, 'utf8')).toBe(before);
  });

  it('names the file and row of an unreadable date', async () => {
    const file = join(dir, 'bad.xlsx');
    await writeSheet(
      file,
      '期次安排',
      [['期次', '开班日期', '结班日期', '地点']],
      [['第1期', '6月下旬', utc(2025, 6, 27), '北京']],
    );
    await expect(readSchedule(file, 2025)).rejects.toThrow(/bad\.xlsx 第3行：开班日期“6月下旬”不是有效日期/);
  });
});

describe('quotas (附件2)', () => {
  it('reads short region names, a two-row header with per-class columns, and skips the totals row', async () => {
    const file = join(dir, '附件2.xlsx');
    await writeSheet(
      file,
      '附件2  2025年度领军人才培训名额分配表',
      [
        ['序号', '地区', '名额', null, null],
        [null, null, '合计', '第1期', '第2期'],
      ],
      [
        [1, '河北', 30, 10, 20],
        [2, '内蒙古', 20, null, null],
        [null, null, null, null, null],
        [3, '兵团', 8, 8, 0],
        [4, '宁波', 6, null, 6],
        [5, '深圳市', 12, 4, null],
        [6, '厦门', 5, 4, 3],
        ['合计', null, 81, null, null],
      ],
      {
        mergeHeader: [
          [2, 1, 3, 1],
          [2, 2, 3, 2],
          [2, 3, 2, 5],
        ],
      },
    );
    const { entries, warnings } = await readQuotas(file, NOTICE_REGION_TABLE);
    expect(entries.map((e) => [e.code, e.total, e.perClass])).toEqual([
      ['130000', 30, { '1': 10, '2': 20 }],
      ['150000', 20, undefined],
      ['660000', 8, { '1': 8, '2': 0 }],
      ['330200', 6, { '2': 6 }],
      ['440300', 12, { '1': 4 }],
      ['350200', 5, { '1': 4, '2': 3 }],
    ]);
    // Fewer per-class places than the total is normal (深圳); more than the total is worth a word (厦门).
    expect(warnings).toEqual(['附件2.xlsx 第10行：厦门市 各期名额之和 7 超过合计 5，以合计为总名额']);

    const result = await importProgram({ programFile, quotasFile: file });
    const program = await loadProgram(programFile);
    expect(Object.keys(program.quotas).sort()).toEqual([
      '130000',
      '150000',
      '330200',
      '350200',
      '440300',
      '660000',
    ]);
    expect(program.quotas['130000']).toEqual({ total: 30, perClass: { '1': 10, '2': 20 } });
    expect(program.quotas['150000']).toEqual({ total: 20 });
    const messages = result.changes.map((c) => c.message);
    expect(messages).toContain('河北省：名额 25 → 30（第1期 10，第2期 20）');
    expect(messages).toContain('内蒙古自治区：名额 20');
    expect(messages).toContain('山西省：名额表中没有，删除其名额');
    // 深圳 is unchanged (12, 第1期 4) and not reported.
    expect(messages.some((m) => m.startsWith('深圳市'))).toBe(false);
  });

  it('warns when the totals row disagrees and refuses an unknown region with its row', async () => {
    const file = join(dir, 'quotas.xlsx');
    await writeSheet(
      file,
      '名额',
      [['地区', '名额']],
      [
        ['河北省', 30],
        ['山西', 25],
        ['总计', 60],
      ],
    );
    const { warnings } = await readQuotas(file, NOTICE_REGION_TABLE);
    expect(warnings).toEqual(['quotas.xlsx：合计行为 60，各地区名额之和为 55']);

    const bad = join(dir, 'typo.xlsx');
    await writeSheet(
      bad,
      '名额',
      [['地区', '名额']],
      [
        ['河北', 30],
        ['山冬省', 10],
      ],
    );
    await expect(readQuotas(bad, NOTICE_REGION_TABLE)).rejects.toThrow(
      /typo\.xlsx 第4行：地区“山冬省”不是37个报送地区之一/,
    );
  });

  it('reads an .xls quota table too', async () => {
    const file = join(dir, 'quotas.xls');
    const ws = XLSX.utils.aoa_to_sheet([
      ['2025年名额分配'],
      [],
      ['地区', '名额'],
      ['大连', 5],
      ['厦门市', 7],
    ]);
    ws['!merges'] = [{ s: { r: 0, c: 0 }, e: { r: 0, c: 1 } }];
    const wb = XLSX.utils.book_new();
    XLSX.utils.book_append_sheet(wb, ws, 'Sheet1');
    await writeFile(file, XLSX.write(wb, { type: 'buffer', bookType: 'biff8' }));
    const { entries } = await readQuotas(file, NOTICE_REGION_TABLE);
    expect(entries.map((e) => [e.code, e.total, e.row])).toEqual([
      ['210200', 5, 4],
      ['350200', 7, 5],
    ]);
  });

  it('rejects a result that breaks the schema and leaves the file untouched', async () => {
    const file = join(dir, 'quotas.xlsx');
    // 第12期 does not exist in the program: perClass must name real classes.
    await writeSheet(file, '名额', [['地区', '合计', '第12期']], [['河北', 10, 5]]);
    const before = await readFile(programFile, 'utf8');
    const err = await importProgram({ programFile, quotasFile: file }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProgramError);
    expect((err as ProgramError).issues.map((i) => i.path)).toContain('quotas.130000.perClass.12');
    expect(await readFile(programFile, 'utf8')).toBe(before);
  });
});

describe('broken program files', () => {
  it('import refuses a broken program file, naming the file and the path, before reading sheets', async () => {
    const data = JSON.parse(await readFile(programFile, 'utf8'));
    data.classes[1].deadline = '6月20日';
    await writeFile(programFile, JSON.stringify(data));
    const err = await importProgram({ programFile, quotasFile: join(dir, 'does-not-exist.xlsx') }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ProgramError);
    expect((err as Error).message).toContain(programFile);
    expect((err as Error).message).toMatch(/classes\[1\]\.deadline: 应为 YYYY-MM-DD/);
  });
});

describe('lingjun program import (CLI)', () => {
  it('imports through bin/lingjun.mjs and prints the changes as JSON', async () => {
    const file = join(dir, 'quotas.xlsx');
    await writeSheet(
      file,
      '名额分配',
      [['地区', '名额']],
      [
        ['河北', 31],
        ['合计', 31],
      ],
    );
    const { stdout } = await lingjun([
      'program',
      'import',
      '--program',
      programFile,
      '--quotas',
      file,
      '--json',
    ]);
    const out = JSON.parse(stdout.trim());
    expect(out.written).toBe(true);
    expect(out.changes).toContainEqual({
      kind: 'quota-changed',
      path: 'quotas.130000',
      message: '河北省：名额 25 → 31',
    });
    expect((await loadProgram(programFile)).quotas['130000']).toEqual({ total: 31 });
  });

  it('exits 1 with the path and reason for a broken program file', async () => {
    const data = JSON.parse(await readFile(programFile, 'utf8'));
    data.classes[1].deadline = '2025/06/20';
    await writeFile(programFile, JSON.stringify(data));
    const file = join(dir, 'quotas.xlsx');
    await writeSheet(file, '名额', [['地区', '名额']], [['河北', 31]]);
    const err = await lingjun(['program', 'import', '--program', programFile, '--quotas', file]).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect((err as { code: number }).code).toBe(1);
    expect((err as { stderr: string }).stderr).toContain('classes[1].deadline');
    expect((err as { stderr: string }).stderr).toContain(programFile);
  });
});
