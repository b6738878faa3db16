/** The receipt (spec §6): threaded, masked, counts and quota, and the sender's 附件4 marked up. */
import { setLogSink } from '@lingjun/core';
import ExcelJS from 'exceljs';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { harness, testProgram } from '../support/intake.ts';
import { people, submission } from '../support/submission.ts';

const IN_TIME = '2025-06-05T10:00:00+08:00';

describe('the reply to a submission with findings', () => {
  it('returns the 附件4 with the offending cells marked, a note on each, and a status column', async () => {
    const program = await testProgram();
    const h = await harness(program);
    const list = people(3, 300);
    const badUscc = list[1]!.uscc.slice(0, 17) + (list[1]!.uscc.endsWith('1') ? '2' : '1');
    list[1] = { ...list[1]!, uscc: badUscc };
    const { raw, messageId } = await submission({
      program,
      from: 'hbzxqy@163.com',
      region: '河北',
      classNo: 1,
      people: list,
    });

    // Capture every log line of the run: no ID number or phone may appear in them (spec §10).
    const lines: string[] = [];
    const previous = setLogSink({ write: (l) => lines.push(l) });
    let outcome: Awaited<ReturnType<typeof h.ingest>>[number] | undefined;
    try {
      [outcome] = await h.ingest([raw], { receivedAt: IN_TIME });
    } finally {
      setLogSink(previous);
    }
    expect(lines.length).toBeGreaterThan(0);
    const logText = lines.join('\n');
    for (const p of list) {
      expect(logText).not.toContain(p.idNumber);
      expect(logText).not.toContain(p.mobile);
    }

    expect(outcome?.status).toBe('partially_accepted');
    const [reply] = await h.repliesTo(messageId);
    const mail = await simpleParser(reply!);
    expect(mail.inReplyTo).toBe(messageId);
    expect(mail.references).toContain(messageId);
    expect(mail.from?.value[0]?.address).toBe(h.program.mailbox);
    expect(mail.headers.get('auto-submitted')).toBe('auto-replied');
    expect(mail.subject).toContain('部分受理');
    expect(mail.text).toContain('统一社会信用代码');
    expect(mail.text).toMatch(/本年度名额 25 人，已受理 2 人，剩余 23 人/);
    expect(mail.html).toContain('<table');
    expect(mail.text).toContain(outcome!.receipt!);
    for (const p of list) {
      expect(mail.text).not.toContain(p.idNumber);
      expect(mail.html).not.toContain(p.idNumber);
    }

    const xlsx = mail.attachments.find((a) => a.filename?.endsWith('.xlsx'));
    expect(xlsx?.filename).toMatch(/^附件4/);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx!.content as unknown as ExcelJS.Buffer);
    const ws = wb.worksheets[0]!;
    const finding = outcome!.findings.find((f) => f.code === 'USCC_CHECKSUM' && f.form === '附件4')!;
    const row = ws.getRow(finding.row!);
    let usccCell: ExcelJS.Cell | undefined;
    row.eachCell((cell) => {
      if (cell.text === badUscc) usccCell = cell;
    });
    expect(usccCell).toBeDefined();
    const fill = usccCell!.fill as ExcelJS.FillPattern;
    expect(fill.pattern).toBe('solid');
    const note = usccCell!.note;
    const noteText = typeof note === 'string' ? note : (note?.texts ?? []).map((t) => t.text).join('');
    expect(noteText).toContain('校验');
    const statusTexts: string[] = [];
    row.eachCell((cell) => statusTexts.push(cell.text));
    expect(statusTexts.some((t) => t.startsWith('未受理'))).toBe(true);
    const okRow = ws.getRow(finding.row! - 1);
    const okTexts: string[] = [];
    okRow.eachCell((cell) => okTexts.push(cell.text));
    expect(okTexts).toContain('受理');
  });
});

describe('a resubmission replaces the region’s earlier one for that class', () => {
  it('withdraws students no longer listed, keeps and updates the others, and releases their places', async () => {
    const program = await testProgram();
    const h = await harness(program);
    const list = people(4, 310);
    const first = await submission({
      program,
      from: 'hbzxqy@163.com',
      region: '河北',
      classNo: 1,
      people: list.slice(0, 3),
    });
    const [a] = await h.ingest([first.raw], { receivedAt: IN_TIME });
    expect(a?.classes).toEqual([{ no: 1, accepted: 3, rejected: 0, withdrawn: 0 }]);

    const changed = { ...list[0]!, title: '董事长' };
    const second = await submission({
      program,
      from: 'hbzxqy@163.com',
      region: '河北省',
      classNo: 1,
      people: [changed, list[3]!],
      form5For: [list[3]!],
    });
    const [b] = await h.ingest([second.raw], { receivedAt: IN_TIME });
    // list[0] is on file with its 附件5, so it need not come again; list[1] and list[2] are withdrawn.
    expect(b?.classes).toEqual([{ no: 1, accepted: 2, rejected: 0, withdrawn: 2 }]);
    const registry = h.deps().registry;
    const active = (await registry.listRegion('130000', 1)).filter((r) => r.status === 'active');
    expect(active.map((r) => r.name).sort()).toEqual([list[0]!.name, list[3]!.name].sort());
    expect(active.find((r) => r.name === list[0]!.name)?.values.title).toBe('董事长');
    expect((await registry.quotaUsed('130000')).total).toBe(2);
    // The withdrawn enterprise is free again, for any region.
    const again = await submission({
      program,
      from: 'sdzxqyj@sd.gov.cn',
      region: '山东',
      classNo: 2,
      people: [{ ...people(1, 311, '370000', 2)[0]!, uscc: list[1]!.uscc, enterprise: list[1]!.enterprise }],
    });
    const [c] = await h.ingest([again.raw], { receivedAt: IN_TIME });
    expect(c?.classes[0]?.accepted).toBe(1);
  });
});
