/**
 * e2e_ratio_to_io_floor: `lingjun ingest` of the typical submission against the local stack, against the I/O
 * floor: the fewest DynamoDB/S3/SES calls the semantics of that ingest need (bench/io-floor.ts), built from
 * the items a real ingest wrote and executed on fresh clients against the same services. Not a replay of
 * our own calls: a replay cannot show that most of them are avoidable. Both run on a fresh table each time.
 *
 * ddb_calls_typical: all DynamoDB calls of one typical ingest, counted by a middleware on the real SDK
 * clients (bench/calls.ts) while the ingest runs against DynamoDB Local.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import {
  BatchGetCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { type AwsConfig, documentClient, dynamoDbClient, s3Client, sesClient } from '@lingjun/aws';
import { parseProgram } from '@lingjun/program';
import { createTableInput, DynamoProgramVersions } from '@lingjun/registry';
import { countCalls, dynamoDataCalls, tally } from '../calls.ts';
import type { Fixtures } from '../fixtures.ts';
import { dynamoCalls, minimalPlan, type PlannedCall } from '../io-floor.ts';
import { measure, type Row } from '../measure.ts';

type Kind = 'doc' | 'ddb' | 's3' | 'ses';
interface Call {
  kind: Kind;
  command: new (input: unknown) => unknown;
  input: unknown;
}

type Send = (this: unknown, command: { input: unknown; constructor: unknown }, ...rest: unknown[]) => unknown;

/** Wraps `send` of every SDK client class ingest uses; returns the recorder and an undo. */
function recordCalls(): { calls: Call[]; stop: () => void; active: { on: boolean } } {
  const calls: Call[] = [];
  const active = { on: false };
  const kinds: [Kind, { prototype: object }][] = [
    ['doc', DynamoDBDocumentClient],
    ['ddb', DynamoDBClient],
    ['s3', S3Client],
    ['ses', SESv2Client],
  ];
  const undo: (() => void)[] = [];
  for (const [kind, cls] of kinds) {
    const proto = cls.prototype as { send: Send };
    const own = Object.hasOwn(proto, 'send');
    const original = proto.send;
    proto.send = function (this: unknown, command, ...rest) {
      // Only the outermost send of a doc-client command counts (it may delegate to the inner client).
      if (active.on && this instanceof (cls as unknown as new () => object)) {
        calls.push({
          kind,
          command: command.constructor as Call['command'],
          input: structuredClone(command.input),
        });
      }
      return original.call(this, command, ...rest);
    };
    undo.push(() => {
      if (own) proto.send = original;
      else delete (proto as Partial<{ send: Send }>).send;
    });
  }
  return {
    calls,
    active,
    stop: () => {
      for (const u of undo) u();
    },
  };
}

function retable(value: unknown, from: string, to: string): unknown {
  if (value === from) return to;
  if (Array.isArray(value)) return value.map((v) => retable(v, from, to));
  if (value && typeof value === 'object' && !(value instanceof Uint8Array)) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k === from ? to : k, retable(v, from, to)]),
    );
  }
  return value;
}

/** A failed floor call, naming the transaction actions whose condition failed (a wrong plan to fix). */
function whyFailed(err: unknown, input: Record<string, unknown>): Error {
  const reasons = (err as { CancellationReasons?: { Code?: string }[] }).CancellationReasons;
  const actions = (input.TransactItems ?? []) as Record<string, unknown>[];
  const failed = (reasons ?? []).flatMap((r, i) =>
    r.Code && r.Code !== 'None' ? [`${i}: ${r.Code} ${JSON.stringify(actions[i]).slice(0, 400)}`] : [],
  );
  return new Error(`io floor call failed: ${(err as Error).name}\n${failed.join('\n')}`, { cause: err });
}

async function drain(out: unknown): Promise<void> {
  const body = (out as { Body?: { transformToByteArray?: () => Promise<Uint8Array> } } | undefined)?.Body;
  if (body?.transformToByteArray) await body.transformToByteArray();
}

