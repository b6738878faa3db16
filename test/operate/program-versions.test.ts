/**
 * Operating a deployed season: the program is data in the stack. A quota change published through the CLI
 * judges the next email without touching any program file or bundle; `--deployment` names a stack by its
 * outputs file, which is how the CLI reaches AWS and here reaches the local stack.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { programVersions } from '@lingjun/aws';
import { simpleParser } from 'mailparser';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';
import { type Harness, harness } from '../support/intake.ts';
import { people, submission } from '../support/submission.ts';

/** Runs a `lingjun` command in-process (multi-word commands too) with the harness's program and state. */
function cli(h: Harness, args: string[], opts: { state?: boolean } = {}) {
  const state = opts.state === false ? [] : ['--state', h.stateDir];
  return runCli([...args, '--program', h.programFile, ...state, '--json']);
}

const HEBEI = 'hbzxqy@163.com';

describe.skipIf(process.env.LINGJUN_NO_STACK === '1')('the program as data in the stack', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness();
  });

  it('a quota cut published through the CLI judges the next email, with no program file touched', async () => {
    const fileBefore = await readFile(h.programFile, 'utf8');
    const first = await submission({
      program: h.program,
      from: HEBEI,
      region: '河北省',
      classNo: 1,
      people: people(2, 901),
    });
    const [accepted] = await h.ingest([first.raw], { receivedAt: '2025-06-05T10:00:00+08:00' });
    expect(accepted).toMatchObject({ status: 'accepted' });

    const cut = await cli(h, ['quota', 'set', '河北', '3']);
    expect(cut.code, cut.stderr).toBe(0);
    expect(cut.json[0]).toMatchObject({ region: { code: '130000' }, before: 25, total: 3, accepted: 2 });

    // The region is told, once, at its contact address.
    const notices = await h.sentTo(HEBEI);
    const parsed = await Promise.all(notices.map((raw) => simpleParser(raw)));
    const told = parsed.filter((m) => m.subject?.includes('名额调整'));
    expect(told).toHaveLength(1);
    expect(told[0]!.text).toContain('总名额：25 → 3');
    expect(told[0]!.text).toContain('目前已录取 2 名');

    // Two more students for class 2: only one place is left, so the second is over quota.
    const second = await submission({
      program: h.program,
      from: HEBEI,
      region: '河北省',
      classNo: 2,
      people: people(2, 902, '130000', 2),
    });
    const [judged] = await h.ingest([second.raw], { receivedAt: '2025-06-05T11:00:00+08:00' });
    const codes = (judged!.findings as { code: string }[]).map((f) => f.code);
    expect(codes).toContain('QUOTA_EXCEEDED');
    expect(judged!.classes).toEqual([{ no: 2, accepted: 1, rejected: 1, withdrawn: 0 }]);
    expect(await readFile(h.programFile, 'utf8')).toBe(fileBefore);
  });

  it('refuses a version that removes a class with students or cuts below enrolment, and publishes nothing', async () => {
    const versions = programVersions(h.config);
    const before = await versions.currentVersion();
    const next = structuredClone(h.program);
    next.classes = next.classes.filter((c) => c.no !== 1);
    for (const q of Object.values(next.quotas)) delete q.perClass?.['1'];
    const file = join(h.stateDir, 'next.json');
    await (await import('node:fs/promises')).writeFile(file, JSON.stringify(next));
    const refused = await cli(h, ['program', 'publish', file]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('第1期已录取2名，不能删除该期');
    expect(await versions.currentVersion()).toBe(before);
  });

  it('--deployment runs a command against the stack its outputs file names', async () => {
    const { writeLocalOutputs } = await import('@lingjun/cli/session');
    const outputs = join(h.stateDir, 'deploy.json');
    await writeLocalOutputs(outputs, h.config);
    const shown = await cli(h, ['program', 'show', '--deployment', outputs], { state: false });
    expect(shown.code, shown.stderr).toBe(0);
    const current = shown.json[0] as {
      version: number;
      program: { quotas: Record<string, { total: number }> };
    };
    expect(current.program.quotas['130000']!.total).toBe(3);

    const raised = await cli(h, ['quota', 'set', '河北', '5', '--deployment', outputs, '--by', '局里'], {
      state: false,
    });
    expect(raised.code, raised.stderr).toBe(0);
    expect(raised.json[0]).toMatchObject({ version: current.version + 1 });
    const published = await programVersions(h.config).get(current.version + 1);
    expect(published).toMatchObject({ publishedBy: '局里', changes: ['河北省名额：3 → 5'] });
  });

  it("a function container's program follows the published version on its next invocation", async () => {
    const { stackProgram } = await import('@lingjun/aws');
    const program = stackProgram(
      () => h.config,
      async () => h.program,
    );
    const before = await program();
    const versions = programVersions(h.config);
    const current = (await versions.currentVersion())!;
    const next = structuredClone(before);
    next.quotas['140000'] = { total: 40 };
    await versions.publish({
      after: current,
      program: next,
      publishedBy: 'test',
      changes: [],
      now: new Date(),
    });
    expect((await program()).quotas['140000']).toEqual({ total: 40 });
    // A publisher that read an older version loses instead of overwriting.
    await expect(
      versions.publish({ after: current, program: next, publishedBy: 'late', changes: [], now: new Date() }),
    ).rejects.toThrow(/已被他人更新/);
  });

  it('a missing outputs file is one Chinese line, not a stack trace', async () => {
    const res = await cli(h, ['program', 'show', '--deployment', join(h.stateDir, 'nope.json')], {
      state: false,
    });
    expect(res.code).toBe(1);
    expect(res.stderr.trim()).toMatch(/^找不到部署输出文件：/);
    expect(res.stderr).not.toContain('    at ');
  });
});
