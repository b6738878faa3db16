/**
 * Fault injection for the faulted seasons (issue 14): a transient fault at every DynamoDB write and SES send,
 * injected with aws-sdk-client-mock on the real clients, each position failed once; every other call reaches
 * the local stack. Given client classes instead of instances, it reaches every client the code under test
 * builds itself (handlers, CLI commands).
 */
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import {
  BatchGetCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { expect } from 'vitest';

/**
 * Writes a run absorbs by design: the mark of a sent notice or scheduled mail is tried again within the run,
 * and a reply already sent is remembered for bounces at best (failing the run would send it again).
 */
const HANDLED_IN_RUN = /^UpdateCommand .*SET #state = :sent|^PutCommand PutCommand:SENTMSG#/;

const WRITES = [PutCommand, UpdateCommand, TransactWriteCommand, DeleteCommand] as const;
const READS = [GetCommand, QueryCommand, ScanCommand, BatchGetCommand] as const;

/**
 * Which write or send a call is, the same on every attempt: the items it writes (key, and status or state
 * for the records that move through them), the update it makes, or who a mail goes to.
 */
export function signature(name: string, input: Record<string, unknown>): string {
  const item = (i: Record<string, unknown> | undefined) =>
    i ? [i.pk, i.sk, i.status, i.state].filter((v) => v !== undefined).join('|') : '';
  const write = (w: Record<string, Record<string, unknown>>): string => {
    const [op, body] = Object.entries(w)[0] ?? ['', {}];
    return `${op}:${item(body.Item as Record<string, unknown>)}${item(body.Key as Record<string, unknown>)}${body.UpdateExpression ?? ''}`;
  };
  if (name === 'SendEmailCommand') return `${name} ${JSON.stringify(input.Destination)}`;
  if (name === 'TransactWriteCommand') {
    return `${name} ${(input.TransactItems as Record<string, Record<string, unknown>>[]).map(write).join(' ')}`;
  }
  return `${name} ${write({ [name]: input })}`;
}

/** Armed for one attempt: the first write or send not failed before throws; the rest go through. */
export interface FaultState {
  armed: boolean;
  /** The call the armed attempt failed at ('' when it met none). */
  hit: string;
  /** Faults a run absorbed itself (a notice's sent mark, tried again in the run). */
  handled: number;
  failed: Set<string>;
}

export interface Faults {
  state: FaultState;
  restore(): void;
}

type Target<T> = T | { prototype: T };

/**
 * Fails each DynamoDB write and SES send position once, as a throttle past the SDK's own retries would (a
 * service's error answer: SES throttling says the mail did not leave), while `state.armed` is true.
 */
export function injectFaults(
  doc: Target<DynamoDBDocumentClient> = DynamoDBDocumentClient,
  ses: Target<SESv2Client> = SESv2Client,
): Faults {
  const state: FaultState = { armed: false, hit: '', handled: 0, failed: new Set() };
  const fault = (name: string, input: Record<string, unknown>) => {
    const sig = signature(name, input);
    if (!state.armed || state.failed.has(sig)) return;
    state.failed.add(sig);
    if (HANDLED_IN_RUN.test(sig)) {
      // Marking a sent notice is tried again in the run itself, which goes on: so may the next fault.
      state.handled++;
    } else {
      state.armed = false;
      state.hit = sig;
    }
    if (name === 'SendEmailCommand') {
      throw Object.assign(new Error('Maximum sending rate exceeded'), {
        name: 'ThrottlingException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
      });
    }
    throw Object.assign(new Error('The level of configured provisioned throughput was exceeded'), {
      name: 'ProvisionedThroughputExceededException',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
    });
  };
  // The real send, taken before the mock replaces it, called on whichever client the code used.
  const docSend = ('prototype' in doc ? doc.prototype : doc).send as (c: unknown) => Promise<unknown>;
  const sesSend = ('prototype' in ses ? ses.prototype : ses).send as (c: unknown) => Promise<unknown>;
  const docMock = mockClient(doc as DynamoDBDocumentClient);
  for (const Command of READS) {
    const C = Command as typeof GetCommand;
    docMock.on(C).callsFake((input, client) => docSend.call(client(), new C(input)));
  }
  for (const Command of WRITES) {
    const C = Command as typeof PutCommand;
    docMock.on(C).callsFake(async (input, client) => {
      fault(Command.name, input);
      return docSend.call(client(), new C(input));
    });
  }
  const sesMock = mockClient(ses as SESv2Client);
  sesMock.on(SendEmailCommand).callsFake(async (input, client) => {
    fault('SendEmailCommand', input);
    return sesSend.call(client(), new SendEmailCommand(input));
  });
  return {
    state,
    restore() {
      docMock.restore();
      sesMock.restore();
    },
  };
}

/**
 * Runs `attempt` as Lambda (or an operator) retries it: armed each time, until an attempt meets no new fault.
 * An attempt that fails must have met its fault, and one that ends must not have swallowed it. Resolves to
 * the result and how many positions were failed on the way.
 */
export async function untilClean<T>(
  faults: Faults,
  label: string,
  attempt: (n: number) => Promise<T>,
): Promise<{ result: T; positions: number }> {
  const before = faults.state.failed.size;
  for (let n = 1; ; n++) {
    expect(n, `${label}: attempts`).toBeLessThan(150);
    faults.state.armed = true;
    faults.state.hit = '';
    let failure: unknown;
    let done = false;
    let result: T | undefined;
    try {
      result = await attempt(n);
      done = true;
    } catch (err) {
      failure = err;
    }
    faults.state.armed = false;
    if (done) {
      expect(faults.state.hit, `${label}: fault at ${faults.state.hit} swallowed`).toBe('');
      return { result: result as T, positions: faults.state.failed.size - before };
    }
    expect(faults.state.hit, `${label}: failed without its fault: ${failure}`).not.toBe('');
  }
}
