import { readFile, writeFile } from 'node:fs/promises';
import { InputError } from '@lingjun/core';
import { resolveRegion } from '@lingjun/program';
import { DEFAULT_PROGRAM, ExitError, guarded, parseCommon, wholeNumber } from '../common.ts';
import type { Command } from '../main.ts';
import { withDeadlines } from './remind.ts';

const USAGE = 'lingjun quota set 地区 名额 [--class 期次] [--program 文件] [--state 目录] [--json]';

/**
 * `lingjun quota set`: reallocates a region's places (in total or for one class) in the program file, after
 * checking the accepted numbers in the registry; a reduction below what is accepted is refused.
 */
export const command: Command = {
  summary: '调整地区名额（写入程序文件；不得低于已录取人数）',
  usage: USAGE,
  run: (args) =>
    guarded(async () => {
      const { values, positionals } = parseCommon(args, { class: { type: 'string' } }, USAGE);
      const [regionText, totalText] = positionals;
      if (!regionText || totalText === undefined) throw new ExitError(`请指定地区和名额\n用法: ${USAGE}`);
      const region = resolveRegion(regionText);
      if (!region) throw new ExitError(`不是37个报送地区之一：${regionText}`);
      const total = wholeNumber(totalText, '名额');
      const classNo = values.class === undefined ? undefined : wholeNumber(values.class, '--class 期次', 1);
      const file = values.program ?? DEFAULT_PROGRAM;
      const data: unknown = JSON.parse(await readFile(file, 'utf8'));
      const { applyQuotaChange } = await import('@lingjun/deadlines');
      const result = await withDeadlines(values, async (deps) => {
        const used = await deps.registry.quotaUsed(region.code);
        try {
          return {
            ...applyQuotaChange(
              data,
              { region: region.code, total, ...(classNo !== undefined ? { classNo } : {}) },
              used,
              file,
            ),
            used,
          };
        } catch (error) {
          if (error instanceof InputError || (error as Error).name === 'ProgramError')
            throw new ExitError((error as Error).message, 1);
          throw error;
        }
      });
      await writeFile(file, `${JSON.stringify(result.data, null, 2)}\n`);
      const what = classNo === undefined ? '总名额' : `第${classNo}期名额`;
      const accepted = classNo === undefined ? result.used.total : (result.used.perClass[classNo] ?? 0);
      process.stdout.write(
        values.json
          ? `${JSON.stringify({ region: { code: region.code, name: region.name }, ...(classNo !== undefined ? { classNo } : {}), before: result.before ?? null, total, accepted })}\n`
          : `${region.name}${what}：${result.before ?? '未设'} → ${total}（已录取 ${accepted}）\n`,
      );
      return 0;
    }),
};
