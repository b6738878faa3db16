import { readFile, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { courseRegistry, keySecretFromEnv, services } from '@lingjun/aws';
import { importAttendance, signInSheetWorkbook } from '@lingjun/certificates';
import {
  classOf,
  ExitError,
  existingFiles,
  guarded,
  parseCommon,
  programFrom,
  subcommand,
} from '../common.ts';
import type { Command } from '../main.ts';
import { withSession } from '../session.ts';

const USAGE =
  'lingjun attendance import [--class N] [--json] 签到表.xlsx ... | lingjun attendance sheet --class N --out 签到表.xlsx  [--program 文件] [--state 目录]';

/** `lingjun attendance import`: records sign-in sheets for a class, as if the organiser had emailed them. */
export const command: Command = {
  summary: '签到表：生成某期预填学员的空白签到表；导入填好的签到表（考勤）',
  usage: USAGE,
  run: (args) =>
    guarded(async () => {
      const sub = subcommand(args, ['import', 'sheet'] as const, USAGE);
      const { values, positionals } = parseCommon(
        args.slice(1),
        { class: { type: 'string' }, out: { type: 'string' } },
        USAGE,
      );
      if (sub === 'sheet') return writeSheet(values);
      await existingFiles(positionals, '签到表文件', USAGE);
      const program = await programFrom(values.program);
      const classNo = values.class !== undefined ? classOf(program, values.class, USAGE).no : undefined;
      let failed = 0;
      await withSession(values, async ({ config, program, clock }) => {
        const { registry } = services(config, program.year);
        const course = courseRegistry(config, program.year);
        for (const file of positionals) {
          const result = await importAttendance({
            file: { filename: basename(file), content: await readFile(file) },
            ...(classNo !== undefined ? { classNo } : {}),
            program,
            registry,
            course,
            keySecret: keySecretFromEnv(),
            source: basename(file),
            now: clock.now(),
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
      });
      return failed > 0 ? 1 : 0;
    }),
};

/** `lingjun attendance sheet`: the class's 签到表 pre-filled with its students, for the organiser to print. */
async function writeSheet(values: {
  class?: string;
  out?: string;
  program?: string;
  state?: string;
  json?: boolean;
}) {
  const program = await programFrom(values.program);
  const cls = classOf(program, values.class, USAGE);
  if (!values.out) throw new ExitError(`请用 --out 指定签到表文件（用法: ${USAGE}）`);
  const out = values.out;
  const students = await withSession(values, async ({ config, program }) =>
    (await services(config, program.year).registry.listClass(cls.no)).filter((r) => r.status === 'active'),
  );
  await writeFile(out, await signInSheetWorkbook(program, cls, students));
  process.stdout.write(
    values.json
      ? `${JSON.stringify({ classNo: cls.no, students: students.length, file: out })}\n`
      : `已写入 ${out}：第${cls.no}期签到表，学员${students.length}人\n`,
  );
  return 0;
}
