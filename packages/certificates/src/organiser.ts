import { log, type Mailer, SENDER_NAME } from '@lingjun/core';
import {
  composeReply,
  escapeHtml,
  type InboundMail,
  renderTable,
  renderTextTable,
  trustedSender,
} from '@lingjun/mail';
import type { Program } from '@lingjun/program';
import type { CourseRegistry, Registry } from '@lingjun/registry';
import { importAttendance, type SheetFinding } from './attendance.ts';
import { evaluationSurplus, importEvaluations } from './evaluation.ts';

/** What the organiser branch did with a mail. */
export interface OrganiserMailResult {
  handled: boolean;
  attendance: { file: string; classNo?: number; matched: number; halfDays: number }[];
  evaluations: number;
  findings: (SheetFinding & { file: string })[];
  /** Things to check that refuse nothing (more evaluation forms than students …). */
  warnings: string[];
}

/**
 * Mail from an address in `organiserEmails` (authenticated: trustedSender) carries sign-in sheets or
 * evaluation forms, not submissions.
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
  // A forged From (the organiser's address without aligned authentication) is ordinary mail.
  const sender = trustedSender(mail) ?? '';
  const result: OrganiserMailResult = {
    handled: false,
    attendance: [],
    evaluations: 0,
    findings: [],
    warnings: [],
  };
  if (!deps.program.organiserEmails.map((e) => e.toLowerCase()).includes(sender)) return result;
  result.handled = true;
  const evaluated = new Set<number>();
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
    for (const no of ev.classes) evaluated.add(no);
    if (ev.stored === 0) result.findings.push(...att.findings.map((f) => ({ ...f, file: a.filename })));
    else result.findings.push(...ev.findings.map((f) => ({ ...f, file: a.filename })));
  }
  // A class with more evaluation forms than students has duplicates or forms of another class.
  for (const no of [...evaluated].sort((a, b) => a - b)) {
    const surplus = await evaluationSurplus(deps, no);
    if (surplus) result.warnings.push(surplus);
  }
  const { text, html } = organiserReply(deps.program, result);
  const composed = await composeReply({
    from: { address: deps.program.mailbox, name: SENDER_NAME },
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

/**
 * The organiser's receipt: a greeting, what was recorded, every row to check (第N行), and a signature; the
 * organiser is a partner of the bureau, so it reads as a letter, not a log.
 */
export function organiserReply(
  program: Program,
  result: Pick<OrganiserMailResult, 'attendance' | 'evaluations' | 'findings' | 'warnings'>,
): { text: string; html: string } {
  const done = [
    ...result.attendance.map(
      (x) =>
        `签到表“${x.file}”：第${x.classNo ?? '?'}期，${x.halfDays}个半天，匹配学员${x.matched}人，已记录。`,
    ),
    ...(result.evaluations ? [`培训效果评价表：${result.evaluations}份，已记录。`] : []),
  ];
  if (done.length === 0) done.push('邮件附件中没有识别到签到表或培训效果评价表，未记录任何内容。');
  const greeting = '培训组织方老师：您好！\n\n来信收悉，附件处理情况如下：';
  const headers = ['文件', '行', '姓名', '需要核对的问题'];
  const rows = result.findings.map((f) => [f.file, f.row ? `第${f.row}行` : '', f.student ?? '', f.message]);
  const ask = rows.length
    ? '以下各行未能计入，请核对后将更正后的表格回复本邮件（同一表格重新发送即以新表为准）：'
    : '所有行均已计入，没有需要核对的问题。';
  const signature = `谢谢您的支持！\n\n${program.title}报名系统（自动回复）\n${program.mailbox}`;
  const text = [
    greeting,
    done.map((d) => `- ${d}`).join('\n'),
    ...(result.warnings.length ? [`请注意：\n${result.warnings.map((w) => `- ${w}`).join('\n')}`] : []),
    rows.length ? `${ask}\n${renderTextTable(headers, rows)}` : ask,
    signature,
  ].join('\n\n');
  const p = (t: string) => `<p>${escapeHtml(t).replace(/\n/g, '<br />')}</p>`;
  const html = [
    `<div style="font-family:'Microsoft YaHei',sans-serif;font-size:14px;line-height:1.6">`,
    p(greeting),
    `<ul>${done.map((d) => `<li>${escapeHtml(d)}</li>`).join('')}</ul>`,
    result.warnings.length
      ? `<p style="color:#b00">请注意：</p><ul>${result.warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join('')}</ul>`
      : '',
    p(ask),
    rows.length ? renderTable(headers, rows) : '',
    `<p style="color:#666">${escapeHtml(signature).replace(/\n/g, '<br />')}</p>`,
    '</div>',
  ].join('\n');
  return { text, html };
}
