import { ConfigError } from '@lingjun/core';
import type { Program } from '@lingjun/program';

/** A problem in an imported sheet (unknown region, bad date, missing column), naming file and row. */
export class ImportError extends ConfigError {
  override readonly name = 'ImportError';
}

/** One class as the schedule sheet gives it. */
export interface ScheduleEntry {
  no: number;
  start: string;
  end: string;
  location: string;
  deadline?: string;
  /** Row number in the sheet, for messages. */
  row: number;
}

/** One region's allocation as the quota sheet gives it. */
export interface QuotaEntry {
  code: string;
  name: string;
  total: number;
  perClass?: Record<string, number>;
  row: number;
}

/** One change the import made to the program file. */
export interface ProgramChange {
  kind: 'class-added' | 'class-changed' | 'class-removed' | 'quota-added' | 'quota-changed' | 'quota-removed';
  /** JSON path in the program file (classes[2], quotas.130000). */
  path: string;
  message: string;
}

/** What an import did (or, with dryRun, would do). */
export interface ImportResult {
  file: string;
  changes: ProgramChange[];
  warnings: string[];
  written: boolean;
  program: Program;
}
