import { parseArgs } from 'node:util';
import { writeTemplates } from '@lingjun/forms';
import { loadProgram, ProgramError } from '@lingjun/program';
import type { Command } from '../main.ts';

const USAGE = '用法: lingjun templates [--program 文件] [--out 目录]\n';

/** `lingjun templates`: writes the year's blank forms (附件3, 附件4, 附件5) from the program file. */
export const command: Command = {
  summary: '按年度程序文件生成空白表格（附件3、附件4、附件5）',
  async run(args) {
    let values: { program?: string; out?: string; help?: boolean };
    try {
      ({ values } = parseArgs({
        args,
        options: {
          program: { type: 'string' },
          out: { type: 'string' },
          help: { type: 'boolean', short: 'h' },
        },
        strict: true,
      }));
    } catch (error) {
      process.stderr.write(`${(error as Error).message}\n${USAGE}`);
      return 2;
    }
    if (values.help) {
      process.stdout.write(USAGE);
      return 0;
    }
    let program: Awaited<ReturnType<typeof loadProgram>>;
    try {
      program = await loadProgram(values.program ?? 'examples/program-2025.json');
    } catch (error) {
      if (error instanceof ProgramError) {
        process.stderr.write(`${error.message}\n`);
        return 1;
      }
      throw error;
    }
    const paths = await writeTemplates(program, values.out ?? 'templates');
    for (const p of paths) process.stdout.write(`${p}\n`);
    return 0;
  },
};
