import { writeFile } from 'node:fs/promises';
import type { ComposedReport } from '@lingjun/deadlines';
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
      const given = values.now === undefined ? undefined : nowFrom(values.now);
      const { statusWorkbook } = await import('@lingjun/deadlines');
      const bytes = await withDeadlines(values, (deps, { clock }) =>
        statusWorkbook(deps, given ?? clock.now()),
      );
      await writeFile(values.out, bytes);
      process.stdout.write(
        values.json
          ? `${JSON.stringify({ out: values.out, bytes: bytes.byteLength })}\n`
          : `已写入 ${values.out}\n`,
      );
      return 0;
    }),
};

const REPORT_OPTIONS = {
  now: { type: 'string' },
  send: { type: 'boolean', default: false },
  out: { type: 'string' },
} as const;

/** Prints (or with --send mails) a composed report; --out writes its workbook; --json gives its data. */
async function show(
  values: { json: boolean; send: boolean; out?: string | undefined },
  report: ComposedReport<unknown>,
  sent: string | undefined,
): Promise<void> {
  if (values.out) await writeFile(values.out, report.attachment.content);
  if (values.json) {
    const { subject, text, data, attachment } = report;
    process.stdout.write(
      `${JSON.stringify({ subject, text, data, attachment: attachment.filename, ...(sent ? { sent } : {}) })}\n`,
    );
    return;
  }
  process.stdout.write(`${report.subject}\n\n${report.text}`);
  if (values.out) process.stdout.write(`附件已写入 ${values.out}\n`);
  if (sent) process.stdout.write('已发送给管理员。\n');
}

const DIGEST_USAGE =
  'lingjun report digest [--now ISO8601] [--send] [--out 文件.xlsx] [--deployment 输出文件] [--json]';

/** `lingjun report digest`: the bureau's daily digest on demand, exactly as the scheduled mail composes it. */
export const digest: Command = {
  summary: '查看（或 --send 立即发送）每日汇总：各地区×各期次录取情况、逾期/待确认/隔离邮件',
  run: (args) =>
    guarded(async () => {
      const { values } = parseCommon(args, REPORT_OPTIONS, DIGEST_USAGE);
      const { composeDigest, sendReport } = await import('@lingjun/deadlines');
      await withDeadlines(values, async (deps, { clock }) => {
        const now = nowFrom(values.now, clock);
        const report = await composeDigest(deps, now);
        await show(values, report, values.send ? await sendReport(deps, report) : undefined);
      });
      return 0;
    }),
};

const UNDERFILL_USAGE =
  'lingjun report underfill [--deadline YYYY-MM-DD | --now ISO8601] [--send] [--out 文件.xlsx] [--deployment 输出文件] [--json]';

/** `lingjun report underfill`: a deadline's under-fill report on demand (default: the deadline just passed). */
export const underfill: Command = {
  summary: '查看（或 --send 立即发送）某一截止日期的名额未报满地区',
  run: (args) =>
    guarded(async () => {
      const { values } = parseCommon(
        args,
        { ...REPORT_OPTIONS, deadline: { type: 'string' } },
        UNDERFILL_USAGE,
      );
      const { composeUnderfill, programDeadlines, sendReport, today, underfillDeadline } = await import(
        '@lingjun/deadlines'
      );
      await withDeadlines(values, async (deps, { clock }) => {
        const now = nowFrom(values.now, clock);
        const all = programDeadlines(deps.program);
        const deadline = values.deadline
          ? all.find((d) => d.date === values.deadline)
          : (underfillDeadline(deps.program, now) ??
            all.filter((d) => d.date < today(deps.program, now)).at(-1));
        if (!deadline)
          throw new ExitError(
            values.deadline
              ? `没有这个截止日期：${values.deadline}（本年度为 ${all.map((d) => d.date).join('、')}）`
              : `尚无已过的截止日期，请用 --deadline 指定（本年度为 ${all.map((d) => d.date).join('、')}）`,
            1,
          );
        const report = await composeUnderfill(deps, deadline);
        await show(values, report, values.send ? await sendReport(deps, report) : undefined);
      });
      return 0;
    }),
};
