/**
 * Stored programs are read back without the validator while the schema is the one they were validated
 * with (issue 16's cold start: zod and the schema stay out of every function's initial chunk).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import {
  loadProgram,
  PROGRAM_SCHEMA_VERSION,
  ProgramError,
  parseProgram,
  storedProgram,
} from '../src/index.ts';

const EXAMPLE = new URL('../../../examples/program-2025.json', import.meta.url).pathname;

/** The schema each PROGRAM_SCHEMA_VERSION was set for: a changed schema.ts needs a new version here and there. */
const SCHEMA_SHA256: Record<number, string> = {
  1: '36b7733dc2f088265619f0b34936a2cd7135c4270044b50b404a4f7f3c1a4408',
};

describe('storedProgram', () => {
  it('has a schema version raised with every change of schema.ts', async () => {
    const source = (await readFile(new URL('../src/schema.ts', import.meta.url), 'utf8')).replace(
      /\r\n/g,
      '\n',
    );
    const sha = createHash('sha256').update(source).digest('hex');
    expect(
      sha,
      `schema.ts 已改动：请把 stored.ts 的 PROGRAM_SCHEMA_VERSION 加一，并在此记下 ${PROGRAM_SCHEMA_VERSION + 1}: '${sha}'`,
    ).toBe(SCHEMA_SHA256[PROGRAM_SCHEMA_VERSION]);
  });

  it('reads back what the schema produced as the schema would: its output is a fixed point', async () => {
    const program = await loadProgram(EXAMPLE);
    const stored = JSON.stringify(program);
    const trusted = await storedProgram(stored, PROGRAM_SCHEMA_VERSION, 'v1');
    expect(trusted).toEqual(parseProgram(JSON.parse(stored), 'v1'));
    expect(trusted).toEqual(program);
  });

  it('validates again what an older schema stored: its defaults filled in, its errors named', async () => {
    const data = JSON.parse(await readFile(EXAMPLE, 'utf8')) as Record<string, unknown>;
    delete data.lateSubmissions;
    const older = await storedProgram(JSON.stringify(data), undefined, '程序版本 3');
    expect(older.lateSubmissions).toBe('reject');
    const broken = JSON.stringify({ ...data, year: 'next' });
    await expect(storedProgram(broken, PROGRAM_SCHEMA_VERSION - 1, '程序版本 4')).rejects.toBeInstanceOf(
      ProgramError,
    );
    await expect(storedProgram(broken, undefined, '程序版本 4')).rejects.toThrow(/程序版本 4/);
  });
});
