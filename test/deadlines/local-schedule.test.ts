/**
 * The local stack's scheduler runs the reminders function's daily job at reminders.time in Beijing, the
 * instant the AWS schedule would fire, and the job then sends what the day calls for.
 */
import { localDailyJob } from '@lingjun/fn-reminders';
import { nextFire, startScheduler } from '@lingjun/local';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { harness, testProgram } from '../support/intake.ts';

const CONTACT = 'local.hunan@dl-test.cn';

describe('local daily schedule', () => {
  it('fires at 09:00 Beijing (01:00 UTC) and sends the day’s reminder through the function', async () => {
    const base = await testProgram((p) => {
      p.quotas = { '430000': { total: 2 } };
      p.contacts = { '430000': [CONTACT] };
    });
    const h = await harness(base);
    // The harness gives the program a mailbox of its own; the job must send from that one.
    const program = h.program;
    const job = localDailyJob(() => h.config, program);
    expect(nextFire(job, program.timezone, new Date('2025-06-05T12:00:00Z'))?.toISOString()).toBe(
      '2025-06-06T01:00:00.000Z',
    );
    // Run the real timer with a clock set just before that instant.
    const target = new Date('2025-06-06T01:00:00Z').getTime();
    const offset = target - 200 - Date.now();
    const fired: Date[] = [];
    const done = new Promise<void>((resolve, reject) => {
      const scheduler = startScheduler(
        [
          {
            ...job,
            handler: (at) =>
              job
                .handler(at)
                .then(() => void fired.push(at), reject)
                .finally(() => {
                  scheduler.stop();
                  resolve();
                }),
          },
        ],
        program.timezone,
        () => new Date(Date.now() + offset),
      );
    });
    await done;
    expect(fired.map((d) => d.toISOString())).toEqual(['2025-06-06T01:00:00.000Z']);
    const mails = await Promise.all((await h.sentTo(CONTACT)).map((raw) => simpleParser(raw)));
    expect(mails.map((m) => m.subject)).toEqual([expect.stringContaining('湖南省')]);
    expect(mails[0]!.subject).toContain('还有3天截止');
  });
});
