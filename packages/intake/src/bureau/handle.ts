import { log, SENDER_NAME, TransientError } from '@lingjun/core';
import {
  type ComposedMessage,
  composeReply,
  type InboundMail,
  type OutgoingAttachment,
  shouldReply,
  textToHtml,
} from '@lingjun/mail';
import { currentProgram } from '@lingjun/program';
import type { MessageRecord } from '@lingjun/registry';
import { type InboundRef, quarantined } from '../context.ts';
import { claimLeaseMs, messageKey } from '../lifecycle.ts';
import type { Outcome } from '../outcome.ts';
import { approveHeld, rejectHeld } from '../review.ts';
import { type BureauCommand, fromBureau, helpText, parseBureauCommand } from './commands.ts';
import type { BureauDeps } from './deps.ts';
import { adjustQuotas } from './quota.ts';
import { heldByToken } from './token.ts';

const LEASE_MS = 90_000;
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** The outcome recorded for an admin's command mail: an ordinary outcome plus what the command did. */
export interface BureauOutcome extends Outcome {
  bureau: { command: BureauCommand['kind']; done: boolean };
}

/** Whether the mail was a bureau command (and its outcome), or is left to ordinary intake. */
export type BureauHandling = { handled: false } | { handled: true; outcome: Outcome };

/** What a command answers the admin: the reply's subject, lines and attachments, and whether it acted. */
export interface CommandReply {
  subject: string;
  lines: string[];
  attachments: OutgoingAttachment[];
  done: boolean;
}

/**
 * A mail is a bureau command only when it is ordinary mail (not automatic, which is never answered), passed
 * the receipt checks, and comes from an admin address with aligned authentication. Anything else, even with
 * the same words, is left to intake.
 */
export function isBureauMail(
  mail: InboundMail,
  ref: Pick<InboundRef, 'verdicts'>,
  deps: BureauDeps,
): boolean {
  if (quarantined(ref.verdicts)) return false;
  if (!shouldReply(mail, { ownAddresses: [deps.program.mailbox] })) return false;
  return fromBureau(mail, deps.program);
}

/**
 * Handles an admin's command mail end to end: claims it (a redelivery is a duplicate), runs the command,
 * stores the reply and the outcome before sending, sends the reply once, and marks the mail done.
 */
export async function handleBureauMail(
  mail: InboundMail,
  ref: InboundRef,
  deps: BureauDeps,
): Promise<BureauHandling> {
  // An admin's mail always has a From (fromBureau checks it); naming it here types the reply's recipient.
  const admin = mail.from?.address;
  if (!admin || !isBureauMail(mail, ref, deps)) return { handled: false };
  const now = deps.now?.() ?? new Date();
  const key = messageKey(mail);
  const claim = await deps.registry.claimMessage({
    messageId: key,
    receivedAt: ref.receivedAt.toISOString(),
    rawKey: ref.rawKey,
    now,
    leaseMs: claimLeaseMs(deps),
  });
  if (claim.state === 'finished') {
    const prev = claim.record.outcome as Outcome | undefined;
    return {
      handled: true,
      outcome: { ...(prev ?? baseOutcome(mail, ref)), status: 'duplicate', reply: null },
    };
  }
  if (claim.state === 'busy')
    throw new TransientError(`message ${key} is being processed by another invocation`);
  let record = claim.record;
  try {
    if (record.status === 'recorded' && record.outcome) {
      await sendStoredReply(deps, key, (record.outcome as Outcome).reply?.to ?? []);
      return { handled: true, outcome: await finish(deps, record, record.outcome as Outcome) };
    }
    const command = parseBureauCommand(mail);
    log.info('bureau command', { messageKey: key, command: command.kind });
    const answer = await runCommand(command, mail, deps, now);
    const reply = await composeCommandReply(deps, mail, admin, key, answer, now);
    const outcome: BureauOutcome = {
      ...baseOutcome(mail, ref),
      status: answer.done ? 'accepted' : 'rejected',
      reply: { to: reply.to, subject: reply.subject, attachments: reply.attachments },
      bureau: { command: command.kind, done: answer.done },
    };
    // Stored before it says 'recorded', so a retry always finds the bytes to send and never runs the command again.
    await deps.store.put(replyKey(key), reply.raw, 'message/rfc822');
    record = {
      ...record,
      status: 'recorded',
      outcome,
      sender: mail.from?.address.toLowerCase() ?? '',
      updatedAt: new Date().toISOString(),
    };
    await deps.registry.saveMessage(record);
    await sendStoredReply(deps, key, reply.to);
    return { handled: true, outcome: await finish(deps, record, outcome) };
  } catch (error) {
    await deps.registry.saveMessage({
      ...record,
      status: record.status === 'recorded' ? 'recorded' : 'failed',
      leaseUntil: 0,
      updatedAt: new Date().toISOString(),
    });
    throw error;
  }
}

