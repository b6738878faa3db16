import { type DynamoDBDocumentClient, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { TransientError } from '@lingjun/core';

/** Every page of a query: listings here are small (a region, a class), so reading all pages is right. */
export async function queryAll(
  db: DynamoDBDocumentClient,
  input: QueryCommandInput,
): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const res = await db.send(new QueryCommand({ ...input, ExclusiveStartKey: start }));
    out.push(...((res.Items ?? []) as Record<string, unknown>[]));
    start = res.LastEvaluatedKey;
  } while (start);
  return out;
}

/** True when a write lost its condition (the item exists, the counter is full …). */
export function isConditionFailure(err: unknown): boolean {
  return (err as Error)?.name === 'ConditionalCheckFailedException';
}

/**
 * Marks DynamoDB's throttling and service errors as transient, so the caller's retry (Lambda's, for an
 * async event) is the answer; anything else is passed on as it is.
 */
export function wrapDynamoError(err: unknown, what: string): Error {
  if (
    err instanceof Error &&
    /Throttl|ProvisionedThroughput|RequestLimit|ServiceUnavailable|InternalServer/.test(err.name)
  ) {
    return new TransientError(`DynamoDB ${what}: ${err.name}`, { cause: err });
  }
  return err as Error;
}

/** An item without its key attributes. */
export function stripKeys<T>(item: Record<string, unknown>): T {
  const { pk: _pk, sk: _sk, gsi1pk: _g1, gsi1sk: _g2, type: _t, ...rest } = item;
  return rest as T;
}
