import { keySecretFromEnv, services } from '@lingjun/aws';
import { approveHeld, type IntakeDeps, rejectHeld } from '@lingjun/intake';
import { ExitError, guarded, parseCommon } from '../common.ts';
import type { Command } from '../main.ts';
import { type SessionOptions, withSession } from '../session.ts';

async function withDeps<T>(values: SessionOptions, fn: (deps: IntakeDeps) => Promise<T>) {
  return withSession(values, ({ config, program }) =>
    fn({ ...services(config, program.year), program, keySecret: keySecretFromEnv() }),
  );
}

/** `lingjun approve MESSAGE_ID`: processes a held email as received. */
const APPROVE_USAGE = 'lingjun approve [--program 文件] [--state 目录] [--json] MESSAGE_ID';
const REJECT_USAGE = 'lingjun reject [--program 文件] [--state 目录] [--json] MESSAGE_ID --reason 原因';

export const approve: Command = {
  summary: '批准暂存（待确认）的邮件并按收到时间处理',
  usage: APPROVE_USAGE,
  run: (args) =>
    guarded(async () => {
      const usage = APPROVE_USAGE;
      const { values, positionals } = parseCommon(args, {}, usage);
      const id = positionals[0];
      if (!id) throw new ExitError(`请指定邮件的 Message-ID\n用法: ${usage}`);
      const outcome = await withDeps(values, (deps) => approveHeld(deps, id));
      if (!outcome) throw new ExitError(`没有待确认的邮件 ${id}（可能已处理或已拒绝）`, 1);
      process.stdout.write(values.json ? `${JSON.stringify(outcome)}\n` : `${id}: ${outcome.status}\n`);
      return 0;
    }),
};

/** `lingjun reject MESSAGE_ID --reason …`: refuses a held email and tells its sender. */
export const reject: Command = {
  summary: '拒绝暂存（待确认）的邮件并通知发件人',
  usage: REJECT_USAGE,
  run: (args) =>
    guarded(async () => {
      const usage = REJECT_USAGE;
      const { values, positionals } = parseCommon(args, { reason: { type: 'string' } }, usage);
      const id = positionals[0];
      if (!id || !values.reason) throw new ExitError(`请指定 Message-ID 和 --reason\n用法: ${usage}`);
      const reason = values.reason;
      const outcome = await withDeps(values, (deps) => rejectHeld(deps, id, reason));
      if (!outcome) throw new ExitError(`没有待确认的邮件 ${id}（可能已处理或已拒绝）`, 1);
      process.stdout.write(values.json ? `${JSON.stringify(outcome)}\n` : `${id}: ${outcome.status}\n`);
      return 0;
    }),
};
