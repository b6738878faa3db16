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
