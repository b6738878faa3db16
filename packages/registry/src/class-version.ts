import type { TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '@lingjun/core';
import { keys } from './keys.ts';

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/**
 * Who owns a region's list for one class: the submission on file. Replacement (spec §4) is serialised on it:
 * a submission claims the class by moving the version on, and every write of its list is conditioned on that
 * version, so a concurrent submission that claims the class after it makes its remaining writes fail.
 */
export interface ClassVersion {
  region: string;
  classNo: number;
  version: number;
  messageId: string;
  /** Receipt time of the submission on file (ISO): an older one never replaces it. */
  receivedAt: string;
}

/** The version a submission holds while it writes its list; passed to each registration transaction. */
export type ClassGuard = Pick<ClassVersion, 'region' | 'classNo' | 'version'>;

/** What claiming a class found. */
export type ClassClaim =
  | { state: 'owner'; guard: ClassGuard }
  | { state: 'superseded'; onFile: Pick<ClassVersion, 'messageId' | 'receivedAt'> };

/** A newer submission claimed the class while this one was writing: its list no longer stands. */
export class ClassTakenOverError extends ConflictError {
  override readonly name: string = 'ClassTakenOverError';
}

/** True when submission `a` is newer (by receipt time) than `b`. */
export function receivedLater(a: { receivedAt: string }, b: { receivedAt: string }): boolean {
  return Date.parse(a.receivedAt) > Date.parse(b.receivedAt);
}

/**
 * Who owns a region's class once `claimant` claims it: the claimant, with the version it moves the class to
 * (the one on file when it already owns it), or the newer submission on file. On equal receipt times the
 * claimant wins, except when it lost the class once already (`yieldOnTie`), so two submissions of one
 * instant cannot take it from each other for ever.
 */
export function decideClassClaim(
  current: ClassVersion | undefined,
  claimant: { region: string; classNo: number; messageId: string; receivedAt: string },
  yieldOnTie: boolean,
): { state: 'owner'; next: ClassVersion } | { state: 'superseded'; onFile: ClassVersion } {
  if (current?.messageId === claimant.messageId) return { state: 'owner', next: current };
  const tie = current !== undefined && !receivedLater(claimant, current) && !receivedLater(current, claimant);
  if (current && (receivedLater(current, claimant) || (tie && yieldOnTie))) {
    return { state: 'superseded', onFile: current };
  }
  return {
    state: 'owner',
    next: {
      region: claimant.region,
      classNo: claimant.classNo,
      version: (current?.version ?? 0) + 1,
      messageId: claimant.messageId,
      receivedAt: claimant.receivedAt,
    },
  };
}

/** The transaction item that keeps a registration write to the version its submission claimed. */
export function classGuardCheck(table: string, year: number, guard: ClassGuard): TransactItem {
  return {
    ConditionCheck: {
      TableName: table,
      Key: keys.classVersion(year, guard.region, guard.classNo),
      ConditionExpression: 'version = :v',
      ExpressionAttributeValues: { ':v': guard.version },
    },
  };
}
