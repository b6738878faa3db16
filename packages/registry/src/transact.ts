import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { ConflictError } from '@lingjun/core';
import { wrapDynamoError } from './dynamo.ts';
import type { MarkerOwner } from './types.ts';

export type TransactItems = NonNullable<TransactWriteCommandInput['TransactItems']>;

/** Why each item of a cancelled transaction failed, with the old item where DynamoDB returned it. */
export type CancelReasons = { Code?: string; Item?: Record<string, unknown> }[];

/** How often a transaction that lost to a concurrent one is tried again before giving up. */
export const MAX_CONFLICT_RETRIES = 12;

/** An ADD to a counter item, conditioned on staying under `limit` when it grows. */
export function counterUpdate(
  table: string,
  key: { pk: string; sk: string },
  delta: number,
  limit?: number,
): TransactItems[number] {
  return {
    Update: {
      TableName: table,
      Key: key,
      UpdateExpression: 'ADD used :d',
      ...(limit !== undefined && delta > 0
        ? {
            ConditionExpression: 'attribute_not_exists(used) OR used < :limit',
            ExpressionAttributeValues: { ':d': delta, ':limit': limit },
          }
        : { ExpressionAttributeValues: { ':d': delta } }),
    },
  };
}

/**
 * Runs a transaction; returns undefined on success or the cancellation reasons when a condition failed.
 * TransactionConflict (another transaction touched the same items) is retried with jitter: a lost race
 * is never reported as a full quota or a duplicate.
 */
export async function transact(
  db: DynamoDBDocumentClient,
  items: TransactItems,
): Promise<CancelReasons | undefined> {
  for (let attempt = 0; ; attempt++) {
    try {
      await db.send(new TransactWriteCommand({ TransactItems: items }));
      return undefined;
    } catch (err) {
      if (
        err instanceof TransactionCanceledException ||
        (err as Error).name === 'TransactionCanceledException'
      ) {
        const reasons = ((err as TransactionCanceledException).CancellationReasons ?? []).map((r) => ({
          Code: r.Code,
          Item: r.Item ? unmarshall(r.Item as never) : undefined,
        }));
        const conflict = reasons.some((r) => r.Code === 'TransactionConflict');
        const conditionFailed = reasons.some((r) => r.Code === 'ConditionalCheckFailed');
        if (conditionFailed) return reasons;
        if (conflict && attempt < MAX_CONFLICT_RETRIES) {
          await sleep(jitter(attempt));
          continue;
        }
        throw new ConflictError('transaction kept conflicting with concurrent writers', { cause: err });
      }
      if ((err as Error).name === 'TransactionInProgressException' && attempt < MAX_CONFLICT_RETRIES) {
        await sleep(jitter(attempt));
        continue;
      }
      throw wrapDynamoError(err, 'transaction');
    }
  }
}

/** The owner a marker item names (from a failed condition's old item). */
export function ownerOf(item: Record<string, unknown> | undefined): MarkerOwner | undefined {
  return item?.owner as MarkerOwner | undefined;
}

function jitter(attempt: number): number {
  return Math.random() * Math.min(500, 20 * 2 ** attempt);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
