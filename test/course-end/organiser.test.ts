/** Sign-in sheets emailed by the organiser: recorded with a receipt; the same sheet from anyone else is not. */
import { courseRegistry } from '@lingjun/aws';
import { handleOrganiserMail } from '@lingjun/certificates';
import { PASSING, withSesAuthenticationResults } from '@lingjun/local';
import { parseInbound } from '@lingjun/mail';
import { parseStrictHtml } from '@lingjun/mail/testing';
import ExcelJS from 'exceljs';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { buildEmail } from '../support/email.ts';
import { harness } from '../support/intake.ts';
import { people, submission } from '../support/submission.ts';

describe('organiser mail', () => {
  it('records a sign-in sheet from an organiser address and answers with the rows that matched nobody', async () => {
    const h = await harness();
    const ps = people(2, 701, '130000', 1);
    const sub = await submission({
      program: h.program,
      from: 'hbzxqy@163.com',
      region: '河北',
      classNo: 1,
      people: ps,
    });
    expect((await h.ingest([sub.raw], { receivedAt: '2025-06-05T02:00:00Z' }))[0]?.status).toBe('accepted');
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('签到');
    ws.addRow(['第1期签到表']);
    ws.addRow(['姓名', '证件号后四位', '6月24日上午', '6月24日下午']);
    ws.addRow([ps[0]!.name, ps[0]!.idNumber.slice(-4), '√', '迟到']);
    ws.addRow(['无名氏', '1234', '√', '√']);
    const sheet = new Uint8Array(await wb.xlsx.writeBuffer());
    const course = courseRegistry(h.config, 2025);
    const deps = { ...h.deps(), course, now: new Date('2025-06-24T12:00:00Z') };

    const stranger = await parseInbound(
      (
        await buildEmail({
          from: 'someone@example.cn',
          attachments: [{ filename: '签到.xlsx', content: sheet }],
        })
      ).raw,
    );
    expect((await handleOrganiserMail(stranger, deps)).handled).toBe(false);
    expect(await course.listAttendance(1)).toHaveLength(0);

    const organiser = h.program.organiserEmails[0]!;
    const since = Date.now() - 1000;
    const sent = await buildEmail({
      from: organiser,
      attachments: [{ filename: '签到.xlsx', content: sheet }],
    });
    // Without the authentication SES records on receipt, the organiser's address is not trusted.
    expect((await handleOrganiserMail(await parseInbound(sent.raw), deps)).handled).toBe(false);
    const mail = await parseInbound(withSesAuthenticationResults(sent.raw, PASSING));
    const res = await handleOrganiserMail(mail, deps);
    expect(res.handled).toBe(true);
    expect(res.attendance).toEqual([{ file: '签到.xlsx', classNo: 1, matched: 1, halfDays: 2 }]);
    expect(res.findings.some((f) => f.student === '无名氏' && f.row === 4)).toBe(true);
    const sheets = await course.listAttendance(1);
    expect(sheets.map((s) => s.halfDay)).toEqual(['2025-06-24AM', '2025-06-24PM']);
    const replies = await Promise.all((await h.sentTo(organiser, since)).map((r) => simpleParser(r)));
    const receipt = replies.find((r) => r.inReplyTo === mail.messageId);
    expect(receipt?.text).toContain('无名氏');
    expect(receipt?.text).toContain('匹配学员1人');
    // A letter, not a log: greeting, the row as people say it, a signature; HTML a strict parser accepts.
    expect(receipt?.text).toMatch(/^培训组织方老师：您好！/);
    expect(receipt?.text).toMatch(/第4行\s*\|\s*无名氏/);
    expect(receipt?.text).toContain(h.program.mailbox);
    parseStrictHtml(String(receipt?.html));

    // Three evaluation forms for a class of two: recorded, and the organiser is asked to check.
    const ev = new ExcelJS.Workbook();
    const es = ev.addWorksheet('评价');
    es.addRow(['第1期培训效果评价汇总']);
    es.addRow(['序号', '课程设置', '师资力量', '组织管理', '实际效果', '意见和建议']);
    for (let i = 1; i <= 3; i++) es.addRow([i, 5, 4, 5, 4, '']);
    const evMail = await parseInbound(
      withSesAuthenticationResults(
        (
          await buildEmail({
            from: organiser,
            attachments: [
              { filename: '第1期评价表.xlsx', content: new Uint8Array(await ev.xlsx.writeBuffer()) },
            ],
          })
        ).raw,
        PASSING,
      ),
    );
    const evRes = await handleOrganiserMail(evMail, deps);
    expect(evRes.evaluations).toBe(3);
    expect(evRes.warnings).toEqual([expect.stringContaining('3份培训效果评价表，多于该期学员2人')]);
    const evReplies = await Promise.all((await h.sentTo(organiser, since)).map((r) => simpleParser(r)));
    const evReceipt = evReplies.find((r) => r.inReplyTo === evMail.messageId);
    expect(evReceipt?.text).toContain('多于该期学员2人');
    parseStrictHtml(String(evReceipt?.html));
  });

  it('goes the same way through lingjun ingest: recorded, one outcome, the organiser answered', async () => {
    const h = await harness();
    const ps = people(1, 702, '130000', 1);
    const sub = await submission({
      program: h.program,
      from: 'hbzxqy@163.com',
      region: '河北',
      classNo: 1,
      people: ps,
    });
    await h.ingest([sub.raw], { receivedAt: '2025-06-05T02:00:00Z' });
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('签到');
    ws.addRow(['姓名', '身份证号码', '6月24日上午']);
    ws.addRow([ps[0]!.name, ps[0]!.idNumber, '√']);
    const sheet = new Uint8Array(await wb.xlsx.writeBuffer());
    const organiser = h.program.organiserEmails[0]!;
    const { raw, messageId } = await buildEmail({
      from: organiser,
      attachments: [{ filename: '第1期签到.xlsx', content: sheet }],
    });
    const [o] = await h.ingest([raw], { receivedAt: '2025-06-24T12:00:00Z' });
    expect(o?.status).toBe('accepted');
    const course = courseRegistry(h.config, 2025);
    expect((await course.listAttendance(1)).map((s) => s.halfDay)).toEqual(['2025-06-24AM']);
    expect(await h.repliesTo(messageId)).toHaveLength(1);
  });
});
