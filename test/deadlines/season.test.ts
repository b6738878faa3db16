/**
 * A whole season on the local stack, with the clock driven through `lingjun remind --now` and the reminders
 * function's event time: submissions arrive through `lingjun ingest`, reminders go only to regions that owe
 * something, the bureau's digest and under-fill reports are read back as workbooks, rosters and the quota
 * command work on what was accepted.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runScheduled } from '@lingjun/fn-reminders';
import { parseStrictHtml } from '@lingjun/mail/testing';
import ExcelJS from 'exceljs';
import { simpleParser } from 'mailparser';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';
import { type Harness, harness } from '../support/intake.ts';
import { BUREAU, HEBEI, LIAONING, SHANXI, seasonMail, seasonProgram } from './season-plan.ts';

/** A sent mail, parsed; its HTML must be well-formed (a strict parser accepts it, issue 15). */
async function strictParsed(raw: Buffer) {
  const mail = await simpleParser(raw);
  if (mail.html) parseStrictHtml(mail.html);
  return mail;
}

interface Sent {
  region: { code: string; name: string };
  to: string[];
  deadline: string;
  missing: { item: string; classes?: number[]; text: string }[];
  quota: { used: number; total: number };
}

/** Runs a `lingjun` command in-process against the harness (multi-word commands too). */
function cli(h: Harness, args: string[]) {
  return runCli([...args, '--program', h.programFile, '--state', h.stateDir, '--json']);
}

async function remind(h: Harness, now: string, dryRun = false): Promise<Sent[]> {
  const res = await cli(h, ['remind', '--now', now, ...(dryRun ? ['--dry-run'] : [])]);
  expect(res.code, res.stderr).toBe(0);
  return res.json as unknown as Sent[];
}

async function mails(h: Harness, address: string) {
  return Promise.all((await h.sentTo(address)).map((raw) => strictParsed(raw)));
}

async function sheetRows(content: Buffer, sheet: string): Promise<unknown[][]> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(content as unknown as ArrayBuffer);
  const ws = wb.getWorksheet(sheet);
  if (!ws) throw new Error(`no sheet ${sheet}`);
  const rows: unknown[][] = [];
  ws.eachRow((row, n) => {
    if (n > 2) rows.push((row.values as unknown[]).slice(1));
  });
  return rows;
}

/** The fill colour of a region's row in a sheet, or undefined when it is not highlighted. */
async function rowFill(content: Buffer, sheet: string, region: string): Promise<string | undefined> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(content as unknown as ArrayBuffer);
  const ws = wb.getWorksheet(sheet)!;
  let fill: string | undefined;
  ws.eachRow((row) => {
    if (row.getCell(2).text === region)
      fill = (row.getCell(2).fill as ExcelJS.FillPattern | undefined)?.fgColor?.argb;
  });
  return fill;
}

