import type { InboundAttachment, InboundMail } from '@lingjun/mail';
import { type Program, parseClassNo } from '@lingjun/program';
import { tokensIn } from './token.ts';

/** What an admin's mail asks for. */
export type BureauCommand =
  | { kind: 'approve'; tokens: string[] }
  | { kind: 'reject'; tokens: string[]; reason: string }
  | { kind: 'quota'; sheet: InboundAttachment | undefined }
  | { kind: 'status' }
  | { kind: 'roster'; classNo: number | undefined }
  | { kind: 'help'; note?: string };

/**
 * True when the mail may command the system: From is one of the program's admin addresses and its
 * authentication is aligned with that address's domain (a forged or relayed From never is).
 */
export function fromBureau(mail: Pick<InboundMail, 'from' | 'authentication'>, program: Program): boolean {
  const auth = mail.authentication;
  const from = mail.from?.address.toLowerCase();
  if (!auth.aligned || !auth.from || !from || auth.from !== from) return false;
  return program.adminEmails.some((a) => a.toLowerCase() === from);
}

/** The subject without reply and forward prefixes (Re:, 回复:, 答复:, Fwd:, 转发:). */
export function bareSubject(subject: string): string {
  let s = subject.normalize('NFKC').trim();
  for (;;) {
    const next = s.replace(/^(re|fw|fwd|回复|答复|转发)\s*:\s*/i, '');
    if (next === s) return s;
    s = next;
  }
}

/** The first line the admin wrote: not blank, not quoted (`>`), NFKC-normalised (full-width colon → `:`). */
export function firstLine(text: string): string {
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.normalize('NFKC').trim();
    if (line && !line.startsWith('>')) return line;
  }
  return '';
}

const SPREADSHEET = /\.(xlsx|xls|et)$/i;

/** Reads what an admin's mail asks for; anything unrecognised asks for help. */
export function parseBureauCommand(
  mail: Pick<InboundMail, 'subject' | 'text' | 'inReplyTo' | 'references' | 'attachments'>,
): BureauCommand {
  const line = firstLine(mail.text);
  const subject = bareSubject(mail.subject);
  const tokens = tokensIn([mail.subject, mail.inReplyTo, ...mail.references]);
  if (/^同意/.test(line) || /^拒绝/.test(line)) {
    if (tokens.length === 0)
      return {
        kind: 'help',
        note: '您的邮件中没有待确认邮件的编号（[HOLD-…]）。请直接回复系统发出的暂存通知，不要改动主题。',
      };
    if (/^同意/.test(line)) return { kind: 'approve', tokens };
    const reason = line.replace(/^拒绝\s*[:,，、]?\s*/, '').trim();
    if (!reason) return { kind: 'help', note: '拒绝时请写明原因，格式为“拒绝：原因”，原因将告知发件人。' };
    return { kind: 'reject', tokens, reason };
  }
  if (tokens.length > 0)
    return { kind: 'help', note: '回复暂存通知时，正文第一行请写“同意”或“拒绝：原因”。' };
  const said = (re: RegExp) => re.test(line) || re.test(subject);
  if (said(/^名额调整/)) {
    const sheets = mail.attachments.filter((a) => SPREADSHEET.test(a.filename));
    const sheet = sheets.find((a) => /附件\s*2|名额/.test(a.filename)) ?? sheets[0];
    return { kind: 'quota', sheet };
  }
  if (said(/^进度/)) return { kind: 'status' };
  const roster = /^名单\s*(.*)$/.exec(line) ?? /^名单\s*(.*)$/.exec(subject);
  if (roster) {
    const rest = roster[1]!.trim().split(/\s+/)[0] ?? '';
    const classNo = rest ? parseClassNo(rest) : undefined;
    if (rest && classNo === undefined)
      return { kind: 'help', note: `无法识别期次“${rest}”，请写“名单 第N期”。` };
    return { kind: 'roster', classNo };
  }
  return { kind: 'help' };
}

/** The help text: the commands an admin may mail. */
export function helpText(program: Program): string[] {
  return [
    `可用邮件命令（发至 ${program.mailbox}，仅管理员邮箱有效）：`,
    '  回复暂存通知，正文第一行写“同意”：批准该邮件；写“拒绝：原因”：拒绝并告知发件人；',
    '  主题或正文写“名额调整”并附上名额分配表（附件2，Excel）：按表调整名额，回复调整结果；',
    '  主题或正文写“进度”：回复报名进度表；',
    '  主题或正文写“名单 第N期”：回复该期学员名单（只写“名单”则为全年名单）。',
  ];
}
