import { InputError } from '@lingjun/core';
import { programRegions } from '@lingjun/program';
import { ExitError, guarded, parseCommon, wholeNumber } from '../common.ts';
import type { Command } from '../main.ts';
import { publishWith } from './program.ts';
import { withDeadlines } from './remind.ts';

const USAGE =
  'lingjun quota set 地区 名额 [--class 期次] [--by 姓名] [--deployment 输出文件] [--state 目录] [--json]';

/**
 * `lingjun quota set`: reallocates a region's places (in total or for one class) by publishing a new program
 * version on the stack, after checking the accepted numbers in the registry; the region is told by email.
 */
export const command: Command = {
  summary: '调整地区名额（发布新的程序版本并通知该地区；不得低于已录取人数）',
  usage: USAGE,
  run: (args) =>
    guarded(async () => {
      const { values, positionals } = parseCommon(
        args,
        { class: { type: 'string' }, by: { type: 'string' } },
        USAGE,
      );
      const [regionText, totalText] = positionals;
      if (!regionText || totalText === undefined) throw new ExitError(`请指定地区和名额\n用法: ${USAGE}`);
      const total = wholeNumber(totalText, '名额');
      const classNo = values.class === undefined ? undefined : wholeNumber(values.class, '--class 期次', 1);
      const { applyQuotaChange } = await import('@lingjun/deadlines');
      const result = await withDeadlines(values, async (deps, session) => {
        // The stack's current program says which regions there are.
        const regions = programRegions(session.program);
        const region = regions.resolve(regionText);
        if (!region) throw new ExitError(`不是${regions.list.length}个报送地区之一：${regionText}`);
        const used = await deps.registry.quotaUsed(region.code);
        let change: ReturnType<typeof applyQuotaChange>;
        try {
          change = applyQuotaChange(
            session.program,
            { region: region.code, total, ...(classNo !== undefined ? { classNo } : {}) },
            used,
            `程序版本 ${session.published.version}`,
          );
        } catch (error) {
          if (error instanceof InputError || (error as Error).name === 'ProgramError')
            throw new ExitError((error as Error).message, 1);
          throw error;
        }
        const run = await publishWith(deps, session, change.program, values.by ?? 'lingjun quota set');
        return { ...change, used, run, region };
      });
      const what = classNo === undefined ? '总名额' : `第${classNo}期名额`;
      const { region } = result;
      const accepted = classNo === undefined ? result.used.total : (result.used.perClass[classNo] ?? 0);
      process.stdout.write(
        values.json
          ? `${JSON.stringify({ region: { code: region.code, name: region.name }, ...(classNo !== undefined ? { classNo } : {}), before: result.before ?? null, total, accepted, version: result.run.published.version, notified: result.run.notified.map((n) => n.region.code) })}\n`
          : `${region.name}${what}：${result.before ?? '未设'} → ${total}（已录取 ${accepted}）；程序版本 ${result.run.published.version}${result.run.notified.length > 0 ? '，已通知该地区' : ''}\n`,
      );
      return 0;
    }),
};
