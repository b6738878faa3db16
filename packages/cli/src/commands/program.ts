import { programVersions } from '@lingjun/aws';
import { ConflictError } from '@lingjun/core';
import type { DeadlineDeps, PublishRun } from '@lingjun/deadlines';
import { type Program, ProgramError } from '@lingjun/program';
import { ExitError, guarded, parseCommon, programFrom } from '../common.ts';
import type { Command } from '../main.ts';
import type { Session } from '../session.ts';
import { withDeadlines } from './remind.ts';

/** Publishes `next` on the session's stack (checked against what is recorded), explaining refusals in Chinese. */
export async function publishWith(
  deps: DeadlineDeps,
  session: Session,
  next: Program,
  by: string,
): Promise<PublishRun> {
  const { publishProgram, ProgramChangeRefused } = await import('@lingjun/deadlines');
  try {
    return await publishProgram(
      { ...deps, versions: programVersions(session.config) },
      { current: session.published, next, by, now: new Date() },
    );
  } catch (error) {
    if (error instanceof ProgramChangeRefused) throw new ExitError(error.message, 1);
    if (error instanceof ConflictError) throw new ExitError(error.message, 1);
    throw error;
  }
}

const PUBLISH_USAGE =
  'lingjun program publish 程序文件 [--by 姓名] [--deployment 输出文件] [--state 目录] [--json]';

/** `lingjun program publish FILE`: the file becomes the stack's current program (no redeploy). */
export const publish: Command = {
  summary: '把程序文件发布为当前版本（检查已录取情况；名额有变的地区会收到通知）',
  run: (args) =>
    guarded(async () => {
      const { values, positionals } = parseCommon(args, { by: { type: 'string' } }, PUBLISH_USAGE);
      const [file] = positionals;
      if (!file) throw new ExitError(`请指定程序文件\n用法: ${PUBLISH_USAGE}`);
      let next: Program;
      try {
        next = await programFrom(file);
      } catch (error) {
        if (error instanceof ProgramError) throw new ExitError(error.message, 1);
        throw error;
      }
      const run = await withDeadlines(values, (deps, session) =>
        publishWith(deps, session, next, values.by ?? 'lingjun program publish'),
      );
      const { version, changes } = run.published;
      if (values.json) {
        process.stdout.write(
          `${JSON.stringify({ version, changes, notified: run.notified.map((n) => n.region.code) })}\n`,
        );
      } else {
        process.stdout.write(`已发布程序版本 ${version}（${changes.length} 处变化）\n`);
        for (const c of changes) process.stdout.write(`  ${c}\n`);
        for (const n of run.notified) process.stdout.write(`已通知 ${n.region.name}：${n.to.join('、')}\n`);
        for (const n of run.noContacts)
          process.stderr.write(`${n.name} 名额有变，但没有登记联系人，未能通知\n`);
      }
      return 0;
    }),
};

const SHOW_USAGE = 'lingjun program show [--version N] [--deployment 输出文件] [--state 目录] [--json]';

/** `lingjun program show`: the stack's current (or a given) program version, who published it and what changed. */
export const show: Command = {
  summary: '显示当前（或指定）程序版本：发布人、时间、变化',
  run: (args) =>
    guarded(async () => {
      const { values } = parseCommon(args, { version: { type: 'string' } }, SHOW_USAGE);
      if (values.version !== undefined && !/^\d+$/.test(values.version))
        throw new ExitError(`--version 应为数字：${values.version}`);
      const found = await withDeadlines(values, async (_deps, session) =>
        values.version === undefined
          ? session.published
          : await programVersions(session.config).get(Number(values.version)),
      );
      if (!found) throw new ExitError(`没有程序版本 ${values.version}`, 1);
      if (values.json) {
        process.stdout.write(`${JSON.stringify(found)}\n`);
      } else {
        process.stdout.write(
          `程序版本 ${found.version}：${found.program.year}年，${found.publishedBy} 发布于 ${found.publishedAt}\n`,
        );
        for (const c of found.changes) process.stdout.write(`  ${c}\n`);
      }
      return 0;
    }),
};
