import type { DeadlineDeps } from '@lingjun/deadlines';
import { type Clock, REAL_CLOCK } from '@lingjun/local';
import { ExitError, guarded, parseCommon } from '../common.ts';
import type { Command } from '../main.ts';
import { type Session, type SessionOptions, withSession } from '../session.ts';

const USAGE = 'lingjun remind [--program 文件] [--state 目录] [--now ISO8601] [--dry-run] [--json]';

/** Runs `fn` with the deadline jobs' services on the stack the options name (local or `--deployment`). */
export async function withDeadlines<T>(
  values: SessionOptions,
  fn: (deps: DeadlineDeps, session: Session) => Promise<T>,
): Promise<T> {
  const { deadlineDeps } = await import('@lingjun/fn-reminders');
  return withSession(values, (session) => fn(deadlineDeps(session.config, session.program), session));
}

/** Parses --now (default: now on the given clock, the stack's when a command runs against one). */
export function nowFrom(text: string | undefined, clock: Clock = REAL_CLOCK): Date {
  const now = text ? new Date(text) : clock.now();
  if (Number.isNaN(now.getTime())) throw new ExitError(`--now 不是有效时间：${text}`);
  return now;
}

/** `lingjun remind`: sends the deadline reminders due at a moment, as the daily schedule does. */
export const command: Command = {
  summary: '发送截止提醒（与每日定时任务相同；--dry-run 只列出）',
  usage: USAGE,
  run: (args) =>
    guarded(async () => {
      const { values } = parseCommon(
        args,
        { now: { type: 'string' }, 'dry-run': { type: 'boolean', default: false } },
        USAGE,
      );
      const given = values.now === undefined ? undefined : nowFrom(values.now);
      const { runReminders } = await import('@lingjun/deadlines');
      const run = await withDeadlines(values, (deps, { clock }) =>
        runReminders(deps, given ?? clock.now(), { dryRun: values['dry-run'] }),
      );
      for (const r of run.sent) {
        if (values.json) {
          process.stdout.write(
            `${JSON.stringify({ region: r.region, to: r.to, deadline: r.deadline, missing: r.missing, quota: r.quota })}\n`,
          );
        } else {
          const verb = values['dry-run'] ? '将提醒' : '已提醒';
          process.stdout.write(
            `${verb} ${r.region.name}（${r.deadline}）：${r.missing.map((m) => m.text).join('；')}\n`,
          );
        }
      }
      if (!values.json) {
        if (run.skipped.length > 0) process.stdout.write(`已发送过，跳过 ${run.skipped.length} 封\n`);
        if (run.sent.length === 0 && run.skipped.length === 0)
          process.stdout.write('今天没有需要发送的提醒\n');
      }
      for (const n of run.noContacts) process.stderr.write(`${n.name} 尚缺材料但没有登记联系人，无法提醒\n`);
      return 0;
    }),
};
