/** The `program import` use case: read the sheets, merge, validate, write atomically. */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { ProgramError, parseProgram, programRegions } from '@lingjun/program';
import { applyImport } from './merge.ts';
import { readQuotas } from './quotas.ts';
import { readSchedule } from './schedule.ts';
import { ImportError, type ImportResult } from './types.ts';

/** Options of importProgram: the program file, the sheets, deadlines given by hand, and dryRun. */
export interface ImportOptions {
  programFile: string;
  scheduleFile?: string;
  quotasFile?: string;
  /** Class number → YYYY-MM-DD, for deadlines 附件1 does not give. */
  deadlines?: Record<number, string>;
  dryRun?: boolean;
}

async function readProgramJson(programFile: string): Promise<Record<string, unknown>> {
  let textIn: string;
  try {
    textIn = await readFile(programFile, 'utf8');
  } catch (cause) {
    throw new ProgramError(programFile, [{ path: '', message: `无法读取文件：${(cause as Error).message}` }]);
  }
  try {
    return JSON.parse(textIn) as Record<string, unknown>;
  } catch (cause) {
    throw new ProgramError(programFile, [
      { path: '', message: `不是有效的 JSON：${(cause as Error).message}` },
    ]);
  }
}

/**
 * Imports the schedule and/or quota tables (workbooks or Word documents) into a program file: refuses a
 * program file that is already broken, validates the result with parseProgram, and writes only when it is
 * valid (and not dryRun).
 */
export async function importProgram(options: ImportOptions): Promise<ImportResult> {
  const { programFile, deadlines } = options;
  const hasDeadlines = deadlines !== undefined && Object.keys(deadlines).length > 0;
  if (!options.scheduleFile && !options.quotasFile && !hasDeadlines) {
    throw new ImportError('至少需要 --schedule、--quotas 或 --deadline 其中之一');
  }
  const data = await readProgramJson(programFile);
  // A broken file is refused before anything is merged into it: the operator fixes the path named.
  const current = parseProgram(data, programFile);

  const schedule = options.scheduleFile ? await readSchedule(options.scheduleFile, current.year) : undefined;
  const regions = programRegions(current);
  const quotaRead = options.quotasFile ? await readQuotas(options.quotasFile, regions) : undefined;
  const { data: merged, changes } = applyImport(
    data,
    {
      ...(schedule ? { schedule } : {}),
      ...(quotaRead ? { quotas: quotaRead.entries } : {}),
      ...(hasDeadlines ? { deadlines } : {}),
    },
    regions,
  );
  const program = parseProgram(merged, `${programFile}（导入后）`);

  const written = !options.dryRun && changes.length > 0;
  if (written) {
    // Write beside the target and rename, so an interrupted import never leaves half a program file.
    const tmp = join(
      dirname(programFile),
      `.${basename(programFile, extname(programFile))}.${process.pid}.tmp`,
    );
    await writeFile(tmp, `${JSON.stringify(merged, null, 2)}\n`, 'utf8');
    await rename(tmp, programFile);
  }
  return { file: programFile, changes, warnings: quotaRead?.warnings ?? [], written, program };
}
