/**
 * The one place the bureau module touches the 附件2 reader and the import merge, so that moving them (to a
 * program-import package) means re-pointing these two functions only.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RegionTable } from '@lingjun/program';
import {
  applyImport,
  ImportError,
  type ProgramChange,
  type QuotaEntry,
  readQuotas,
} from '@lingjun/program-import';

/** Reads an attached 附件2 with the import reader (which reads files): written to a private temp folder first. */
export async function readQuotaSheet(
  file: { filename: string; content: Uint8Array },
  regions: RegionTable,
): Promise<{ entries: QuotaEntry[]; warnings: string[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'lingjun-quota-'));
  try {
    const path = join(dir, file.filename.replace(/[\\/]/g, '_') || '附件2.xlsx');
    await writeFile(path, file.content);
    return await readQuotas(path, regions);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The program's JSON with the sheet's quotas merged in (the sheet is the complete list, as on import). */
export function mergeQuotaSheet(
  data: Record<string, unknown>,
  entries: QuotaEntry[],
  regions: RegionTable,
): { data: Record<string, unknown>; changes: ProgramChange[] } {
  return applyImport(data, { quotas: entries }, regions);
}

/** True for a sheet the reader refused (no header, unknown region …); its message is Chinese, for the admin. */
export function isSheetError(error: unknown): error is Error {
  return error instanceof ImportError;
}
