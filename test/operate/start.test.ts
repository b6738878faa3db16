/**
 * `lingjun start` as a newcomer runs it: it prints a verification page that answers, and an outputs file that
 * other commands name with --deployment, exactly as they would name a deployed stack's.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Resolves with everything printed once `marker` appears; rejects if the process exits first. */
function printed(child: ChildProcess, marker: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes(marker)) resolve(out);
    });
    child.once('exit', (code) => reject(new Error(`lingjun start exited ${code}: ${out}`)));
  });
}

describe.skipIf(process.env.LINGJUN_NO_STACK === '1')('lingjun start', () => {
  let state: string;
  let child: ChildProcess;
  let banner: string;

  beforeAll(async () => {
    state = await mkdtemp(join(tmpdir(), 'lingjun-start-'));
    child = spawn(process.execPath, [join(root, 'bin/lingjun.mjs'), 'start', '--state', state], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    banner = await printed(child, '按 Ctrl-C 停止');
  }, 120_000);

  afterAll(async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGINT');
      await exited;
    }
    await rm(state, { recursive: true, force: true });
  }, 60_000);

  it('prints a verification page whose form answers', async () => {
    const url = banner.match(/核验页面\s+(\S+)/)?.[1];
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/verify$/);
    const page = await fetch(url!);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<form');
    const unknown = await fetch(`${url}?n=2025-01-999&c=AAAA-AAAA-AAAA&format=json`);
    expect(await unknown.json()).toMatchObject({ valid: false, status: 'not_found' });
  });

  it('writes an outputs file that --deployment reaches the running stack with', async () => {
    const outputs = join(state, 'outputs.json');
    expect(banner).toContain(`--deployment ${outputs}`);
    // Both tables the outputs name are shown where an operator looks first.
    expect(banner).toMatch(/表 lingjun，核验表 lingjun-verification/);
    const file = JSON.parse(await readFile(outputs, 'utf8')) as Record<string, Record<string, string>>;
    const values = Object.values(file)[0]!;
    expect(values).toMatchObject({
      TableName: 'lingjun',
      VerifyTableName: 'lingjun-verification',
      BucketName: 'lingjun-mail',
    });
    const { code, out } = await runCli(['program', 'show', '--deployment', outputs, '--json']);
    expect(code).toBe(0);
    const shown = JSON.parse(out.split('\n').find((l) => l.startsWith('{"version"'))!);
    // The running stack seeded itself from the example program on start.
    expect(shown).toMatchObject({ version: 1, publishedBy: 'seed', program: { year: 2025 } });
  });
});
