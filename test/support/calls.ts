import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * Records the operation (GetItem, TransactWriteItems …) of every command the client sends, in order: a
 * middleware on the real client, so the calls still reach DynamoDB Local and nothing is faked.
 */
export function recordCalls(client: DynamoDBDocumentClient): string[] {
  const calls: string[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      calls.push(String(context.commandName).replace(/Command$/, ''));
      return next(args);
    },
    { step: 'initialize', name: 'recordCalls' },
  );
  return calls;
}
