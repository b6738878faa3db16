import { writeFile } from 'node:fs/promises';
import { programRegions } from '@lingjun/program';
import { ExitError, guarded, parseCommon } from '../common.ts';
import type { Command } from '../main.ts';
import { withDeadlines } from './remind.ts';

const USAGE =
  'lingjun roster [--class 期次] [--region 地区] [--with-id] --out 文件.xlsx [--program 文件] [--state 目录]';

/** `lingjun roster`: accepted students per class, per region or for the year, as a workbook. */
export const command: Command = {
  summary: '导出学员名单（按期次、按地区或全年）',
  usage: USAGE,
  run: (args) =>
    guarded(async () => {
      const { values } = parseCommon(
        args,
        {
          out: { type: 'string' },
          class: { type: 'string' },
          region: { type: 'string' },
          'with-id': { type: 'boolean', default: false },
        },
        USAGE,
      );
      if (!values.out) throw new ExitError(`请用 --out 指定输出文件\n用法: ${USAGE}`);
      const classNo = values.class === undefined ? undefined : Number(values.class);
      if (classNo !== undefined && !Number.isInteger(classNo))
        throw new ExitError(`--class 应为期次数字：${values.class}`);
      const { rosterWorkbook } = await import('@lingjun/deadlines');
      const out = values.out;
      const { workbook, count } = await withDeadlines(values, async (deps) => {
        if (classNo !== undefined && !deps.program.classes.some((c) => c.no === classNo))
          throw new ExitError(`程序文件中没有第${classNo}期`);
        const regions = programRegions(deps.program);
        const region = values.region === undefined ? undefined : regions.resolve(values.region);
        if (values.region !== undefined && !region)
          throw new ExitError(`不是${regions.list.length}个报送地区之一：${values.region}`);
        return rosterWorkbook(deps, {
          ...(classNo !== undefined ? { classNo } : {}),
          ...(region ? { region: region.code } : {}),
          includeId: values['with-id'],
        });
      });
      await writeFile(out, workbook);
      process.stdout.write(
        values.json ? `${JSON.stringify({ out, students: count })}\n` : `已写入 ${out}（${count} 名学员）\n`,
      );
      return 0;
    }),
};
