import type { Mailer } from '@lingjun/core';
import { SENDER_NAME } from '@lingjun/core';
import type { RecognisedForm } from '@lingjun/forms';
import { type ComposedMessage, composeMessage, type InboundMail, textToHtml } from '@lingjun/mail';
import type { Program } from '@lingjun/program';
import { holdTag, holdToken } from './token.ts';

/** What the bureau is told about one held email. */
export interface HoldNoticeInput {
  program: Program;
  keySecret: string;
  /** The held email's message key (its registry record id), which the token signs. */
  heldKey: string;
  /** The held email's Message-ID as its outcome records it. */
  messageId: string;
  mail: Pick<InboundMail, 'from' | 'subject' | 'attachments' | 'authentication'>;
  region: { code: string; name: string };
  /** Why it was held, in Chinese. */
  reason: string;
  /** The forms read from it (none when it was held before reading). */
  forms: RecognisedForm[];
  receipt?: string;
  /** Subject before the token, e.g. `【待确认】河北省：未登记发件人报送材料`. */
  title: string;
}

/** The held email in a few lines: sender, claimed region, classes and students, attachments, reason. */
export function holdSummary(input: HoldNoticeInput): string[] {
  const { mail, forms } = input;
  const lines = [
    `发件人：${mail.from?.address ?? '（无）'}${mail.authentication.aligned ? '' : '（发件人认证未通过）'}`,
    `声称地区：${input.region.name}（${input.region.code}）`,
    `暂存原因：${input.reason}`,
  ];
  const byClass = new Map<number | undefined, number>();
  for (const f of forms)
    if (f.form === '附件4') byClass.set(f.classNo, (byClass.get(f.classNo) ?? 0) + f.records.length);
  const students = [...byClass.values()].reduce((a, n) => a + n, 0);
  const classes = [...byClass.entries()]
    .sort(([a], [b]) => (a ?? 0) - (b ?? 0))
    .map(([no, n]) => `${no === undefined ? '期次不明' : `第${no}期`} ${n}人`);
  lines.push(
    `报名期次：${classes.length > 0 ? classes.join('，') : '无报名汇总表（附件4）'}；学员共 ${students} 人`,
    `学员报名表（附件5）${forms.filter((f) => f.form === '附件5').length} 份；工作信息表（附件3）${forms.some((f) => f.form === '附件3') ? '有' : '无'}`,
    `邮件主题：${mail.subject || '（无主题）'}`,
    `附件（${mail.attachments.length}个）：${mail.attachments.map((a) => `${a.filename}（${kb(a.content.byteLength)}）`).join('、') || '无'}`,
  );
  if (input.receipt) lines.push(`回执编号：${input.receipt}`);
  return lines;
}

/**
 * The bureau's notice of a held email: the summary and how to decide by replying. The signed token is in the
 * subject and in the notice's Message-ID, so a reply carries it in its subject, In-Reply-To and References.
 */
export async function composeHoldNotice(input: HoldNoticeInput): Promise<ComposedMessage> {
  const { program } = input;
  const token = holdToken(input.keySecret, input.heldKey);
  const domain = program.mailbox.split('@')[1] ?? 'lingjun.invalid';
  const lines = [
    `以下邮件已暂存，待部中小企业局确认：`,
    ...holdSummary(input).map((l) => `  ${l}`),
    '',
    '处理方式：直接回复本邮件（保留主题中的编号），',
    '  正文第一行写“同意”：批准，按收到时间处理，发件人将收到受理回执，并登记为该地区联系人；',
    '  正文第一行写“拒绝：原因”：拒绝，原因将告知发件人。',
    '只有管理员邮箱发出、且通过发件人认证的回复才会执行。',
    `也可在命令行处理：lingjun approve ${input.messageId} 或 lingjun reject ${input.messageId} --reason 原因`,
  ];
  const text = `${lines.join('\n')}\n\n${program.title}报名系统`;
  return composeMessage({
    from: { address: program.mailbox, name: SENDER_NAME },
    to: program.adminEmails,
    subject: `${input.title} ${holdTag(token)}`,
    text,
    html: `<div>${lines.map((l) => (l ? `<p style="margin:0 0 6px">${textToHtml(l)}</p>` : '<br>')).join('')}</div>`,
    messageId: `<hold-${token}.${input.heldKey.slice(0, 12)}@${domain}>`,
  });
}

/** Composes the hold notice and sends it to the program's admins. */
export async function sendHoldNotice(
  deps: { program: Program; keySecret: string; mailer: Mailer },
  input: Omit<HoldNoticeInput, 'program' | 'keySecret'>,
): Promise<ComposedMessage> {
  const msg = await composeHoldNotice({ ...input, program: deps.program, keySecret: deps.keySecret });
  await deps.mailer.sendRaw({ from: deps.program.mailbox, to: msg.to, raw: msg.raw });
  return msg;
}

function kb(bytes: number): string {
  return bytes < 1024 ? `${bytes}B` : `${Math.round(bytes / 1024)}KB`;
}
