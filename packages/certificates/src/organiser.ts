import { log, type Mailer } from '@lingjun/core';
import { composeReply, escapeHtml, type InboundMail, renderTable } from '@lingjun/mail';
import type { Program } from '@lingjun/program';
import type { CourseRegistry, Registry } from '@lingjun/registry';
import { importAttendance, type SheetFinding } from './attendance.ts';
import { importEvaluations } from './evaluation.ts';

/** What the organiser branch did with a mail. */
export interface OrganiserMailResult {
  handled: boolean;
  attendance: { file: string; classNo?: number; matched: number; halfDays: number }[];
  evaluations: number;
  findings: (SheetFinding & { file: string })[];
}

/**
 * Mail from an address in `organiserEmails` carries sign-in sheets or evaluation forms, not submissions.
 * Returns `handled: false` for anyone else, so intake treats the mail as before (an unknown sender is held).
 * Each attachment is read as a sign-in sheet; one that is not is read as evaluation forms. The organiser gets
 * one receipt in the thread listing what was recorded and every row that matched nobody.
 */
export async function handleOrganiserMail(
  mail: InboundMail,
  deps: {
    program: Program;
    registry: Registry;
    course: CourseRegistry;
    mailer: Mailer;
    keySecret: string;
    now: Date;
  },
): Promise<OrganiserMailResult> {
  const sender = mail.from?.address?.toLowerCase() ?? '';
  const result: OrganiserMailResult = { handled: false, attendance: [], evaluations: 0, findings: [] };
  if (!deps.program.organiserEmails.map((e) => e.toLowerCase()).includes(sender)) return result;
  result.handled = true;
  for (const a of mail.attachments) {
    const file = { filename: a.filename, content: a.content };
    const att = await importAttendance({
      file,
      program: deps.program,
      registry: deps.registry,
      course: deps.course,
      keySecret: deps.keySecret,
      source: mail.messageId,
      now: deps.now,
    });
    if (att.halfDays.length > 0) {
      result.attendance.push({
        file: a.filename,
        ...(att.classNo !== undefined ? { classNo: att.classNo } : {}),
        matched: att.matched,
        halfDays: att.halfDays.length,
      });
      result.findings.push(...att.findings.map((f) => ({ ...f, file: a.filename })));
      continue;
    }
    const ev = await importEvaluations({ file, course: deps.course, source: mail.messageId, now: deps.now });
    result.evaluations += ev.stored;
    if (ev.stored === 0) result.findings.push(...att.findings.map((f) => ({ ...f, file: a.filename })));
    else result.findings.push(...ev.findings.map((f) => ({ ...f, file: a.filename })));
  }
  const lines = [
    ...result.attendance.map(
      (x) => `签到表“${x.file}”：第${x.classNo ?? '?'}期，${x.halfDays}个半天，匹配学员${x.matched}人。`,
    ),
    ...(result.evaluations ? [`培训效果评价表：${result.evaluations}份已记录。`] : []),
  ];
  if (lines.length === 0) lines.push('邮件附件中没有识别到签到表或培训效果评价表。');
  const rows = result.findings.map((f) => [f.file, f.row ?? '', f.student ?? '', f.message]);
  const text = `${lines.join('\n')}\n\n${rows.length ? `需要核对的问题：\n${rows.map((r) => r.join(' ')).join('\n')}` : '没有发现问题。'}`;
  const html = `<p>${lines.map(escapeHtml).join('<br />')}</p>${rows.length ? `<p>需要核对的问题：</p>${renderTable(['文件', '行', '姓名', '问题'], rows)}` : '<p>没有发现问题。</p>'}`;
  const composed = await composeReply({
    from: { address: deps.program.mailbox, name: '领军人才培训报名系统' },
    original: {
      messageId: mail.messageId,
      references: mail.references,
      subject: mail.subject,
      from: mail.from,
    },
    text,
    html,
  });
  await deps.mailer.sendRaw({ from: deps.program.mailbox, to: composed.to, raw: composed.raw });
  log.info('organiser mail handled', {
    attendance: result.attendance.length,
    evaluations: result.evaluations,
  });
  return result;
}
