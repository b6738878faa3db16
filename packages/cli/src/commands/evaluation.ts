import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { courseRegistry, services } from '@lingjun/aws';
import { evaluationSurplus, importEvaluations, sendEvaluationSummary } from '@lingjun/certificates';
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
  'lingjun evaluation import [--class N] 评价表.xlsx ... | lingjun evaluation summary --class N [--json]  [--program 文件] [--state 目录]';

/** `lingjun evaluation`: imports filled 培训效果评价表 and mails the bureau a class's summary. */
export const command: Command = {
  summary: '培训效果评价：导入评价表；按期汇总并发送部中小企业局',
  usage: USAGE,
  run: (args) =>
    guarded(async () => {
      const sub = subcommand(args, ['import', 'summary'] as const, USAGE);
      const { values, positionals } = parseCommon(args.slice(1), { class: { type: 'string' } }, USAGE);
      if (sub === 'import') await existingFiles(positionals, '评价表文件', USAGE);
      const program = await programFrom(values.program);
      const classNo = values.class !== undefined ? classOf(program, values.class, USAGE).no : undefined;
      return withSession(values, async ({ config, program, clock }) => {
        const course = courseRegistry(config, program.year);
        if (sub === 'import') {
          if (positionals.length === 0) throw new ExitError(`请指定评价表文件\n用法: ${USAGE}`);
          let stored = 0;
          for (const file of positionals) {
            const r = await importEvaluations({
              file: { filename: basename(file), content: await readFile(file) },
              ...(classNo !== undefined ? { classNo } : {}),
              course,
              source: basename(file),
              now: clock.now(),
            });
            stored += r.stored;
            const { registry } = services(config, program.year);
            for (const no of r.classes) {
              const surplus = await evaluationSurplus({ course, registry }, no);
              if (surplus && !values.json) process.stdout.write(`  提示：${surplus}\n`);
            }
            if (values.json) process.stdout.write(`${JSON.stringify({ file: basename(file), ...r })}\n`);
            else {
              process.stdout.write(`${basename(file)}: ${r.stored}份\n`);
              for (const f of r.findings)
                process.stdout.write(`  ${f.row ? `第${f.row}行 ` : ''}${f.message}\n`);
            }
          }
          return stored > 0 ? 0 : 1;
        }
        if (classNo === undefined) throw new ExitError(`请用 --class 指定期次\n用法: ${USAGE}`);
        const { mailer } = services(config, program.year);
        const { summary, sent } = await sendEvaluationSummary(
          { program, course, mailer, now: clock.now() },
          classNo,
        );
        if (values.json) process.stdout.write(`${JSON.stringify({ ...summary, sent })}\n`);
        else
          process.stdout.write(
            `第${classNo}期：${summary.forms}份；${summary.items.map((i) => `${i.item}${i.average.toFixed(2)}`).join('，')}${sent ? '；已发送部中小企业局' : ''}\n`,
          );
        return summary.forms > 0 ? 0 : 1;
      });
    }),
};