/** Runs the e2e stage on the typical submission against the stack described by `config`. */
export async function runE2e(
  fx: Fixtures,
  config: AwsConfig,
): Promise<{
  rows: Row[];
  calls: Record<string, number>;
  ddb_calls_typical: number;
  io_floor_calls: Record<string, number>;
}> {
  const { setLogSink } = await import('@lingjun/core');
  setLogSink({ write: () => {} });
  const { main } = await import('@lingjun/cli');
  const stateDir = await mkdtemp(join(tmpdir(), 'lingjun-bench-e2e-'));
  // The example program with room for all 30 students of 河北省, so every ingest accepts the whole submission.
  const program = JSON.parse(
    await readFile(new URL('../../examples/program-2025.json', import.meta.url), 'utf8'),
  ) as { quotas: Record<string, { total: number }> };
  program.quotas['130000'] = { total: 100 };
  const programFile = join(stateDir, 'program.json');
  await writeFile(programFile, JSON.stringify(program));
  const admin = dynamoDbClient(config);
  let table = '';
  const published = parseProgram(program);
  const freshTable = async () => {
    table = `bench-${randomUUID()}`;
    await admin.send(new CreateTableCommand(createTableInput(table)));
    // A deployed stack holds its program already (published once, at the first start): seeding it is not
    // work of an ingest, so the fresh table gets it before the ingest runs, as CreateTable comes before.
    const doc = documentClient({ ...config, tableName: table });
    try {
      await new DynamoProgramVersions(doc, table).publish({
        after: 0,
        program: published,
        publishedBy: 'bench',
        changes: [],
        now: new Date(),
      });
    } finally {
      doc.destroy();
    }
    const file = {
      pid: process.pid,
      dynamoPid: 0,
      config: { ...config, tableName: table },
      smtpPort: 0,
      sesViewerUrl: '',
      outboxDir: join(stateDir, 'outbox'),
      startedAt: new Date().toISOString(),
    };
    await writeFile(join(stateDir, 'stack.json'), JSON.stringify(file));
  };
  const dropTable = async () => {
    await admin.send(new DeleteTableCommand({ TableName: table }));
  };
  const ingest = async (): Promise<string> => {
    const lines: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    }) as typeof process.stdout.write;
    let code: number;
    try {
      code = await main([
        'ingest',
        '--program',
        programFile,
        '--state',
        stateDir,
        '--received-at',
        '2025-06-05T02:00:00Z',
        '--json',
        fx.typical,
      ]);
    } finally {
      process.stdout.write = write;
    }
    const outcome = JSON.parse(lines.join('').trim().split('\n').pop() ?? '{}') as { status?: string };
    if (code !== 0 || outcome.status !== 'accepted')
      throw new Error(`ingest: exit ${code}, ${lines.join('')}`);
    return outcome.status;
  };

  // Count (middleware on the real clients) and record (inputs, for the floor's items) one real ingest.
  // The table is made (and its program published) before counting starts: neither is ingest work.
  await freshTable();
  const counter = countCalls();
  const rec = recordCalls();
  const recordedTable = table;
  rec.active.on = true;
  try {
    await ingest();
  } finally {
    rec.active.on = false;
    counter.state.on = false;
    rec.stop();
    counter.stop();
  }
  await dropTable();
  const counted = tally(counter.calls);
  const ddbCallsTypical = dynamoDataCalls(counter.calls);
  if (rec.calls.length === 0) throw new Error('ingest made no SDK call that the recorder saw');
  const ctors = new Map<string, Call['command']>();
  for (const c of [
    PutCommand,
    UpdateCommand,
    GetCommand,
    QueryCommand,
    TransactWriteCommand,
    BatchGetCommand,
    DeleteCommand,
  ])
    ctors.set(c.name, c as unknown as Call['command']);
  for (const c of rec.calls) ctors.set(c.command.name, c.command);
  const recorded: PlannedCall[] = rec.calls.map((c) => ({
    kind: c.kind,
    command: c.command.name,
    input: retable(c.input, recordedTable, '\u0000TABLE') as Record<string, unknown>,
  }));
  const plan = minimalPlan(recorded);

  const replay = async () => {
    const cfg = { ...config, tableName: table };
    const clients = {
      doc: documentClient(cfg),
      ddb: dynamoDbClient(cfg),
      s3: s3Client(cfg),
      ses: sesClient(cfg),
    };
    try {
      for (const c of plan) {
        const Cmd = ctors.get(c.command);
        if (!Cmd) throw new Error(`io floor: no command class ${c.command}`);
        const client = clients[c.kind] as unknown as { send: (cmd: unknown) => Promise<unknown> };
        // Every call of the floor must succeed on a fresh table: a failed condition would be a wrong plan.
        const input = retable(c.input, '\u0000TABLE', table) as Record<string, unknown>;
        await drain(await client.send(new Cmd(input)).catch((err) => Promise.reject(whyFailed(err, input))));
      }
    } finally {
      for (const cl of Object.values(clients)) cl.destroy();
    }
    return plan.length;
  };
  // The floor's own calls, counted the same way, once.
  await freshTable();
  const floorCounter = countCalls();
  try {
    await replay();
  } finally {
    floorCounter.stop();
  }
  await dropTable();
  const floorCounted = tally(floorCounter.calls);
  if ((floorCounted.byService.dynamodb ?? 0) !== dynamoCalls(plan)) {
    throw new Error(
      `io floor made ${floorCounted.byService.dynamodb} DynamoDB calls, planned ${dynamoCalls(plan)}`,
    );
  }

  const rows = await measure(
    'e2e',
    'typical',
    [
      { name: 'ingest', run: ingest, before: freshTable, after: dropTable },
      { name: 'io-floor', floor: true, run: replay, before: freshTable, after: dropTable },
    ],
    { warmup: 2, minRuns: 9, maxRuns: 30, maxMs: 60_000, settle: 0.04 },
  );
  admin.destroy();
  return {
    rows,
    calls: counted.byOperation,
    ddb_calls_typical: ddbCallsTypical,
    io_floor_calls: floorCounted.byOperation,
  };
}
