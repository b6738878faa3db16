import { InputError } from '@lingjun/core';
import { type Program, parseProgram, programRegions } from '@lingjun/program';

/** A quota change refused because it would drop below what is already accepted. */
export class QuotaReductionError extends InputError {
  override readonly name: string = 'QuotaReductionError';
}

/** A requested quota change: the region (code or name), the new number of places, and optionally a class. */
export interface QuotaChange {
  region: string;
  total: number;
  classNo?: number;
}

/**
 * Applies a quota change to the program file's JSON (the program is data: quotas live there) and validates
 * the result with the program schema. Refuses a quota below the places already accepted, with the numbers.
 * Returns the new JSON and the validated program.
 */
export function applyQuotaChange(
  data: unknown,
  change: QuotaChange,
  used: { total: number; perClass: Record<number, number> },
  source = 'program',
): { data: Record<string, unknown>; program: Program; before: number | undefined } {
  // The regions are the program's own (spec §2: the notice's 37 unless it declares others).
  const regions = programRegions(parseProgram(data, source));
  const region = regions.resolve(change.region);
  if (!region) throw new InputError(`不是${regions.list.length}个报送地区之一：${change.region}`);
  if (!Number.isInteger(change.total) || change.total < 0) {
    throw new InputError(`名额应为非负整数：${change.total}`);
  }
  const next = structuredClone(data) as Record<string, unknown>;
  next.quotas ??= {};
  const quotas = next.quotas as Record<string, { total: number; perClass?: Record<string, number> }>;
  const current = quotas[region.code];
  let before: number | undefined;
  if (change.classNo === undefined) {
    before = current?.total;
    if (change.total < used.total) {
      throw new QuotaReductionError(
        `${region.name}已录取${used.total}名，总名额不能减至${change.total}名（至少${used.total}名）。`,
      );
    }
    quotas[region.code] = { ...current, total: change.total };
  } else {
    const accepted = used.perClass[change.classNo] ?? 0;
    before = current?.perClass?.[String(change.classNo)];
    if (change.total < accepted) {
      throw new QuotaReductionError(
        `${region.name}第${change.classNo}期已录取${accepted}名，该期名额不能减至${change.total}名（至少${accepted}名）。`,
      );
    }
    quotas[region.code] = {
      total: current?.total ?? change.total,
      perClass: { ...current?.perClass, [String(change.classNo)]: change.total },
    };
  }
  return { data: next, program: parseProgram(next, source), before };
}
