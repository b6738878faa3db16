/**
 * `lingjun start --clock`: the local stack run as if it were a chosen instant. The Hebei sample sent over
 * SMTP with `lingjun send` on the rehearsal morning of 2025-06-05 is in time and answered 全部受理; a stack
 * whose clock stands just before 09:00 on 2025-06-06 sends that morning's reminders; commands run against
 * the stack take its time.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { services } from '@lingjun/aws';
import { localDailyJob } from '@lingjun/fn-reminders';
import type { Outcome } from '@lingjun/intake';
import {
  clockText,
  inboundHandlerFor,
  type LocalStack,
  parseClockStart,
  rehearsalClock,
  startLocalStack,
} from '@lingjun/local';
import { simpleParser } from 'mailparser';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';
import { testProgram } from '../support/intake.ts';

const HEBEI = new URL('../fixtures/mail/foxmail-hebei-class1.eml', import.meta.url).pathname;

let stack: LocalStack | undefined;
let stateDir: string | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
  if (stateDir) await rm(stateDir, { recursive: true, force: true });
  stateDir = undefined;
});

/** Runs `lingjun …` in-process; returns the exit code and what it printed. */
async function lingjun(args: string[]): Promise<{ code: number; stdout: string }> {
  const { code, out } = await runCli(args);
  return { code, stdout: out };
}

async function outbox(dir: string) {
  const mails = [];
  for (const name of (await readdir(dir)).filter((n) => n.endsWith('.eml'))) {
    mails.push(await simpleParser(await readFile(join(dir, name))));
  }
  return mails;
}

describe('rehearsal clock', () => {
  it('parses only instants with an offset, and the banner shows the rehearsal time in the program zone', () => {
    expect(() => parseClockStart('2025-06-05T10:00:00')).toThrow(/时区/);
    expect(() => parseClockStart('昨天')).toThrow(RangeError);
    const start = parseClockStart('2025-06-05T10:00:00+08:00');
    expect(start.toISOString()).toBe('2025-06-05T02:00:00.000Z');
    const clock = rehearsalClock(start, Date.now());
    expect(clockText(clock, 'Asia/Shanghai')).toMatch(/^2025-06-05T10:00:0\d（Asia\/Shanghai，演练时钟/);
  });

  it('answers the Hebei sample sent with lingjun send on 2025-06-05 10:00 with 全部受理', async () => {
    const program = await testProgram();
    stateDir = await mkdtemp(join(tmpdir(), 'lingjun-rehearsal-'));
    let handler: ReturnType<typeof inboundHandlerFor> | undefined;
    // What `lingjun start --clock 2025-06-05T10:00:00+08:00` starts.
    stack = await startLocalStack({
      program,
      stateDir,
      advertise: true,
      clockFrom: parseClockStart('2025-06-05T10:00:00+08:00'),
      onInbound: (e) => (handler ? handler(e) : Promise.resolve()),
    });
    handler = inboundHandlerFor(stack.config, program, stack.clock);
    expect(JSON.parse(await readFile(join(stateDir, 'stack.json'), 'utf8')).clockOffsetMs).toBe(
      stack.clock.offsetMs,
    );

    const sent = await lingjun(['send', '--state', stateDir, '--json', HEBEI]);
    expect(sent.code).toBe(0);
    expect(JSON.parse(sent.stdout.trim())).toMatchObject({ from: 'hbzxqy@163.com', to: program.mailbox });
    await stack.idle();

    const [outcome, ...more] = (await services(stack.config, program.year).registry.listMessages()).map(
      (m) => m.outcome as Outcome,
    );
    expect(more).toEqual([]);
    expect(outcome?.status).toBe('accepted');
    // Received on the rehearsal morning (02:00Z is 10:00 in Beijing), not today.
    expect(outcome?.receivedAt?.slice(0, 15)).toBe('2025-06-05T02:0');
    const original = await simpleParser(await readFile(HEBEI));
    const replies = (await outbox(stack.outboxDir)).filter((m) => m.inReplyTo === original.messageId);
    expect(replies).toHaveLength(1);
    expect(replies[0]!.subject).toContain('全部受理');
    expect(replies[0]!.to && !Array.isArray(replies[0]!.to) ? replies[0]!.to.text : '').toContain(
      'hbzxqy@163.com',
    );

    // A command run against this stack takes its clock: on 2025-06-05 no reminder is due yet (the first is
    // three days before 2025-06-09), where on today's date every deadline has long passed.
    const remind = await lingjun(['remind', '--state', stateDir, '--dry-run']);
    expect(remind.code).toBe(0);
    expect(remind.stdout).toContain('今天没有需要发送的提醒');
  });

  it('fires the 09:00 reminders of the rehearsal morning 2025-06-06 through the stack scheduler', async () => {
    const program = await testProgram();
    stateDir = await mkdtemp(join(tmpdir(), 'lingjun-rehearsal-'));
    // Half a second before 09:00 Beijing on the morning three days before class 1's deadline (2025-06-09).
    let config: LocalStack['config'] | undefined;
    stack = await startLocalStack({
      program,
      stateDir,
      // As `lingjun start --clock` does: the clock reads this instant once the stack is ready.
      clockFrom: parseClockStart('2025-06-06T08:59:59.500+08:00'),
      schedules: [localDailyJob(() => config!, program)],
    });
    config = stack.config;
    expect(stack.scheduler.next().map((n) => n.at?.toISOString())).toEqual(['2025-06-06T01:00:00.000Z']);

    let reminders: Awaited<ReturnType<typeof outbox>> = [];
    for (let waited = 0; waited < 30_000; waited += 250) {
      reminders = (await outbox(stack.outboxDir)).filter((m) =>
        (m.to && !Array.isArray(m.to) ? m.to.text : '').includes('hbzxqy@163.com'),
      );
      if (reminders.length > 0) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(reminders).toHaveLength(1);
    expect(reminders[0]!.subject).toContain('河北省');
    expect(reminders[0]!.subject).toContain('还有3天截止');
  });
});
