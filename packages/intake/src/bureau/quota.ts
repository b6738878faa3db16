import { ConflictError } from '@lingjun/core';
import type { PublishRun } from '@lingjun/deadlines';
import type { InboundAttachment } from '@lingjun/mail';
import {
  type Program,
  ProgramError,
  type PublishedProgram,
  parseProgram,
  programRegions,
} from '@lingjun/program';
import type { ProgramChange } from '@lingjun/program-import';
import type { BureauDeps } from './deps.ts';
import type { mergeQuotaSheet } from './quota-sheet.ts';

/** What a 名额调整 mail did: the changes published, those refused and why, and the sheet's warnings. */
export interface QuotaAdjustment {
  applied: ProgramChange[];
  refused: { change: ProgramChange; problems: string[] }[];
  warnings: string[];
  run?: PublishRun;
  /** Why nothing could be done at all (unreadable sheet, invalid result, a concurrent publication). */
  error?: string;
}

/**
 * Applies an attached 附件2 to the stack's current program: each region's change is checked against what is
 * recorded on its own, so a cut below enrolment is refused while the other regions' changes are published.
 */
export async function adjustQuotas(
  deps: BureauDeps,
  input: { current: PublishedProgram; sheet: InboundAttachment; by: string; now: Date },
): Promise<QuotaAdjustment> {
  const { checkAgainstRecorded, publishProgram, ProgramChangeRefused } = await import(
    '@lingjun/deadlines/publish'
  );
  // The 附件2 reader (program-import) loads with the first 名额调整 mail, not at every cold start.
  const { isSheetError, mergeQuotaSheet, readQuotaSheet } = await import('./quota-sheet.ts');
  const out: QuotaAdjustment = { applied: [], refused: [], warnings: [] };
  const current = input.current.program;
  let merged: ReturnType<typeof mergeQuotaSheet>;
  try {
    const regions = programRegions(current);
    const read = await readQuotaSheet(input.sheet, regions);
    out.warnings = read.warnings;
    merged = mergeQuotaSheet(
      structuredClone(current) as unknown as Record<string, unknown>,
      read.entries,
      regions,
    );
  } catch (error) {
    if (isSheetError(error)) return { ...out, error: error.message };
    throw error;
  }
  const quotas = merged.data.quotas as Program['quotas'];
  for (const change of merged.changes) {
    const code = change.path.replace(/^quotas\./, '');
    const only = (q: Program['quotas'][string] | undefined): Program => ({
      ...current,
      quotas: q ? { [code]: q } : {},
    });
    const problems = await checkAgainstRecorded(deps, only(current.quotas[code]), only(quotas[code]));
    if (problems.length === 0) {
      out.applied.push(change);
      continue;
    }
    out.refused.push({ change, problems });
    if (current.quotas[code]) quotas[code] = current.quotas[code];
    else delete quotas[code];
  }
  if (out.applied.length === 0) return out;
  let next: Program;
  try {
    next = parseProgram(merged.data, '名额分配表（附件2）导入后');
  } catch (error) {
    if (error instanceof ProgramError) return { ...out, applied: [], error: error.message };
    throw error;
  }
  try {
    out.run = await publishProgram(deps, { current: input.current, next, by: input.by, now: input.now });
  } catch (error) {
    // Enrolment moved between the check and the publication, or someone else published first.
    if (error instanceof ProgramChangeRefused || error instanceof ConflictError)
      return { ...out, applied: [], error: `${error.message}\n未作任何调整，请重新发送。` };
    throw error;
  }
  return out;
}
