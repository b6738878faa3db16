import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { type AwsConfig, dynamoDbClient, LOCAL_CREDENTIALS, s3Client } from '@lingjun/aws';
import { EnvironmentError } from '@lingjun/core';
import type { Program } from '@lingjun/program';
import { type Clock, offsetClock, REAL_CLOCK, rehearsalClock } from './clock.ts';
import { ensureTables, type LocalDynamo, startDynamo } from './dynamodb.ts';
import { claimPort, waitPortsFree } from './ports.ts';
import { type LocalS3, startS3 } from './s3.ts';
import { type ScheduledJob, type Scheduler, startScheduler } from './scheduler.ts';
import { type LocalSes, type SesEventHandler, startSes } from './ses.ts';
import { PASSING, type Verdicts } from './ses-event.ts';
import { type InboundHandler, type LocalSmtp, startSmtp } from './smtp.ts';
import { type LocalSweep, startSweeper } from './sweeper.ts';
import { startVerifyServer, type UrlHandler } from './verify-http.ts';

/** Options for startLocalStack. */
export interface LocalStackOptions {
  /** Folder for persistent state (dynamodb/, s3/, outbox/, stack.json); undefined = in memory + temp dir. */
  stateDir?: string;
  program: Program;
  /** Fixed ports; each one left out is chosen free by the OS. */
  ports?: { dynamodb?: number; s3?: number; ses?: number; smtp?: number };
  /** SES receipt verdicts for inbound mail (default all PASS), fixed or decided per message. */
  verdicts?: Partial<Verdicts> | ((mail: { mailFrom: string; raw: Buffer }) => Partial<Verdicts>);
  /** Runs for every message the SMTP listener accepts, with the SES Lambda event. */
  onInbound?: InboundHandler;
  /** Re-drives inbound mail without an outcome: once when the stack is up, then every `everyMs`. */
  sweep?: LocalSweep;
  /**
   * Receives the SES Send event of every mail sent through the stack (the bounces function's entry, as the
   * configuration set's event destination in AWS); events a stopped stack never delivered come first.
   */
  sesEvents?: (config: AwsConfig) => SesEventHandler;
  /** Waits before each retry of a failed inbound handler (default as Lambda's async invocation). */
  retryDelaysMs?: readonly number[];
  /** Jobs fired at local times in the program's time zone while the stack runs. */
  schedules?: ScheduledJob[];
  /** The verify function's handler, served on a loopback port as its Function URL would be. */
  verify?: UrlHandler;
  /** Write <state>/stack.json so other commands reuse this stack (the long-running `lingjun start`). */
  advertise?: boolean;
  tableName?: string;
  /** The verification table's name (default lingjun-verification). */
  verifyTableName?: string;
  bucketName?: string;
  region?: string;
  /** The stack's time: SMTP receipt, scheduler; default real time. */
  clock?: Clock;
  /**
   * Rehearsal: the stack's clock reads this instant once the stack is ready (start-up takes seconds, which
   * must not eat into a rehearsal that starts just before a scheduled time) and runs forward from there.
   */
  clockFrom?: Date;
}

/** A running local stack. */
export interface LocalStack {
  config: AwsConfig;
  smtpPort: number;
  sesViewerUrl: string;
  /** Where every message sent through the local SES is written as <MessageId>.eml. */
  outboxDir: string;
  /** Where the local SES writes each send's Send event (see startSes). */
  sesEventsDir: string;
  /** Where an inbound event whose handler failed every attempt is written as <messageId>.json. */
  deadLetterDir: string;
  /** The state folder in use (a temp dir, removed on stop, when none was given). */
  stateDir: string;
  /** PID of the DynamoDB Local Java process. */
  dynamoPid: number;
  /** Milliseconds from the call to a ready stack. */
  startupMs: number;
  scheduler: Scheduler;
  clock: Clock;
  /** The local verification page (when a verify handler was given). */
  verifyUrl?: string;
  /** Resolves when every inbound handler started so far has settled. */
  idle(): Promise<void>;
  /** Stops every service and resolves only once all their ports are free again. */
  stop(): Promise<void>;
}

/** What `lingjun start` writes to <state>/stack.json while it runs. */
export interface StackFile {
  pid: number;
  dynamoPid: number;
  config: AwsConfig;
  smtpPort: number;
  sesViewerUrl: string;
  outboxDir: string;
  verifyUrl?: string;
  startedAt: string;
  /** The program mailbox the SMTP receiver accepts mail for (`lingjun send` addresses it). */
  mailbox?: string;
  /** Set when the stack runs on a rehearsal clock: ms ahead of real time (see clock.ts). */
  clockOffsetMs?: number;
}

