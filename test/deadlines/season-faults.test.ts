/**
 * issue 14: the deadline season (submissions, reminders, digests, under-fill reports, a quota change) run once
 * cleanly for the reference and once with a transient fault at every DynamoDB write and SES send of every
 * step, each step retried as its scheduler or operator would until it ends. The faulted season must end with
 * the reference registrations, one reply per email and each scheduled mail sent once. The faults reach the
 * clients the CLI and the reminders function build themselves (aws-sdk-client-mock on the client classes).
 */
import { runScheduled } from '@lingjun/fn-reminders';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';
import { injectFaults, untilClean } from '../support/faults.ts';
import { type Harness, harness } from '../support/intake.ts';
import { BUREAU, HEBEI, LIAONING, SHANXI, seasonMail, seasonProgram } from './season-plan.ts';

type Step = { label: string; run: (h: Harness) => Promise<unknown> };

/** A `lingjun` command against the harness that fails when the command does. */
async function cli(h: Harness, args: string[]): Promise<void> {
  const res = await runCli([...args, '--program', h.programFile, '--state', h.stateDir, '--json']);
  if (res.code !== 0) throw new Error(`lingjun ${args.join(' ')} exited ${res.code}: ${res.stderr}`);
}

/** The season's steps, in order, for a harness whose mail was built by seasonMail. */
function steps(mail: Awaited<ReturnType<typeof seasonMail>>): Step[] {
  const daily = (scheduledTime: string) => (h: Harness) =>
    runScheduled({ kind: 'reminders', scheduledTime }, { config: h.config, program: h.program });
  return [
    {
      label: 'first lists',
      run: (h) => h.ingest([mail.hebei.raw, mail.shanxi.raw], { receivedAt: '2025-06-04T10:00:00+08:00' }),
    },
    { label: 'reminders 6 June', run: (h) => cli(h, ['remind', '--now', '2025-06-06T09:00:00+08:00']) },
    { label: 'reminders 6 June again', run: (h) => cli(h, ['remind', '--now', '2025-06-06T09:03:00+08:00']) },
    { label: 'daily job 9 June', run: daily('2025-06-09T01:00:00Z') },
    {
      label: 'late list',
      run: (h) => h.ingest([mail.late.raw], { receivedAt: '2025-06-10T08:00:00+08:00' }),
    },
    { label: 'daily job 10 June', run: daily('2025-06-10T01:00:00Z') },
    { label: 'reminders 17 June', run: (h) => cli(h, ['remind', '--now', '2025-06-17T09:00:00+08:00']) },
    {
      label: 'second lists',
      run: (h) =>
        h.ingest([mail.shanxi2.raw, mail.liaoning3.raw], { receivedAt: '2025-06-18T10:00:00+08:00' }),
    },
    { label: 'reminders 19 June', run: (h) => cli(h, ['remind', '--now', '2025-06-19T09:00:00+08:00']) },
    { label: 'daily job 21 June', run: daily('2025-06-21T01:00:00Z') },
    { label: 'quota set', run: (h) => cli(h, ['quota', 'set', '江苏', '0']) },
  ];
}

/** What the season leaves behind, comparable across harnesses (receipt numbers differ by Message-ID). */
async function endState(h: Harness, mail: Awaited<ReturnType<typeof seasonMail>>) {
  const registry = h.deps().registry;
  const registrations: string[] = [];
  for (const code of ['130000', '140000', '210000', '320000']) {
    for (const r of await registry.listRegion(code))
      registrations.push(`${r.region} ${r.classNo} ${r.personKey} ${r.status}`);
  }
  const replies: Record<string, number> = {};
  for (const [name, m] of Object.entries(mail)) replies[name] = (await h.repliesTo(m.messageId)).length;
  const sent: Record<string, string[]> = {};
  for (const address of [HEBEI, SHANXI, LIAONING, BUREAU]) {
    const subjects = await Promise.all(
      (await h.sentTo(address)).map(async (raw) => (await simpleParser(raw)).subject ?? ''),
    );
    sent[address] = subjects.map((s) => s.replace(/LJ\d{4}-\d{6}-[0-9A-F]{6}/g, 'LJ…')).sort();
  }
  return {
    registrations: registrations.sort(),
    messages: (await registry.listMessages()).map((m) => m.status).sort(),
    replies,
    sent,
  };
}

describe('the deadline season with a fault at every write and send', () => {
  it('ends with the reference registrations, one reply per email and each scheduled mail sent once', async () => {
    const program = await seasonProgram();

    const ref = await harness(program);
    const refMail = await seasonMail(ref.program);
    for (const step of steps(refMail)) await step.run(ref);
    const reference = await endState(ref, refMail);
    // The season means something: five receipts, reminders to the regions that owed, reports to the bureau.
    expect(Object.values(reference.replies)).toEqual([1, 1, 1, 1, 1]);
    expect(reference.sent[SHANXI]!.filter((s) => s.includes('报名提醒'))).toHaveLength(3);
    expect(reference.sent[BUREAU]!.filter((s) => s.includes('每日汇总')).length).toBeGreaterThan(0);
    expect(reference.sent[BUREAU]!.filter((s) => s.includes('名额未报满'))).toHaveLength(2);

    const h = await harness(program);
    const mail = await seasonMail(h.program);
    const faults = injectFaults();
    const positions: Record<string, number> = {};
    try {
      for (const step of steps(mail)) {
        positions[step.label] = (await untilClean(faults, step.label, () => step.run(h))).positions;
      }
    } finally {
      faults.restore();
    }
    expect(await endState(h, mail)).toEqual(reference);
    // Faults were met everywhere something is written or sent.
    for (const step of steps(mail)) {
      if (step.label !== 'reminders 6 June again' && step.label !== 'reminders 19 June')
        expect(positions[step.label], step.label).toBeGreaterThan(0);
    }
    console.info('deadline season fault positions', positions, 'total', faults.state.failed.size);
  }, 600_000);
});
