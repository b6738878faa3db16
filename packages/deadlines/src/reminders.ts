import { log, once } from '@lingjun/core';
import { buildTemplates } from '@lingjun/forms';
import type { Program } from '@lingjun/program';
import pMap from 'p-map';
import { bouncedAddresses, type MissingItem, missingFor } from './owed.ts';
import { sendFromMailbox, sendScheduled } from './send-scheduled.ts';
import {
  classKey,
  type DeadlineDeps,
  daysBetween,
  JOB_CONCURRENCY,
  programDeadlines,
  type RegionStatus,
  regionStatuses,
  today,
} from './status.ts';
import { chineseDate, classList, escapeHtml } from './text.ts';

/** A reminder sent (or, in a dry run, that would be sent); the JSON of `lingjun remind --json`. */
export interface Reminder {
  region: { code: string; name: string };
  to: string[];
  deadline: string;
  /** Days left until the deadline on the day of the reminder (0 = the deadline day). */
  daysBefore: number;
  missing: MissingItem[];
  quota: { used: number; total: number };
}

/** What a reminder run did. */
export interface ReminderRun {
  /** Reminders sent now (or that would be, in a dry run). */
  sent: Reminder[];
  /** Already sent by an earlier run (double fire, retry) or being sent by a concurrent one. */
  skipped: Reminder[];
  /** Regions that owe something but have no address to write to. */
  noContacts: { code: string; name: string }[];
}

/** How long a claimed reminder stays with the run that claimed it before a retry may take it over. */

/** The reminders due on the local date of `now`: one per region owing something per deadline reached. */
export async function planReminders(
  deps: Pick<DeadlineDeps, 'program' | 'registry' | 'bounces'>,
  now: Date,
): Promise<{
  reminders: Reminder[];
  noContacts: { code: string; name: string }[];
  statuses: RegionStatus[];
}> {
  const { program } = deps;
  const day = today(program, now);
  const due = programDeadlines(program).filter((d) => {
    const left = daysBetween(day, d.date);
    return left >= 0 && program.reminders.daysBefore.includes(left);
  });
  if (due.length === 0) return { reminders: [], noContacts: [], statuses: [] };
  const statuses = await regionStatuses(deps);
  const bounced = bouncedAddresses(await deps.bounces.list());
  const reminders: Reminder[] = [];
  const noContacts: { code: string; name: string }[] = [];
  for (const d of due) {
    for (const r of statuses) {
      const missing = missingFor(program, r, d);
      if (missing.length === 0) continue;
      // A contact whose mail bounced is not written to again; the region's other contacts are.
      const to = r.contacts.filter((c) => !bounced.get(r.code)?.has(c));
      if (to.length === 0) {
        noContacts.push({ code: r.code, name: r.name });
        continue;
      }
      reminders.push({
        region: { code: r.code, name: r.name },
        to,
        deadline: d.date,
        daysBefore: daysBetween(day, d.date),
        missing,
        quota: { used: r.used.total, total: r.quota.total },
      });
    }
  }
  return { reminders, noContacts, statuses };
}

/** Send-once record of a reminder: per region, deadline and day. */
export function reminderKey(program: Program, r: Reminder, day: string): { pk: string; sk: string } {
  return { pk: `Y#${program.year}#REMIND#${r.region.code}`, sk: `${r.deadline}#${day}` };
}

/**
 * Sends the reminders due at `now` (spec §8), each at most once per region, deadline and day: the record is
 * claimed in the table before the mail goes out and marked sent after, so a double fire or a retried run
 * sends nothing twice. A dry run sends nothing and records nothing.
 */