const STACK_FILE = 'stack.json';

/** Starts DynamoDB Local, s3rver, local SES v2 and the SMTP receiver for `program`. */
export async function startLocalStack(opts: LocalStackOptions): Promise<LocalStack> {
  const started = Date.now();
  let clock = opts.clock ?? REAL_CLOCK;
  const stateDir = opts.stateDir ? resolve(opts.stateDir) : undefined;
  if (stateDir) {
    const running = await readLiveStack(stateDir);
    if (running) {
      throw new EnvironmentError(
        `状态目录 ${stateDir} 已有一个本地环境在运行（进程 ${running.pid}）。 / ` +
          `A local stack for ${stateDir} is already running (pid ${running.pid}).`,
      );
    }
  }
  const ports = opts.ports ?? {};
  // Requested ports are checked before anything starts, so a taken one fails fast and leaves nothing running.
  const dynamoPort = await claimPort('DynamoDB', ports.dynamodb);
  const s3Port = await claimPort('S3', ports.s3);
  const sesPort = await claimPort('SES', ports.ses);
  const smtpPort = await claimPort('SMTP', ports.smtp);

  const bucketName = opts.bucketName ?? 'lingjun-mail';
  const dir = stateDir ?? (await mkdtemp(join(tmpdir(), 'lingjun-stack-')));
  // Ports actually bound, known once each service is up; stop waits for exactly these to be free again.
  const bound: number[] = [];
  const stoppers: (() => Promise<void>)[] = [];
  const teardown = async () => {
    // Reverse start order, one at a time: the SMTP receiver drains its handlers while DynamoDB and S3 still
    // answer. One failing stop must not keep the others (or the Java process) alive.
    let failure: unknown;
    for (const stop of stoppers.reverse()) {
      try {
        await stop();
      } catch (error) {
        failure ??= error;
      }
    }
    if (!stateDir) await rm(dir, { recursive: true, force: true });
    await waitPortsFree(bound);
    if (failure) throw failure;
  };

  try {
    const [dynamo, s3rver, ses] = await startAll(stoppers, [
      () => startDynamo({ port: dynamoPort, ...(stateDir ? { dataDir: join(dir, 'dynamodb') } : {}) }),
      () => startS3({ port: s3Port, dir: join(dir, 's3'), bucket: bucketName }),
      () =>
        startSes({
          port: sesPort,
          outboxDir: join(dir, 'outbox'),
          eventsDir: join(dir, 'ses-events'),
          ...(opts.region ? { region: opts.region } : {}),
        }),
    ] as const);
    bound.push(dynamo.port, s3rver.port, ses.port);
    const config: AwsConfig = {
      region: opts.region ?? 'cn-north-1',
      tableName: opts.tableName ?? 'lingjun',
      verifyTableName: opts.verifyTableName ?? 'lingjun-verification',
      bucketName,
      endpoints: { dynamodb: dynamo.endpoint, s3: s3rver.endpoint, ses: ses.endpoint },
      credentials: { ...LOCAL_CREDENTIALS },
    };
    await ensureTables(config);
    // Before anything can send or re-drive: a send the previous run made is on record when it is asked about.
    if (opts.sesEvents) await ses.deliverEvents(opts.sesEvents(config));
    const s3 = s3Client(config);
    if (opts.clockFrom) clock = rehearsalClock(opts.clockFrom);
    stoppers.push(async () => s3.destroy());
    const verdicts = opts.verdicts;
    const smtp: LocalSmtp = await startSmtp({
      port: smtpPort,
      mailbox: opts.program.mailbox,
      s3,
      bucket: config.bucketName,
      verdicts: (mail) => ({ ...PASSING, ...(typeof verdicts === 'function' ? verdicts(mail) : verdicts) }),
      ...(opts.onInbound ? { onInbound: opts.onInbound } : {}),
      clock,
      ...(opts.retryDelaysMs ? { retryDelaysMs: opts.retryDelaysMs } : {}),
      deadLetterDir: join(dir, 'dead-letter'),
    });
    stoppers.push(() => smtp.stop());
    bound.push(smtp.port);
    if (opts.sweep) {
      const sweeper = startSweeper(opts.sweep, config);
      stoppers.push(() => sweeper.stop());
    }
    const scheduler = startScheduler(opts.schedules ?? [], opts.program.timezone, () => clock.now());
    stoppers.push(async () => scheduler.stop());
    const verify = opts.verify ? await startVerifyServer(opts.verify) : undefined;
    if (verify) {
      stoppers.push(() => verify.stop());
      bound.push(verify.port);
    }

    if (opts.advertise && stateDir) {
      const file: StackFile = {
        pid: process.pid,
        dynamoPid: dynamo.pid,
        config,
        smtpPort: smtp.port,
        sesViewerUrl: ses.viewerUrl,
        outboxDir: ses.outboxDir,
        ...(verify ? { verifyUrl: verify.url } : {}),
        startedAt: new Date().toISOString(),
        mailbox: opts.program.mailbox,
        ...(clock.offsetMs !== 0 ? { clockOffsetMs: clock.offsetMs } : {}),
      };
      await writeFile(join(stateDir, STACK_FILE), `${JSON.stringify(file, null, 2)}\n`);
      stoppers.push(() => rm(join(stateDir, STACK_FILE), { force: true }));
    }

    let stopping: Promise<void> | undefined;
    return {
      config,
      smtpPort: smtp.port,
      sesViewerUrl: ses.viewerUrl,
      outboxDir: ses.outboxDir,
      sesEventsDir: ses.eventsDir,
      deadLetterDir: join(dir, 'dead-letter'),
      stateDir: dir,
      dynamoPid: dynamo.pid,
      startupMs: Date.now() - started,
      scheduler,
      clock,
      ...(verify ? { verifyUrl: verify.url } : {}),
      idle: () => smtp.idle(),
      stop() {
        stopping ??= teardown();
        return stopping;
      },
    };
  } catch (error) {
    await teardown().catch(() => undefined);
    throw error;
  }
}

