/**
 * The repository is the whole project: nothing refers to a folder beside the checkout, the docs link only
 * inside the repository, and README's command table lists every command `lingjun help` prints.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Files tracked by git whose text contains `needle` (git grep exits 1 when there are none). */
function trackedFilesContaining(needle: string): string[] {
  try {
    return execFileSync('git', ['grep', '-l', '-F', needle], { cwd: ROOT, encoding: 'utf8' })
      .split('\n')
      .filter(Boolean);
  } catch (error) {
    if ((error as { status?: number }).status === 1) return [];
    throw error;
  }
}

const DOCS = [
  'README.md',
  'docs/contract.md',
  'test/fixtures/mail/README.md',
  'test/fixtures/corpus/README.md',
  'packages/testing/README.md',
];

describe('a repository that stands alone', () => {
  it('has no file that reads or links the shared folder beside the checkout', () => {
    // Built from parts so this file does not find itself.
    for (const needle of [['..', 'shared'].join('/'), ['', 'work', 'shared'].join('/')]) {
      expect(trackedFilesContaining(needle), needle).toEqual([]);
    }
  });

  it('links only to files inside the repository from its docs', () => {
    for (const doc of DOCS) {
      const text = readFileSync(join(ROOT, doc), 'utf8');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        expect(target, `${doc} → ${target}`).not.toMatch(/^[a-z]+:/i);
        const path = resolve(dirname(join(ROOT, doc)), target!.replace(/#.*$/, ''));
        expect(relative(ROOT, path).startsWith('..'), `${doc} → ${target}`).toBe(false);
        expect(existsSync(path), `${doc} → ${target}`).toBe(true);
      }
    }
  });

  it('lists every command of lingjun help in README', async () => {
    const help = await runCli(['help']);
    expect(help.code).toBe(0);
    const commands = help.out
      .split('\n')
      .map((line) => /^ {2}(\S+(?: \S+)?)\s{2,}/.exec(line)?.[1])
      .filter((c): c is string => c !== undefined);
    expect(commands).toContain('send');
    expect(commands).toContain('program import');
    const table = readFileSync(join(ROOT, 'README.md'), 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('| `lingjun '));
    for (const c of [...commands, 'help']) {
      expect(
        table.some((row) => row.includes(`\`lingjun ${c}`)),
        `README table lacks lingjun ${c}`,
      ).toBe(true);
    }
  });
});
