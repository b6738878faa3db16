import { writeTemplates } from '@lingjun/forms';
import { guarded, parseCommon, programFrom } from '../common.ts';
import type { Command } from '../main.ts';

const USAGE = 'lingjun templates [--program 文件] [--out 目录]';

/** `lingjun templates`: writes the year's blank forms (附件3, 附件4, 附件5 …) from the program file. */
export const command: Command = {
  summary: '按年度程序文件生成空白表格（附件3、附件4、附件5、评价表）',
  usage: USAGE,
  run: (args) =>
    guarded(async () => {
      const { values } = parseCommon(args, { out: { type: 'string' } }, USAGE);
      const program = await programFrom(values.program);
      const paths = await writeTemplates(program, values.out ?? 'templates');
      for (const p of paths) process.stdout.write(`${p}\n`);
      return 0;
    }),
};