/** Runs one command and says what to answer. */
export async function runCommand(
  command: BureauCommand,
  mail: InboundMail,
  deps: BureauDeps,
  now: Date,
): Promise<CommandReply> {
  const { program } = deps;
  switch (command.kind) {
    case 'approve':
    case 'reject': {
      const held = await heldByToken(deps, command.tokens);
      const verb = command.kind === 'approve' ? '同意' : '拒绝';
      if (!held) return notHeld(verb, program);
      const outcome =
        command.kind === 'approve'
          ? await approveHeld(deps, held.messageId)
          : await rejectHeld(deps, held.messageId, command.reason);
      if (!outcome) return notHeld(verb, program);
      return decided(command, held, outcome);
    }
    case 'quota': {
      if (!command.sheet)
        return help(program, '名额调整需要附上名额分配表（附件2，Excel 文件）。未作任何调整。');
      const current = await currentProgram(deps.versions, async () => program, now);
      const res = await adjustQuotas(deps, {
        current,
        sheet: command.sheet,
        by: mail.from?.address.toLowerCase() ?? '管理员邮件',
        now,
      });
      const lines = [
        ...(res.error ? [`名额分配表“${command.sheet.filename}”未能导入：`, res.error] : []),
        ...(res.run
          ? [
              `已发布程序版本 ${res.run.published.version}，调整如下：`,
              ...res.applied.map((c) => `  ${c.message}`),
            ]
          : res.error
            ? []
            : ['名额分配表与当前名额一致，或全部调整均未获准，未发布新版本。']),
        ...(res.refused.length > 0
          ? [
              '以下调整未获准（低于已录取人数）：',
              ...res.refused.map((r) => `  ${r.change.message}：${r.problems.join('')}`),
            ]
          : []),
        ...(res.warnings.length > 0 ? ['注意：', ...res.warnings.map((w) => `  ${w}`)] : []),
        ...(res.run?.notified.length
          ? [`已通知名额有变的地区：${res.run.notified.map((n) => n.region.name).join('、')}`]
          : []),
        ...(res.run?.noContacts.length
          ? [`名额有变但没有登记联系人、未能通知：${res.run.noContacts.map((n) => n.name).join('、')}`]
          : []),
      ];
      return {
        subject: `【名额调整】${res.run ? '已调整' : '未调整'}`,
        lines,
        attachments: [],
        done: !!res.run,
      };
    }
    case 'status': {
      const { composeDigest } = await import('@lingjun/deadlines/reports');
      const report = await composeDigest(deps, now);
      return {
        subject: `【进度】${report.subject.replace(/^【[^】]*】/, '')}`,
        lines: report.text.split('\n'),
        attachments: [{ ...report.attachment, contentType: XLSX }],
        done: true,
      };
    }
    case 'roster': {
      const { rosterWorkbook } = await import('@lingjun/deadlines/roster');
      const { classNo } = command;
      if (classNo !== undefined && !program.classes.some((c) => c.no === classNo))
        return help(program, `没有第${classNo}期。`);
      const { workbook, count } = await rosterWorkbook(deps, classNo === undefined ? {} : { classNo });
      const what = classNo === undefined ? `${program.year}年全年` : `第${classNo}期`;
      return {
        subject: `【名单】${what}学员名单（${count}人）`,
        lines: [`附件为${what}已录取学员名单，共 ${count} 人。`],
        attachments: [{ filename: `${what}学员名单.xlsx`, content: workbook, contentType: XLSX }],
        done: true,
      };
    }
    case 'help':
      return help(program, command.note);
  }
}

