/**
 * Counts AWS calls with a middleware on the real SDK clients: every client (DynamoDB, its document client,
 * S3, SES) gets a counting step in its middleware stack the first time it sends while counting is on, so
 * each operation that goes out is recorded once, with the service and operation the SDK itself names.
 * Nothing is faked: the calls still go to the local services. The document client shares its DynamoDB
 * client's stack, so a PutCommand counts once, as the PutItem it is.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** One AWS operation as the SDK's handler context names it. */
export interface CountedCall {
  service: 'dynamodb' | 's3' | 'ses' | 'other';
  operation: string;
}

type Stack = { add: (mw: unknown, opts: { step: string; name: string; override?: boolean }) => void };
type Send = (this: { middlewareStack?: Stack }, ...args: unknown[]) => unknown;

const NAME = 'lingjunBenchCallCounter';

/** The service of an SDK client name ("DynamoDBClient", "S3Client", "SESv2Client"). */
export function serviceOf(clientName: string | undefined): CountedCall['service'] {
  if (!clientName) return 'other';
  if (/dynamodb/i.test(clientName)) return 'dynamodb';
  if (/^s3/i.test(clientName)) return 's3';
  if (/^ses/i.test(clientName)) return 'ses';
  return 'other';
}

/** "TransactWriteItemsCommand" -> "TransactWriteItems". */
export function operationOf(commandName: string | undefined): string {
  return (commandName ?? 'unknown').replace(/Command$/, '');
}

/**
 * Table management, not data: `lingjun ingest` makes sure its local table exists (ListTables, CreateTable),
 * which the Lambda never does. Listed with the calls, left out of the per-ingest count.
 */
export const CONTROL_PLANE =
  /^(CreateTable|DeleteTable|DescribeTable|ListTables|UpdateTable|DescribeTimeToLive|UpdateTimeToLive)$/;

/** DynamoDB data calls (items, queries, transactions) among counted calls. */
export function dynamoDataCalls(calls: CountedCall[]): number {
  return calls.filter((c) => c.service === 'dynamodb' && !CONTROL_PLANE.test(c.operation)).length;
}

/** Calls per "service:Operation", and per service in total. */
export function tally(calls: CountedCall[]): {
  byOperation: Record<string, number>;
  byService: Record<string, number>;
} {
  const byOperation: Record<string, number> = {};
  const byService: Record<string, number> = {};
  for (const c of calls) {
    const k = `${c.service}:${c.operation}`;
    byOperation[k] = (byOperation[k] ?? 0) + 1;
    byService[c.service] = (byService[c.service] ?? 0) + 1;
  }
  return { byOperation, byService };
}

/**
 * Starts counting: returns the list calls are appended to while `on` is true, and a stop that restores the
 * clients' send. Only one counter at a time.
 */
export function countCalls(): { calls: CountedCall[]; state: { on: boolean }; stop: () => void } {
  const calls: CountedCall[] = [];
  const state = { on: true };
  // Every SDK client inherits send from smithy's Client; the first send of a client while counting adds the step.
  const base = Object.getPrototypeOf(DynamoDBClient.prototype) as { send: Send };
  const original = base.send;
  const equipped = new WeakSet<object>();
  const middleware =
    (next: (args: unknown) => Promise<unknown>, context: { clientName?: string; commandName?: string }) =>
    async (args: unknown) => {
      if (state.on)
        calls.push({ service: serviceOf(context.clientName), operation: operationOf(context.commandName) });
      return next(args);
    };
  base.send = function (this: { middlewareStack?: Stack }, ...args: unknown[]) {
    const stack = this.middlewareStack;
    if (state.on && stack && !equipped.has(stack)) {
      stack.add(middleware, { step: 'initialize', name: NAME, override: true });
      equipped.add(stack);
    }
    return original.apply(this, args);
  };
  return {
    calls,
    state,
    stop: () => {
      state.on = false;
      base.send = original;
    },
  };
}
