import { readFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { documentClient, keySecretFromEnv, services } from '@lingjun/aws';
import { importAttendance } from '@lingjun/certificates';
import { CourseRegistry } from '@lingjun/registry';
import {
  classOf,
  DEFAULT_STATE,
  existingFiles,
  guarded,
  parseCommon,
  programFrom,
  subcommand,
  withStackProgress,
} from '../common.ts';
import type { Command } from '../main.ts';

const USAGE =
  'lingjun attendance import [--program 文件] [--state 目录] [--class N] [--json] 签到表.xlsx ...';

/** `lingjun attendance import`: records sign-in sheets for a class, as if the organiser had emailed them. */
export const command: Command = {
  summary: '导入签到表（考勤），匹配学员并记录每个半天的出勤',
  usage: USAGE,
  run: (args) =>
    guarded(async () => {
      subcommand(args, ['import'], USAGE);
      const { values, positionals } = parseCommon(args.slice(1), { class: { type: 'string' } }, USAGE);
      await existingFiles(positionals, '签到表文件', USAGE);
      const program = await programFrom(values.program);
      const classNo = values.class !== undefined ? classOf(program, values.class, USAGE).no : undefined;
      let failed = 0;
      await withStackProgress(
        { program, stateDir: resolve(values.state ?? DEFAULT_STATE) },
        async ({ config }) => {
          const { registry } = services(config, program.year);
          const course = new CourseRegistry(documentClient(config), config.tableName, program.year);
          for (const file of positionals) {
            const result = await importAttendance({
              file: { filename: basename(file), content: await readFile(file) },
              ...(classNo !== undefined ? { classNo } : {}),
              program,
              registry,
              course,
              keySecret: keySecretFromEnv(),
              source: basename(file),
              now: new Date(),
            });
            if (result.halfDays.length === 0 || result.classNo === undefined) failed++;
            if (values.json) {
              process.stdout.write(`${JSON.stringify(result)}\n`);
              continue;
            }
            process.stdout.write(
              `${result.file}: 第${result.classNo ?? '?'}期，${result.halfDays.length}个半天，${result.rows}行，匹配${result.matched}人\n`,
            );
            for (const f of result.findings) {
              process.stdout.write(
                `  ${f.row ? `第${f.row}行 ` : ''}${f.student ? `${f.student}：` : ''}${f.message}\n`,
              );
            }
          }
        },
      );
      return failed > 0 ? 1 : 0;
    }),
};
