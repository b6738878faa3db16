/** Evaluation (¶14): blank form from `lingjun templates`, filled forms imported, summary checked and mailed. */
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildEvaluationWorkbook, EVALUATION_ITEMS } from '@lingjun/forms';
import { parseStrictHtml } from '@lingjun/mail/testing';
import ExcelJS from 'exceljs';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { type CliRun, runCli } from '../support/cli.ts';
import { type Harness, harness } from '../support/intake.ts';

/** A sent mail, parsed; its HTML must be well-formed (a strict parser accepts it, issue 15). */
async function strictParsed(raw: Buffer) {
  const mail = await simpleParser(raw);
  if (mail.html) parseStrictHtml(mail.html);
  return mail;
}

/** Runs the command line in-process against the harness's table. */
function cli(h: Harness, args: string[]): Promise<CliRun> {
  return runCli([...args, '--program', h.programFile, '--state', h.stateDir]);
}

describe('training evaluation', () => {
  it('lingjun templates writes the 培训效果评价表', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lingjun-tpl-'));
    const { main } = await import('@lingjun/cli');
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = (() => true) as typeof process.stdout.write;
    try {
      expect(await main(['templates', '--out', dir])).toBe(0);
    } finally {
      process.stdout.write = write;
    }
    const name = (await readdir(dir)).find((f) => f.includes('培训效果评价表'));
    expect(name).toBeDefined();
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await readFile(join(dir, name!))) as never);
    const labels = wb.worksheets[0]!.getColumn(1).values.map(String);
    for (const item of EVALUATION_ITEMS) expect(labels).toContain(item);
    expect(labels).toContain('意见和建议');
  });

  it('summarises the forms per class: averages, distribution and comments match what was written', async () => {
    const h = await harness();
    const dir = await mkdtemp(join(tmpdir(), 'lingjun-eval-'));
    // Six one-student forms, as the generated template is filled in.
    const filled: number[][] = [
      [5, 4, 5, 5],
      [4, 4, 3, 5],
      [5, 5, 4, 4],
      [3, 4, 5, 5],
      [5, 3, 4, 5],
      [2, 4, 5, 4],
    ];
    const comments = ['希望增加案例教学', '', '课程安排紧凑，收获很大', '', '', '建议延长交流时间'];
    const files: string[] = [];
    for (const [i, scores] of filled.entries()) {
      const wb = await buildEvaluationWorkbook(h.program);
      const ws = wb.worksheets[0]!;
      ws.getCell('B3').value = '第1期';
      scores.forEach((s, j) => {
        ws.getCell(`B${4 + j}`).value = s;
      });
      if (comments[i]) ws.getCell('B8').value = comments[i]!;
      const f = join(dir, `评价表-${i + 1}.xlsx`);
      await writeFile(f, new Uint8Array(await wb.xlsx.writeBuffer()));
      files.push(f);
    }
    // And an organiser's table of two more students, one score out of range.
    const tb = new ExcelJS.Workbook();
    const ts = tb.addWorksheet('汇总');
    ts.addRow(['第1期培训效果评价']);
    ts.addRow(['序号', '课程设置', '师资力量', '组织管理', '实际效果', '意见和建议']);
    ts.addRow([1, 4, 5, 5, 5, '']);
    ts.addRow([2, 5, 5, 4, 9, '很好']);
    const tf = join(dir, '第1期评价汇总表.xlsx');
    await writeFile(tf, new Uint8Array(await tb.xlsx.writeBuffer()));
    const imp = await cli(h, ['evaluation', 'import', ...files, tf, '--json']);
    expect(imp.code).toBe(0);
    expect(imp.out).toContain('不是 1–5 的整数');
    // Importing the same files again counts nothing twice.
    expect((await cli(h, ['evaluation', 'import', files[0]!, '--json'])).code).toBe(0);

    const since = Date.now() - 1000;
    const sum = await cli(h, ['evaluation', 'summary', '--class', '1', '--json']);
    expect(sum.code).toBe(0);
    const summary = JSON.parse(sum.out.split('\n').find((l) => l.startsWith('{"classNo"'))!);
    const rows = [...filled, [4, 5, 5, 5], [5, 5, 4, undefined]];
    expect(summary.forms).toBe(8);
    EVALUATION_ITEMS.forEach((item, j) => {
      const given = rows.map((r) => r[j]).filter((s): s is number => s !== undefined);
      const got = summary.items.find((x: { item: string }) => x.item === item);
      expect(got.count).toBe(given.length);
      expect(got.average).toBeCloseTo(given.reduce((a, b) => a + b, 0) / given.length, 2);
      expect(got.distribution).toEqual([1, 2, 3, 4, 5].map((n) => given.filter((s) => s === n).length));
    });
    expect(summary.comments.sort()).toEqual([...comments.filter(Boolean), '很好'].sort());
    expect(summary.sent).toBe(true);

    const mails = await Promise.all(
      (await h.sentTo(h.program.adminEmails[0]!, since)).map((r) => strictParsed(r)),
    );
    const mail = mails.find((m) => m.subject?.includes('第1期评价汇总'));
    expect(mail).toBeDefined();
    expect(String(mail!.html)).not.toContain('<svg');
    expect(String(mail!.html)).toMatch(/title="课程设置平均分[0-9.]+"/);
    expect(String(mail!.html)).toContain('希望增加案例教学');
    expect(mail!.attachments.some((a) => a.filename?.endsWith('.xlsx'))).toBe(true);
    // Nothing new: no second mail.
    const again = await cli(h, ['evaluation', 'summary', '--class', '1', '--json']);
    expect(again.out).toContain('"sent":false');
  });
});
