/**
 * The command line explains itself (issue 15): Chinese --help on every command, and every mistake answered in
 * one Chinese line on stderr, without a stack trace or NaN. None of these cases needs the local stack.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../src/main.ts';

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  const writeErr = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((c: string | Uint8Array) => out.push(String(c)) > 0) as typeof process.stdout.write;
  process.stderr.write = ((c: string | Uint8Array) => err.push(String(c)) > 0) as typeof process.stderr.write;
  try {
    const code = await main(args);
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    process.stdout.write = write;
    process.stderr.write = writeErr;
  }
}

/** One line of Chinese, no stack frame, no NaN. */
function expectOneChineseLine(stderr: string) {
  const lines = stderr.trimEnd().split('\n');
  expect(lines, stderr).toHaveLength(1);
  expect(stderr).toMatch(/\p{Script=Han}/u);
  expect(stderr).not.toMatch(/\n\s+at /);
  expect(stderr).not.toContain('NaN');
  expect(stderr).not.toMatch(/Error:/);
}

const COMMANDS = [
  ['start'],
  ['ingest'],
  ['approve'],
  ['reject'],
  ['templates'],
  ['program', 'import'],
  ['attendance', 'import'],
  ['attendance'],
  ['certificates'],
  ['verify'],
  ['revoke'],
  ['evaluation', 'import'],
  ['evaluation'],
  ['remind'],
  ['report', 'status'],
  ['roster'],
  ['quota', 'set'],
];

describe('lingjun --help', () => {
  it.each(COMMANDS)('%s %s --help prints its usage in Chinese and exits 0', async (...words) => {
    for (const flag of ['--help', '-h']) {
      const r = await run([...words, flag]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('用法: lingjun');
      expect(r.stdout).toContain('--verbose');
      expect(r.stdout).toMatch(/\p{Script=Han}/u);
      expect(r.stderr).toBe('');
    }
  });
});

describe('mistakes answered in one Chinese line', () => {
  const missing = join(tmpdir(), 'lingjun-no-such-file.eml');

  it('a missing file for ingest, attendance import and evaluation import', async () => {
    for (const args of [
      ['ingest', missing],
      ['attendance', 'import', join(tmpdir(), 'no-such-签到表.xlsx')],
      ['evaluation', 'import', join(tmpdir(), 'no-such-评价表.xlsx')],
    ]) {
      const r = await run(args);
      expect(r.code).not.toBe(0);
      expectOneChineseLine(r.stderr);
      expect(r.stderr).toContain('找不到文件');
      expect(r.stderr).toContain(args.at(-1)!);
      expect(r.stdout).toBe('');
    }
  });

  it('certificates --class 99 names the classes the year has', async () => {
    const r = await run(['certificates', '--class', '99', '--out', tmpdir()]);
    expect(r.code).toBe(2);
    expectOneChineseLine(r.stderr);
    expect(r.stderr).toContain('没有第99期');
    expect(r.stderr).toContain('1、2');
  });

  it('quota set 浙江 abc says what a quota must be', async () => {
    const r = await run(['quota', 'set', '浙江', 'abc']);
    expect(r.code).toBe(2);
    expectOneChineseLine(r.stderr);
    expect(r.stderr).toContain('名额应为非负整数，现为“abc”');
  });

  it('a file that is no email, given to ingest, is explained rather than processed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lingjun-cli-'));
    const xlsx = join(dir, '附件4.xlsx');
    await writeFile(xlsx, new Uint8Array([0x50, 0x4b, 3, 4, 20, 0, 0, 0]));
    const r = await run(['ingest', xlsx]);
    expect(r.code).toBe(2);
    expectOneChineseLine(r.stderr);
    expect(r.stderr).toContain('不是邮件文件');
    expect(r.stderr).toContain('.eml');
    const note = join(dir, 'note.txt');
    await writeFile(note, '请查收附件\n');
    const t = await run(['ingest', note]);
    expect(t.stderr).toContain('没有邮件头');
  });

  it('an unknown option or a missing value is said in Chinese', async () => {
    const r = await run(['ingest', '--frobnicate', missing]);
    expect(r.code).toBe(2);
    expectOneChineseLine(r.stderr);
    expect(r.stderr).toContain('不认识的选项 --frobnicate');
    const v = await run(['certificates', '--class']);
    expectOneChineseLine(v.stderr);
    expect(v.stderr).toContain('选项 --class 后面需要给出一个值');
    const s = await run(['attendance', 'export']);
    expectOneChineseLine(s.stderr);
    expect(s.stderr).toContain('不认识的子命令 export');
  });
});

describe('log lines stay out of the results', () => {
  it('--verbose and --log are taken out of the arguments; without --verbose lines go to the log file', async () => {
    const { cliLogSink, takeLogOptions } = await import('../src/common.ts');
    const { readFile } = await import('node:fs/promises');
    const dir = await mkdtemp(join(tmpdir(), 'lingjun-log-'));
    const opts = takeLogOptions(['ingest', '--state', dir, '--json', 'a.eml']);
    expect(opts).toEqual({
      argv: ['ingest', '--state', dir, '--json', 'a.eml'],
      verbose: false,
      logFile: join(dir, 'lingjun.log'),
    });
    const custom = takeLogOptions(['ingest', '--verbose', '--log', join(dir, 'x.log'), 'a.eml']);
    expect(custom.argv).toEqual(['ingest', 'a.eml']);
    expect(custom.verbose).toBe(true);

    const err: string[] = [];
    const writeErr = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((c: string | Uint8Array) =>
      err.push(String(c)) > 0) as typeof process.stderr.write;
    try {
      cliLogSink({ verbose: false, logFile: join(dir, 'sub', 'lingjun.log') }).write('{"level":"info"}');
      expect(err).toEqual([]);
      cliLogSink({ verbose: true, logFile: join(dir, 'unused.log') }).write('{"level":"warn"}');
      expect(err).toEqual(['{"level":"warn"}\n']);
    } finally {
      process.stderr.write = writeErr;
      cliLogSink({ verbose: false, logFile: join(dir, 'reset.log') });
    }
    expect(await readFile(join(dir, 'sub', 'lingjun.log'), 'utf8')).toBe('{"level":"info"}\n');
  });

  it('main ignores --verbose and --log, so any command accepts them', async () => {
    const r = await run(['quota', 'set', '浙江', 'abc', '--verbose', '--log', join(tmpdir(), 'l.log')]);
    expect(r.stderr).toContain('名额应为非负整数');
  });
});

describe('a reader that stops early', () => {
  it('lingjun help | head ends quietly, without a stack trace', async () => {
    const { execFileSync } = await import('node:child_process');
    const { fileURLToPath } = await import('node:url');
    const root = fileURLToPath(new URL('../../..', import.meta.url));
    const out = execFileSync(
      'bash',
      // set -o pipefail: the command's own exit status decides, not head's.
      ['-o', 'pipefail', '-c', 'node bin/lingjun.mjs help 2>&1 | head -c 20'],
      {
        cwd: root,
        encoding: 'utf8',
      },
    );
    expect(out.length).toBeGreaterThan(0);
    expect(out).not.toContain('EPIPE');
  });
});
