import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { isPortFree } from '../src/ports.ts';

// The race this covers (a port probed free, then taken by an outbound connection before Java binds it) is
// rare by nature; making freePort hand out a port we hold first makes it happen every time.
const hand = vi.hoisted(() => ({ taken: [] as number[] }));
vi.mock('../src/ports.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('../src/ports.ts')>();
  return { ...real, freePort: async () => hand.taken.shift() ?? real.freePort() };
});

const { startDynamo } = await import('../src/dynamodb.ts');

describe('DynamoDB Local on a port of its own choosing', () => {
  let blocker: Server;
  let taken: number;
  // The blocker accepts and never answers, like a stranger holding the port; the probes it swallowed are
  // dropped at the end so it can close.
  const accepted = new Set<Socket>();

  beforeAll(async () => {
    blocker = createServer((socket) => accepted.add(socket));
    await new Promise<void>((resolve) => blocker.listen(0, '0.0.0.0', resolve));
    const address = blocker.address();
    taken = typeof address === 'object' && address ? address.port : 0;
  });

  afterAll(async () => {
    for (const socket of accepted) socket.destroy();
    await new Promise((resolve) => blocker.close(resolve));
  });

  it('chooses another port when the one it was handed is taken before Java binds it', async () => {
    hand.taken.push(taken);
    const dynamo = await startDynamo({ port: 0 });
    try {
      expect(hand.taken).toEqual([]);
      expect(dynamo.port).not.toBe(taken);
      expect(dynamo.endpoint).toBe(`http://127.0.0.1:${dynamo.port}`);
      const answer = await fetch(dynamo.endpoint, { method: 'POST' });
      expect(answer.status).toBeGreaterThanOrEqual(400); // DynamoDB itself answers (unsigned request refused)
      expect(answer.headers.get('x-amzn-requestid') ?? answer.headers.get('x-amz-crc32')).not.toBeNull();
    } finally {
      await dynamo.stop();
    }
    expect(await isPortFree(dynamo.port)).toBe(true);
  });

  it('reports a fixed port that is taken, without trying another', async () => {
    const error = await startDynamo({ port: taken }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain('DynamoDB Local');
    expect((error as Error).message).toContain(`${taken}`);
  });
});
