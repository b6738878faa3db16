import { execFile } from 'node:child_process';
import { copyFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const root = resolve(import.meta.dirname, '../../../..');

/** A fresh folder holding a copy of the example program, for a test to import into. */
export async function scratchProgram(prefix: string): Promise<{ dir: string; programFile: string }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const programFile = join(dir, 'program.json');
  await copyFile(join(root, 'examples/program-2025.json'), programFile);
  return { dir, programFile };
}

/** Runs `lingjun ARGS…` in a node of its own from the repository root; rejects with code and stderr on failure. */
export function lingjun(args: string[]): Promise<{ stdout: string; stderr: string }> {
  return promisify(execFile)(process.execPath, [join(root, 'bin/lingjun.mjs'), ...args], { cwd: root });
}
