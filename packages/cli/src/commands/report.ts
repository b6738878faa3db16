import { writeFile } from 'node:fs/promises';
import { ExitError, guarded, parseCommon } from '../common.ts';
import type { Command } from '../main.ts';
import { nowFrom, withDeadlines } from './remind.ts';

const USAGE = 'lingjun report status --out 文件.xlsx [--program 文件] [--state 目录] [--now ISO8601]';

/** `lingjun report status`: the bureau's status workbook (progress per region and class, late/held/quarantined). */
export const command: Command = {
  summary: '导出报名进度表（各地区各期次录取/名额，逾期、待确认与隔离邮件）',
  usage: USAGE,
  run: (args) =>
    guarded(async () => {
      const { values } = parseCommon(args, { out: { type: 'string' }, now: { type: 'string' } }, USAGE);
      if (!values.out) throw new ExitError(`请用 --out 指定输出文件\n用法: ${USAGE}`);
      const now = nowFrom(values.now);
      const { statusWorkbook } = await import('@lingjun/deadlines');
      const bytes = await withDeadlines(values, (deps) => statusWorkbook(deps, now));
      await writeFile(values.out, bytes);
      process.stdout.write(
        values.json
          ? `${JSON.stringify({ out: values.out, bytes: bytes.byteLength })}\n`
          : `已写入 ${values.out}\n`,
      );
      return 0;
    }),
};