export async function runReminders(
  deps: DeadlineDeps,
  now: Date,
  opts: { dryRun?: boolean } = {},
): Promise<ReminderRun> {
  const { program } = deps;
  const day = today(program, now);
  const plan = await planReminders(deps, now);
  const run: ReminderRun = { sent: [], skipped: [], noContacts: plan.noContacts };
  for (const n of plan.noContacts) log.warn('region owes forms but has no contact', { region: n.code });
  if (plan.reminders.length === 0) return run;
  const byCode = new Map(plan.statuses.map((s) => [s.code, s]));
  // Built once for every reminder of the run, on the first that is sent.
  const forms = once(() => buildTemplates(program));
  const sendOne = async (r: Reminder): Promise<'sent' | 'skipped'> => {
    const key = reminderKey(program, r, day);
    if (opts.dryRun) return (await deps.sendOnce.isSent(key.pk, key.sk)) ? 'skipped' : 'sent';
    const sent = await sendScheduled(
      deps,
      key,
      { type: 'reminder', region: r.region.code, deadline: r.deadline, day, to: r.to },
      async (tags) => {
        const attachments = await forms();
        const body = renderReminder(program, r, byCode.get(r.region.code)!, day);
        const files = attachments.map((f) => ({ filename: f.name, content: f.content }));
        return sendFromMailbox(program, deps.mailer, { to: r.to, ...body, attachments: files }, tags);
      },
    );
    if (sent.state !== 'sent') return 'skipped';
    const { id } = sent;
    // So a bounce, reported by this id, is recorded against the region. The reminder is out and marked: a
    // failure here costs the bounce link, not a failed run (as for a reply, see intake's rememberReply).
    await deps.bounces
      .remember(id, { region: r.region.code, kind: 'reminder', ...key }, new Date())
      .catch((error: unknown) =>
        log.warn('sent reminder not remembered for bounces', { error: String(error) }),
      );
    log.info('reminder sent', {
      region: r.region.code,
      deadline: r.deadline,
      day,
      missing: r.missing.length,
    });
    return 'sent';
  };
  // Concurrently, within the mail service's rate (the mailer paces the sends): a program of hundreds of
  // regions is reminded in a fraction of the job's timeout. The lists keep the plan's order.
  // Every send is settled before the run ends, also when one fails: nothing is left in flight (a Lambda
  // freezes what it did not await), and the retry finds each reminder sent or released. The first failure
  // is the run's.
  const results = await pMap(plan.reminders, sendOne, {
    concurrency: JOB_CONCURRENCY,
    stopOnError: false,
  }).catch((error: unknown) => {
    throw error instanceof AggregateError && error.errors.length > 0 ? error.errors[0] : error;
  });
  plan.reminders.forEach((r, i) => {
    run[results[i] === 'sent' ? 'sent' : 'skipped'].push(r);
  });
  return run;
}

/** Subject, text and HTML of one reminder, in Chinese. */
export function renderReminder(
  program: Program,
  r: Reminder,
  status: RegionStatus,
  day: string,
): { subject: string; text: string; html: string } {
  const deadline = programDeadlines(program).find((d) => d.date === r.deadline);
  const classes = classList((deadline?.classes ?? []).map((c) => c.no));
  const when = r.daysBefore === 0 ? '今天截止' : `还有${r.daysBefore}天截止`;
  const subject = `【报名提醒】${r.region.name}：${classes}报名材料将于${chineseDate(r.deadline)}截止（${when}）`;
  const accepted = program.classes
    .filter((c) => (status.used.perClass[c.no] ?? 0) > 0)
    .map((c) => `第${c.no}期${status.used.perClass[c.no]}名`);
  const received = [
    ...(status.submitted.has('FORM3') ? ['附件3'] : []),
    ...program.classes.filter((c) => status.submitted.has(classKey(c.no))).map((c) => `第${c.no}期报名表`),
  ];
  const left = r.quota.total - r.quota.used;
  const paragraphs = [
    `${r.region.name}中小企业主管部门：`,
    `您好！${program.title}${classes}培训班的报名材料将于${chineseDate(r.deadline)}截止（${when}）。截至${chineseDate(day)}，贵地区尚缺：`,
    r.missing.map((m, i) => `${i + 1}. ${m.text}`).join('\n'),
    `已收到：${received.length ? received.join('、') : '尚无'}。已录取：${accepted.length ? accepted.join('，') : '尚无'}。`,
    `名额：共${r.quota.total}名，已用${r.quota.used}名，尚余${left}名。对于分配名额未报满的地区，部中小企业局将在后续培训工作中调减或取消当地名额。`,
    `请于${chineseDate(r.deadline)}前将电子版材料发送至 ${program.mailbox}。空白表格见本邮件附件。`,
    '本邮件由报名系统自动发送。如已报送，请以系统回执为准。',
  ];
  return {
    subject,
    text: `${paragraphs.join('\n\n')}\n`,
    html: paragraphs.map((p) => `<p>${escapeHtml(p).replace(/\n/g, '<br />')}</p>`).join('\n'),
  };
}