describe('a season of deadlines', () => {
  let h: Harness;
  const bySubject = async (address: string, text: string) =>
    (await mails(h, address)).filter((m) => m.subject?.includes(text));

  let mail: Awaited<ReturnType<typeof seasonMail>>;
  beforeAll(async () => {
    const program = await seasonProgram();
    h = await harness(program);
    mail = await seasonMail(program);
    const outcomes = await h.ingest([mail.hebei.raw, mail.shanxi.raw], {
      receivedAt: '2025-06-04T10:00:00+08:00',
    });
    expect(outcomes.map((o) => o.status)).toEqual(['accepted', 'accepted']);
  });

  it('three days before the first deadline reminds exactly the regions that owe something, with what', async () => {
    const sent = await remind(h, '2025-06-06T09:00:00+08:00');
    const by = new Map(sent.map((s) => [s.region.code, s]));
    expect([...by.keys()].sort()).toEqual(['140000', '210000']);
    // 山西 submitted class 1 but not 附件3: told exactly that.
    expect(by.get('140000')!.missing.map((m) => m.item)).toEqual(['FORM3']);
    expect(by.get('140000')!.quota).toEqual({ used: 1, total: 2 });
    expect(by.get('140000')!.to).toEqual([SHANXI]);
    expect(by.get('140000')!.deadline).toBe('2025-06-09');
    expect(by.get('210000')!.missing.map((m) => m.item)).toEqual(['FORM3', 'CLASS']);
    expect(by.get('210000')!.missing[1]!.classes).toEqual([1]);

    const [mail] = await mails(h, SHANXI).then((all) => all.filter((m) => m.subject?.includes('报名提醒')));
    expect(mail!.subject).toContain('2025年6月9日');
    expect(mail!.text).toContain('《领军人才培训工作信息表》（附件3）尚未报送');
    expect(mail!.text).not.toContain('报名汇总表》（附件4）和');
    expect(mail!.text).toContain('已录取：第1期1名');
    expect(mail!.text).toContain('共2名，已用1名，尚余1名');
    expect(mail!.text).toContain(h.program.mailbox);
    expect(mail!.attachments.map((a) => a.filename)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^附件3-.*\.xlsx$/),
        expect.stringMatching(/^附件4-.*\.xlsx$/),
      ]),
    );
    // 河北 has everything: no mail at all besides its receipt.
    expect(await bySubject(HEBEI, '报名提醒')).toHaveLength(0);
  });

  it('sends nothing twice on a second run, nothing on days not listed, and dry-runs send nothing', async () => {
    expect(await remind(h, '2025-06-06T09:03:00+08:00')).toEqual([]);
    expect(await remind(h, '2025-06-07T09:00:00+08:00')).toEqual([]);
    const dry = await remind(h, '2025-06-08T09:00:00+08:00', true);
    expect(dry.map((s) => s.region.code).sort()).toEqual(['140000', '210000']);
    expect(await bySubject(SHANXI, '报名提醒')).toHaveLength(1);
  });

  it('counts days in Beijing time: 01:00 on 8 June in Beijing is still 7 June in UTC', async () => {
    // 2025-06-07T17:00Z is 2025-06-08 01:00 in Beijing: one day before the deadline, a reminder day.
    const dry = await remind(h, '2025-06-07T17:00:00Z', true);
    expect(dry.map((s) => s.deadline)).toEqual(['2025-06-09', '2025-06-09']);
    // 2025-06-06T17:00Z is 7 June in Beijing, two days before: no reminder day.
    expect(await remind(h, '2025-06-06T17:00:00Z', true)).toEqual([]);
  });

  it('a schedule that fires twice at once sends each reminder once', async () => {
    const config = h.config;
    const event = { kind: 'reminders', scheduledTime: '2025-06-09T01:00:00Z' };
    const runs = await Promise.all([
      runScheduled(event, { config, program: h.program }),
      runScheduled(event, { config, program: h.program }),
    ]);
    const sent = runs.flatMap((r) => r.reminders.sent.map((s) => s.region.code)).sort();
    expect(sent).toEqual(['140000', '210000']);
    expect(runs.flatMap((r) => r.reminders.skipped)).toHaveLength(2);
    expect(await bySubject(SHANXI, '报名提醒')).toHaveLength(2); // 6 June and 9 June
    expect(await bySubject(LIAONING, '报名提醒')).toHaveLength(2);
    // Both firings agree on one digest for the day: the other found it sent, or being sent by the first.
    const digests = runs.map((r) => r.digest.result);
    expect(digests.filter((r) => r === 'sent')).toHaveLength(1);
    expect(digests.filter((r) => r !== 'sent')).toEqual([expect.stringMatching(/^(already-sent|busy)$/)]);
  });

  it('the morning after the first deadline reports under-filled regions and the digest counts late mail', async () => {
    const [o] = await h.ingest([mail.late.raw], { receivedAt: '2025-06-10T08:00:00+08:00' });
    expect(o!.findings.map((f) => f.code)).toContain('DEADLINE_PASSED');

    const run = await runScheduled(
      { scheduledTime: '2025-06-10T01:00:00Z' },
      { config: h.config, program: h.program },
    );
    expect(run.reminders.sent).toEqual([]);
    expect(run.underfill).toMatchObject({ result: 'sent', deadline: '2025-06-09', regions: 2 });
    expect(run.digest.result).toBe('sent');

    const [report] = await bySubject(BUREAU, '【名额未报满】');
    expect(report!.text).toContain('辽宁省');
    const under = await sheetRows(report!.attachments[0]!.content, '未报满地区');
    expect(under.map((r) => r[1])).toEqual(['辽宁省', '江苏省']);

    const digests = await bySubject(BUREAU, '【每日汇总】');
    const today = digests.find((m) => m.subject?.includes('2025年6月10日'))!;
    expect(today.text).toContain('逾期报送 1 件');
    const progress = await sheetRows(today.attachments[0]!.content, '报名进度');
    const hebei = progress.find((r) => r[1] === '河北省')!;
    // code, name, 附件3, class 1..9, accepted, quota, left, 需要关注
    expect(hebei.slice(0, 4)).toEqual(['130000', '河北省', '已报', 2]);
    expect(hebei.slice(12, 15)).toEqual([2, 2, 0]);
    const total = progress.at(-1)!;
    expect(total[1]).toBe('合计');
    expect(total.slice(12, 15)).toEqual([3, 8, 5]);
    // Every region of spec §2 is listed; Liaoning's late email is a problem, highlighted.
    expect(progress).toHaveLength(38);
    expect(progress.find((r) => r[1] === '辽宁省')![15]).toContain('逾期报送1件');
    expect(await rowFill(today.attachments[0]!.content, '报名进度', '辽宁省')).toBe('FFFFC7CE');
    expect(await rowFill(today.attachments[0]!.content, '报名进度', '河北省')).toBeUndefined();
    const lateRows = await sheetRows(today.attachments[0]!.content, '逾期与待确认');
    expect(lateRows.map((r) => [r[0], r[2]])).toEqual([['逾期', '辽宁省']]);
  });

  it('before the last deadline, unfilled places are owed; once filled, reminders stop', async () => {
    const before = await remind(h, '2025-06-17T09:00:00+08:00');
    const by = new Map(before.map((s) => [s.region.code, s]));
    expect([...by.keys()].sort()).toEqual(['140000', '210000']);
    expect(by.get('140000')!.missing.map((m) => m.item)).toEqual(['FORM3', 'CLASS', 'QUOTA']);
    expect(by.get('140000')!.missing[1]!.classes).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
    expect(by.get('140000')!.missing[2]!.text).toContain('尚余1名');

    const outcomes = await h.ingest([mail.shanxi2.raw, mail.liaoning3.raw], {
      receivedAt: '2025-06-18T10:00:00+08:00',
    });
    expect(outcomes.map((o) => o.status)).toEqual(['accepted', 'accepted']);
    expect(await remind(h, '2025-06-19T09:00:00+08:00')).toEqual([]);

    const run = await runScheduled(
      { scheduledTime: '2025-06-21T01:00:00Z' },
      { config: h.config, program: h.program },
    );
    expect(run.underfill).toMatchObject({ result: 'sent', deadline: '2025-06-20', regions: 1 });
    expect(run.digest.result).toBe('not-due');
    const [report] = await bySubject(BUREAU, '2025年6月20日');
    const under = await sheetRows(report!.attachments[0]!.content, '未报满地区');
    // code, name, total, accepted, accepted in classes due, unfilled places, notes
    expect(under).toHaveLength(1);
    expect(under[0]!.slice(0, 6)).toEqual(['320000', '江苏省', 1, 0, 0, 1]);
  });

  it('rosters have one row per accepted student and keep a formula-like name as text', async () => {
    const out = join(h.stateDir, 'roster.xlsx');
    const res = await cli(h, ['roster', '--out', out]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.json[0]).toMatchObject({ students: 7 });
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await readFile(out)) as unknown as ArrayBuffer);
    const year = wb.getWorksheet('全年')!;
    expect(year.getRow(2).values).toEqual(
      expect.arrayContaining([
        '序号',
        '期次',
        '姓名',
        '性别',
        '民族',
        '企业名称',
        '职务',
        '手机号码',
        '地区',
        '地区联系人',
      ]),
    );
    expect((year.getRow(2).values as unknown[]).includes('身份证号码')).toBe(false);
    expect(year.rowCount).toBe(2 + 7);
    expect(year.views[0]).toMatchObject({ state: 'frozen', ySplit: 2 });
    const names: ExcelJS.Cell[] = [];
    for (let r = 3; r <= year.rowCount; r++) names.push(year.getCell(r, 3));
    const evil = names.find((c) => String(c.value).startsWith('='))!;
    expect(evil.type).toBe(ExcelJS.ValueType.String);
    expect(evil.value).toBe('=HYPERLINK("http://x.test","点我")');
    expect(evil.numFmt).toBe('@');
    expect(wb.worksheets.map((w) => w.name)).toEqual(['全年', '第1期', '第2期', '第3期']);
    expect(year.getColumn(6).width).toBeGreaterThan(10);

    const one = join(h.stateDir, 'class1.xlsx');
    expect((await cli(h, ['roster', '--class', '1', '--out', one])).json[0]).toMatchObject({ students: 3 });
    const region = join(h.stateDir, 'liaoning.xlsx');
    expect((await cli(h, ['roster', '--region', '辽宁', '--out', region])).json[0]).toMatchObject({
      students: 3,
    });
    const rows = await sheetRows(await readFile(region), '辽宁省');
    expect(rows.every((r) => r[8] === '辽宁省' && String(r[9]).includes(LIAONING))).toBe(true);
  });

  it('quota set publishes a new program version and refuses cuts below what is accepted', async () => {
    const refused = await cli(h, ['quota', 'set', '辽宁省', '2']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('已录取3名');
    expect(refused.stderr).toContain('至少3名');
    const cls = await cli(h, ['quota', 'set', '210000', '2', '--class', '3']);
    expect(cls.code).toBe(1);
    expect(cls.stderr).toContain('第3期已录取3名');

    const ok = await cli(h, ['quota', 'set', '江苏', '0']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.json[0]).toMatchObject({ region: { code: '320000' }, before: 1, total: 0, accepted: 0 });
    // The program file is untouched: the change is a published version of the stack's program.
    expect(JSON.parse(await readFile(h.programFile, 'utf8')).quotas['320000'].total).toBe(1);
    const shown = await cli(h, ['program', 'show']);
    expect(shown.json[0]).toMatchObject({ version: ok.json[0]!.version, publishedBy: 'lingjun quota set' });
    const current = shown.json[0]!.program as { quotas: Record<string, { total: number }> };
    expect(current.quotas['320000']!.total).toBe(0);
    expect(current.quotas['210000']!.total).toBe(3);

    const status = join(h.stateDir, 'status.xlsx');
    expect((await cli(h, ['report', 'status', '--out', status])).code).toBe(0);
    const progress = await sheetRows(await readFile(status), '报名进度');
    // All 37 regions are listed; 江苏 has no places any more and sent nothing that needs looking at.
    expect(progress).toHaveLength(38);
    expect(progress.find((r) => r[1] === '江苏省')![15]).toBe('未分配名额');
    expect(progress.find((r) => r[1] === '深圳市')![15]).toBe('未分配名额');
  });
});
