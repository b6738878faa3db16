import { parseArgs } from 'node:util';
import { ProgramError } from '@lingjun/program';
import { ImportError, importProgram } from '@lingjun/program-import';
import type { Command } from '../main.ts';

const USAGE =
  '用法: lingjun program import --program 文件 [--schedule 期次表] [--quotas 名额表] [--deadline 期次=YYYY-MM-DD …]' +
  ' [--dry-run] [--json]\n' +
  '  期次表（附件1）和名额表（附件2）可以是 .xlsx/.xls/.et、.docx 或 .doc/.wps 表格；\n' +
  '  --deadline 给出附件1 没有的报名截止日期（可重复，如 --deadline 3=2025-06-20），优先于表格和程序文件。\n';

/** Parses `--deadline 3=2025-06-20` (repeatable, or comma-separated) into class number → date. */
export function parseDeadlines(values: string[]): Record<number, string> | string {
  const out: Record<number, string> = {};
  for (const item of values.flatMap((v) => v.split(/[,，]/)).filter((v) => v.trim() !== '')) {
    const m = /^\s*(\d+)\s*[=＝:：]\s*(\d{4}-\d{2}-\d{2})\s*$/.exec(item);
    if (!m) return `--deadline “${item}” 应为 期次=YYYY-MM-DD，如 3=2025-06-20`;
    out[Number(m[1])] = m[2]!;
  }
  return out;
}

/** `lingjun program import`: merges the bureau's 附件1 schedule and 附件2 quota sheets into a program file. */
export const command: Command = {
  summary: '把部中小企业局的期次安排表（附件1）和名额分配表（附件2）导入程序文件',
  async run(args) {
    let values: {
      program?: string;
      schedule?: string;
      quotas?: string;
      deadline?: string[];
      json?: boolean;
      'dry-run'?: boolean;
    };
    try {
      ({ values } = parseArgs({
        args,
        options: {
          program: { type: 'string' },
          schedule: { type: 'string' },
          quotas: { type: 'string' },
          deadline: { type: 'string', multiple: true },
          json: { type: 'boolean' },
          'dry-run': { type: 'boolean' },
        },
        strict: true,
      }));
    } catch (error) {
      process.stderr.write(`${(error as Error).message}\n${USAGE}`);
      return 2;
    }
    const deadlines = parseDeadlines(values.deadline ?? []);
    if (typeof deadlines === 'string') {
      process.stderr.write(`${deadlines}\n${USAGE}`);
      return 2;
    }
    const hasDeadlines = Object.keys(deadlines).length > 0;
    if (!values.program || (!values.schedule && !values.quotas && !hasDeadlines)) {
      process.stderr.write(USAGE);
      return 2;
    }
    try {
      const result = await importProgram({
        programFile: values.program,
        ...(values.schedule ? { scheduleFile: values.schedule } : {}),
        ...(values.quotas ? { quotasFile: values.quotas } : {}),
        ...(hasDeadlines ? { deadlines } : {}),
        dryRun: values['dry-run'] ?? false,
      });
      if (values.json) {
        const { file, changes, warnings, written } = result;
        process.stdout.write(`${JSON.stringify({ file, written, changes, warnings })}\n`);
        return 0;
      }
      for (const w of result.warnings) process.stderr.write(`注意：${w}\n`);
      if (result.changes.length === 0) {
        process.stdout.write(`${result.file}：没有变化\n`);
        return 0;
      }
      for (const c of result.changes) process.stdout.write(`  ${c.message}\n`);
      process.stdout.write(
        result.written
          ? `已更新 ${result.file}（${result.changes.length} 处变化）\n`
          : `试运行：${result.file} 未改动（${result.changes.length} 处变化）\n`,
      );
      return 0;
    } catch (error) {
      if (error instanceof ProgramError || error instanceof ImportError) {
        if (values.json) {
          const issues = error instanceof ProgramError ? error.issues : [];
          process.stdout.write(`${JSON.stringify({ error: error.name, message: error.message, issues })}\n`);
        } else {
          process.stderr.write(`${error.message}\n`);
        }
        return 1;
      }
      throw error;
    }
  },
};
