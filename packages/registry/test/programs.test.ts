/**
 * issue 16: the program's CURRENT pointer carries the program it names, so a cold function loads it with one
 * GetItem, counted by a middleware on the real client against DynamoDB Local. A table whose pointer was
 * written before (version number only) still loads, through the version item.
 */
import { readFile } from 'node:fs/promises';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient, stackProgram } from '@lingjun/aws';
import { currentProgram, liveProgram, type Program, parseProgram } from '@lingjun/program';
import { describe, expect, it } from 'vitest';
import { countCalls, dynamoDataCalls } from '../../../bench/calls.ts';
import { isolatedTable } from '../../../test/setup/aws.ts';
import { recordCalls } from '../../../test/support/calls.ts';
import { DynamoProgramVersions } from '../src/index.ts';
import { keys } from '../src/keys.ts';

async function example(): Promise<Program> {
  const url = new URL('../../../examples/program-2025.json', import.meta.url);
  return parseProgram(JSON.parse(await readFile(url, 'utf8')));
}

/** Versions on a fresh table, over a client that records the operations it sends. */
async function store() {
  const config = await isolatedTable('programs');
  const db = documentClient(config);
  const calls = recordCalls(db);
  return { config, db, calls, versions: new DynamoProgramVersions(db, config.tableName) };
}

const NOW = new Date('2025-05-01T00:00:00Z');
const noSeed = async (): Promise<Program> => {
  throw new Error('a published program must not be seeded again');
};

describe('program versions', () => {
  it('a cold load of the published program is one GetItem', async () => {
    const { versions, calls } = await store();
    const program = await example();
    await versions.publish({ after: 0, program, publishedBy: 'test', changes: ['初始版本'], now: NOW });
    calls.length = 0;
    const loaded = await currentProgram(versions, noSeed);
    expect(calls).toEqual(['GetItem']);
    expect(loaded).toMatchObject({ version: 1, publishedBy: 'test', changes: ['初始版本'] });
    expect(loaded.program).toEqual(program);
  });

  it('the pointer follows each publication: the next cold load is the new version, still one read', async () => {
    const { versions, calls } = await store();
    const program = await example();
    await versions.publish({ after: 0, program, publishedBy: 'test', changes: [], now: NOW });
    const next = structuredClone(program);
    next.quotas['130000'] = { total: 7 };
    await versions.publish({ after: 1, program: next, publishedBy: '局里', changes: ['河北'], now: NOW });
    calls.length = 0;
    const loaded = await versions.current();
    expect(calls).toEqual(['GetItem']);
    expect(loaded).toMatchObject({ version: 2, publishedBy: '局里', changes: ['河北'] });
    expect(loaded?.program.quotas['130000']).toEqual({ total: 7 });
    // The history is kept as it was: version 1 is still its own item.
    expect((await versions.get(1))?.program).toEqual(program);
  });

  it('a pointer written before it carried the program is followed to its version item', async () => {
    const { config, db, versions, calls } = await store();
    const program = await example();
    // A table as the code before this change left it: the version item, and a pointer with the number only.
    await db.send(
      new PutCommand({
        TableName: config.tableName,
        Item: {
          ...keys.programVersion(1),
          type: 'program',
          program: JSON.stringify(program),
          publishedBy: 'seed',
          publishedAt: NOW.toISOString(),
          changes: ['初始版本'],
        },
      }),
    );
    await db.send(
      new PutCommand({
        TableName: config.tableName,
        Item: { ...keys.programCurrent(), type: 'program-current', version: 1 },
      }),
    );
    expect(await versions.get(1)).toBeDefined();
    calls.length = 0;
    const loaded = await currentProgram(versions, noSeed);
    expect(calls).toEqual(['GetItem', 'GetItem']);
    expect(loaded).toMatchObject({ version: 1, publishedBy: 'seed' });
    expect(loaded.program).toEqual(program);
    // Publishing on such a table moves the pointer with its copy: loads are one read from then on.
    await versions.publish({ after: 1, program, publishedBy: 'test', changes: [], now: NOW });
    calls.length = 0;
    expect((await versions.current())?.version).toBe(2);
    expect(calls).toEqual(['GetItem']);
  });

  it('a warm container checks the version with one small read and keeps what it holds', async () => {
    const { versions, calls } = await store();
    await versions.publish({ after: 0, program: await example(), publishedBy: 't', changes: [], now: NOW });
    const live = liveProgram(() => versions, noSeed);
    calls.length = 0;
    await live();
    expect(calls).toEqual(['GetItem']);
    calls.length = 0;
    expect((await live()).version).toBe(1);
    expect(calls).toEqual(['GetItem']);
  });

  it("a function's stackProgram, cold, makes one DynamoDB call (every client counted, as the bench counts)", async () => {
    const { config, versions } = await store();
    const program = await example();
    await versions.publish({ after: 0, program, publishedBy: 'test', changes: [], now: NOW });
    const counter = countCalls();
    try {
      const load = stackProgram(() => config, noSeed);
      expect(await load()).toEqual(program);
    } finally {
      counter.stop();
    }
    expect(dynamoDataCalls(counter.calls)).toBe(1);
    expect(counter.calls.map((c) => c.operation)).toEqual(['GetItem']);
  });
});