function decided(command: BureauCommand, held: MessageRecord, outcome: Outcome): CommandReply {
  const region = outcome.region?.name ?? '未知地区';
  const sender = held.sender ?? '未知发件人';
  if (command.kind === 'reject')
    return {
      subject: `【已拒绝】${region} ${sender}`,
      lines: [
        `已拒绝 ${sender} 为${region}报送的邮件（回执编号 ${outcome.receipt ?? ''}），原因已告知发件人。`,
      ],
      attachments: [],
      done: true,
    };
  return {
    subject: `【已批准】${region} ${sender}`,
    lines: [
      `已批准 ${sender} 为${region}报送的邮件（回执编号 ${outcome.receipt ?? ''}），已按收到时间处理，处理结果：${STATUS[outcome.status] ?? outcome.status}。`,
      ...outcome.classes.map(
        (c) =>
          `  第${c.no}期：受理 ${c.accepted} 人，未受理 ${c.rejected} 人${c.withdrawn > 0 ? `，替换原名单 ${c.withdrawn} 人` : ''}`,
      ),
      '发件人已收到处理回执，并已登记为该地区联系人。',
    ],
    attachments: [],
    done: true,
  };
}

const STATUS: Record<string, string> = {
  accepted: '全部受理',
  partially_accepted: '部分受理',
  rejected: '未予受理',
};

function notHeld(verb: string, program: BureauDeps['program']): CommandReply {
  return help(program, `未执行“${verb}”：没有找到对应的待确认邮件（编号无效，或该邮件已被处理、已被拒绝）。`);
}

function help(program: BureauDeps['program'], note?: string): CommandReply {
  return {
    subject: note ? '【未执行】邮件命令' : '【帮助】邮件命令',
    lines: [...(note ? [note, ''] : []), ...helpText(program)],
    attachments: [],
    done: false,
  };
}

/** The admin's answer, threaded on the command mail. */
export async function composeCommandReply(
  deps: BureauDeps,
  mail: InboundMail,
  to: string,
  key: string,
  answer: CommandReply,
  now: Date,
): Promise<ComposedMessage> {
  const { program } = deps;
  const lines = [...answer.lines, '', `${program.title}报名系统`];
  return composeReply({
    from: { address: program.mailbox, name: SENDER_NAME },
    original: mail,
    to: [to],
    subject: answer.subject,
    text: lines.join('\n'),
    html: `<div>${lines.map((l) => (l ? `<p style="margin:0 0 6px">${textToHtml(l)}</p>` : '<br>')).join('')}</div>`,
    attachments: answer.attachments,
    messageId: `<bureau-${key.slice(0, 24)}@${program.mailbox.split('@')[1]}>`,
    date: now,
  });
}

/** Sends the stored reply of a command mail once: a send-once record keyed by the command mail. */
export async function sendStoredReply(deps: BureauDeps, key: string, to: string[]): Promise<void> {
  if (to.length === 0) return;
  const pk = `Y#${deps.program.year}#BUREAU#REPLY`;
  const at = { now: deps.clock?.() ?? new Date(), leaseMs: LEASE_MS };
  const sent = await deps.sendOnce.send({ pk, sk: key }, { type: 'bureau-reply' }, at, async (tags) => {
    const raw = await deps.store.get(replyKey(key));
    return deps.mailer.sendRaw({ from: deps.program.mailbox, to, raw, tags });
  });
  if (sent.state === 'busy')
    throw new TransientError(`bureau reply ${key} is being sent by another invocation`);
}

async function finish(deps: BureauDeps, record: MessageRecord, outcome: Outcome): Promise<Outcome> {
  await deps.registry.saveMessage({
    ...record,
    status: 'done',
    outcome,
    leaseUntil: 0,
    updatedAt: new Date().toISOString(),
  });
  return outcome;
}

function baseOutcome(mail: InboundMail, ref: InboundRef): Outcome {
  return {
    messageId: mail.messageId.replace(/^<|>$/g, ''),
    status: 'rejected',
    region: null,
    classes: [],
    findings: [],
    reply: null,
    receivedAt: ref.receivedAt.toISOString(),
  };
}

/** Under documents/, which the intake function may write in AWS (the stateless stack's grants). */
function replyKey(key: string): string {
  return `documents/bureau-replies/${key}.eml`;
}
