import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadProgram, ProgramError, parseClassNo, parseProgram } from '../src/index.ts';

const root = resolve(import.meta.dirname, '../../..');
const example = join(root, 'examples/program-2025.json');

let dir: string;
let programFile: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lingjun-program-'));
  programFile = join(dir, 'program.json');
  await copyFile(example, programFile);
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('class numbers', () => {
  it('reads class numbers in the ways people write them', () => {
    expect(['第1期', '第01期', '1期', '第一期', '第十期', '十二', '1'].map(parseClassNo)).toEqual([
      1, 1, 1, 1, 10, 12, 1,
    ]);
    expect(parseClassNo(3)).toBe(3);
    expect(parseClassNo('合计')).toBeUndefined();
    expect(parseClassNo('备注')).toBeUndefined();
  });
});

describe('broken program files', () => {
  it('parseProgram names classes[1].deadline for a bad date', async () => {
    const data = JSON.parse(await readFile(example, 'utf8'));
    data.classes[1].deadline = '2025-13-45';
    const err = (() => {
      try {
        parseProgram(data, 'p.json');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ProgramError);
    expect((err as ProgramError).issues.map((i) => i.path)).toContain('classes[1].deadline');
    expect((err as Error).message).toContain('p.json');
    expect((err as Error).message).toContain('classes[1].deadline');
  });

  it('says in Chinese what is wrong with a field of the wrong type or an empty one', async () => {
    const data = JSON.parse(await readFile(example, 'utf8'));
    data.year = '2025年';
    data.title = '';
    const err = (() => {
      try {
        parseProgram(data, 'p.json');
      } catch (e) {
        return e;
      }
    })() as ProgramError;
    const byPath = new Map(err.issues.map((i) => [i.path, i.message]));
    expect(byPath.get('year')).toMatch(/期望.*数字/);
    expect(byPath.get('title')).toMatch(/过小/);
  });

  it('loadProgram reports unreadable JSON with the file name', async () => {
    await writeFile(programFile, '{ "year": 2025, ');
    await expect(loadProgram(programFile)).rejects.toThrow(/program\.json.*不是有效的 JSON/s);
  });
});