type Started = LocalDynamo | LocalS3 | LocalSes;

/** Starts services concurrently (Java dominates start-up) and registers each one's stop as it comes up. */
async function startAll(
  stoppers: (() => Promise<void>)[],
  starters: readonly [() => Promise<LocalDynamo>, () => Promise<LocalS3>, () => Promise<LocalSes>],
): Promise<[LocalDynamo, LocalS3, LocalSes]> {
  const results = await Promise.allSettled(
    starters.map(async (start) => {
      const service: Started = await start();
      stoppers.push(() => service.stop());
      return service;
    }),
  );
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
  const ok = results.map((r) => (r as PromiseFulfilledResult<Started>).value);
  return ok as [LocalDynamo, LocalS3, LocalSes];
}

/** Reads <state>/stack.json if the stack it describes is alive (process exists and DynamoDB answers). */
export async function readLiveStack(stateDir: string): Promise<StackFile | undefined> {
  let file: StackFile;
  try {
    file = JSON.parse(await readFile(join(stateDir, STACK_FILE), 'utf8')) as StackFile;
  } catch {
    return undefined;
  }
  try {
    process.kill(file.pid, 0);
  } catch {
    return undefined;
  }
  const client = dynamoDbClient(file.config, { maxAttempts: 1 });
  try {
    await client.send(new ListTablesCommand({ Limit: 1 }), { abortSignal: AbortSignal.timeout(2000) });
    return file;
  } catch {
    return undefined;
  } finally {
    client.destroy();
  }
}

/** What withStack hands its callback. */
export interface StackHandle {
  config: AwsConfig;
  outboxDir: string;
  /** True when an already running `lingjun start` is being used. */
  reused: boolean;
  /** The stack's clock: a running `lingjun start --clock` lends its rehearsal time to every command. */
  clock: Clock;
  /** The running stack's verification page, if it serves one. */
  verifyUrl?: string;
}

/**
 * Runs `fn` against the stack for this state folder: the running one if `lingjun start` advertises a live
 * stack there, otherwise an embedded stack started for the duration of `fn` and stopped afterwards.
 */
export async function withStack<T>(
  opts: Omit<LocalStackOptions, 'advertise'>,
  fn: (stack: StackHandle) => Promise<T>,
): Promise<T> {
  if (opts.stateDir) {
    const running = await readLiveStack(resolve(opts.stateDir));
    if (running) {
      const clock = offsetClock(running.clockOffsetMs ?? 0);
      return fn({
        config: running.config,
        outboxDir: running.outboxDir,
        reused: true,
        clock,
        ...(running.verifyUrl ? { verifyUrl: running.verifyUrl } : {}),
      });
    }
  }
  const stack = await startLocalStack(opts);
  try {
    return await fn({
      config: stack.config,
      outboxDir: stack.outboxDir,
      reused: false,
      clock: stack.clock,
      ...(stack.verifyUrl ? { verifyUrl: stack.verifyUrl } : {}),
    });
  } finally {
    await stack.stop();
  }
}
