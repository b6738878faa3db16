import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient } from '@lingjun/aws';
import { EnvironmentError } from '@lingjun/core';
import { freePort, isPortFree, readLiveStack, startLocalStack, withStack } from '@lingjun/local';
import { loadProgram, type Program } from '@lingjun/program';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const PROGRAM = new URL('../../../examples/program-2025.json', import.meta.url).pathname;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('local stack environment checks', () => {
  let program: Program;
  let blocker: Server;
  let taken: number;

  beforeAll(async () => {
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
    program = await loadProgram(PROGRAM);
    blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const address = blocker.address();
    taken = typeof address === 'object' && address ? address.port : 0;
  });

  afterAll(async () => {
    await new Promise((resolve) => blocker.close(resolve));
  });

  it('refuses a port that is already taken with EnvironmentError naming the port', async () => {
    for (const service of ['dynamodb', 's3', 'ses', 'smtp'] as const) {
      const error = await startLocalStack({ program, ports: { [service]: taken } }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(EnvironmentError);
      expect((error as Error).message).toContain(String(taken));
      expect((error as Error).message).toContain('已被占用');
    }
  });

  it('refuses to start without Java, with a bilingual message, and leaves its ports free', async () => {
    const ports = {
      dynamodb: await freePort(),
      s3: await freePort(),
      ses: await freePort(),
      smtp: await freePort(),
    };
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    let error: unknown;
    try {
      error = await startLocalStack({ program, ports }).catch((e: unknown) => e);
    } finally {
      process.env.PATH = path;
    }
    expect(error).toBeInstanceOf(EnvironmentError);
    expect((error as Error).message).toContain('Java');
    expect((error as Error).message).toContain('需要');
    for (const port of Object.values(ports)) expect(await isPortFree(port)).toBe(true);
  });
});

describe('persistent state folder and withStack', () => {
  let program: Program;
  let stateDir: string;

  beforeAll(async () => {
    program = await loadProgram(PROGRAM);
    stateDir = await mkdtemp(join(tmpdir(), 'lingjun-state-test-'));
  });

  afterAll(async () => {
    await rm(stateDir, { recursive: true, force: true });
  });

  it('an advertised stack is reused by withStack, refuses a second start, and its data outlives it', async () => {
    const running = await startLocalStack({ program, stateDir, advertise: true });
    let javaPid = running.dynamoPid;
    try {
      const file = JSON.parse(await readFile(join(stateDir, 'stack.json'), 'utf8'));
      expect(file.pid).toBe(process.pid);
      expect(file.config.endpoints.dynamodb).toBe(running.config.endpoints?.dynamodb);
      expect((await readLiveStack(stateDir))?.smtpPort).toBe(running.smtpPort);

      await expect(startLocalStack({ program, stateDir })).rejects.toBeInstanceOf(EnvironmentError);

      const seen = await withStack({ program, stateDir }, async (stack) => {
        const ddb = documentClient(stack.config);
        await ddb.send(
          new PutCommand({
            TableName: stack.config.tableName,
            Item: { pk: 'T#1', sk: 'X', note: undefined, n: 1 },
          }),
        );
        ddb.destroy();
        return stack;
      });
      expect(seen.reused).toBe(true);
      expect(seen.config.endpoints?.dynamodb).toBe(running.config.endpoints?.dynamodb);
    } finally {
      await running.stop();
    }
    expect(alive(javaPid)).toBe(false);
    await expect(stat(join(stateDir, 'stack.json'))).rejects.toThrow();
    expect(await readLiveStack(stateDir)).toBeUndefined();

    // Nothing runs now: withStack starts an embedded stack on the same folder, which sees the stored item.
    const item = await withStack({ program, stateDir }, async (stack) => {
      expect(stack.reused).toBe(false);
      const ddb = documentClient(stack.config);
      const got = await ddb.send(
        new GetCommand({ TableName: stack.config.tableName, Key: { pk: 'T#1', sk: 'X' } }),
      );
      ddb.destroy();
      const live = await readLiveStack(stateDir);
      // The embedded stack does not advertise itself: it lives only as long as this callback.
      expect(live).toBeUndefined();
      javaPid = Number.NaN;
      return got.Item;
    });
    expect(item).toEqual({ pk: 'T#1', sk: 'X', n: 1 });
  });
});
