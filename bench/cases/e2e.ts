/**
 * e2e_ratio_to_io_floor: `lingjun ingest` of the typical submission against the local stack, against the same
 * S3, DynamoDB and SES calls made directly with the SDK. The calls are recorded from a real ingest (every
 * SDK client's send is wrapped while it runs), then replayed with the same commands and inputs on fresh
 * clients, so the floor is exactly the I/O that ingest does and nothing else. Both run on a fresh table each
 * time, so conditional writes succeed or fail the same way in both.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type AwsConfig, documentClient, dynamoDbClient, s3Client, sesClient } from '@lingjun/aws';
import { createTableInput } from '@lingjun/registry';
import type { Fixtures } from '../fixtures.ts';
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

async function drain(out: unknown): Promise<void> {
  const body = (out as { Body?: { transformToByteArray?: () => Promise<Uint8Array> } } | undefined)?.Body;
  if (body?.transformToByteArray) await body.transformToByteArray();
}

/** Runs the e2e stage on the typical submission against the stack described by `config`. */
export async function runE2e(
  fx: Fixtures,
  config: AwsConfig,
): Promise<{ rows: Row[]; calls: Record<string, number> }> {
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
  const freshTable = async () => {
    table = `bench-${randomUUID()}`;
    await admin.send(new CreateTableCommand(createTableInput(table)));
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

  // Record the calls of one real ingest.
  const rec = recordCalls();
  await freshTable();
  const recordedTable = table;
  rec.active.on = true;
  try {
    await ingest();
  } finally {
    rec.active.on = false;
    rec.stop();
  }
  await dropTable();
  const calls = rec.calls.map((c) => ({ ...c, input: retable(c.input, recordedTable, '\u0000TABLE') }));
  const counts: Record<string, number> = {};
  for (const c of calls) {
    const key = `${c.kind}:${(c.command as { name: string }).name}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  if (calls.length === 0) throw new Error('ingest made no SDK call that the recorder saw');

  const replay = async () => {
    const cfg = { ...config, tableName: table };
    const clients = {
      doc: documentClient(cfg),
      ddb: dynamoDbClient(cfg),
      s3: s3Client(cfg),
      ses: sesClient(cfg),
    };
    let failed = 0;
    try {
      for (const c of calls) {
        const Cmd = c.command;
        const client = clients[c.kind] as unknown as { send: (cmd: unknown) => Promise<unknown> };
        try {
          await drain(await client.send(new Cmd(retable(c.input, '\u0000TABLE', table))));
        } catch {
          // A conditional write that fails costs the same round trip; ingest saw the same failure.
          failed++;
        }
      }
    } finally {
      for (const cl of Object.values(clients)) cl.destroy();
    }
    return failed;
  };

  const rows = await measure(
    'e2e',
    'typical',
    [
      { name: 'ingest', run: ingest, before: freshTable, after: dropTable },
      { name: 'io-floor', floor: true, run: replay, before: freshTable, after: dropTable },
    ],
    { warmup: 2, minRuns: 7, maxRuns: 25, maxMs: 40_000 },
  );
  admin.destroy();
  return { rows, calls: counts };
}
