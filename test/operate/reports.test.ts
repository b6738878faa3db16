/**
 * Reports on demand: `lingjun report digest` and `report underfill` compose exactly what the scheduled mails
 * send, and the digest's HTML shows every region × class as one coloured grid.
 */

import { runDigest, runUnderfillReport } from '@lingjun/deadlines';
import { deadlineDeps } from '@lingjun/fn-reminders';
import { simpleParser } from 'mailparser';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';
import { type Harness, harness } from '../support/intake.ts';
import { people, submission } from '../support/submission.ts';

function cli(h: Harness, args: string[]) {
  return runCli([...args, '--program', h.programFile, '--state', h.stateDir, '--json']);
}

/** The one mail to the bureau whose subject starts with `prefix`, sent since `since`. */
async function bureauMail(h: Harness, prefix: string, since: number) {
  // Date headers count whole seconds.
  const mails = await Promise.all(
    (await h.sentTo(h.program.adminEmails[0]!, since - 1000)).map((raw) => simpleParser(raw)),
  );
  const found = mails.filter((m) => m.subject?.startsWith(prefix));
  expect(found).toHaveLength(1);
  return found[0]!;
}

const DIGEST_DAY = '2025-06-06T09:30:00+08:00';
const AFTER_FIRST_DEADLINE = '2025-06-10T09:30:00+08:00';

describe.skipIf(process.env.LINGJUN_NO_STACK === '1')('reports on demand', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness();
    const hebei = await submission({
      program: h.program,
      from: 'hbzxqy@163.com',
      region: '河北省',
      classNo: 1,
      people: people(3, 911),
    });
    const [o] = await h.ingest([hebei.raw], { receivedAt: '2025-06-05T10:00:00+08:00' });
    expect(o).toMatchObject({ status: 'accepted' });
  });

  it('report digest --json is the scheduled digest: same subject, same text, and a coloured grid', async () => {
    const since = Date.now();
    const deps = deadlineDeps(h.config, h.program);
    expect(await runDigest(deps, new Date(DIGEST_DAY))).toMatchObject({ result: 'sent' });
    const mail = await bureauMail(h, '【每日汇总】', since);
    const res = await cli(h, ['report', 'digest', '--now', DIGEST_DAY]);
    expect(res.code).toBe(0);
    const shown = res.json[0] as { subject: string; text: string; data: { regions: { code: string }[] } };
    expect(shown.subject).toBe(mail.subject);
    expect(shown.text.trim()).toBe(mail.text?.trim());
    // The grid: a row for every region with places, a cell per class, coloured by state.
    const html = String(mail.html);
    expect(html).toContain('<table');
    expect(html.match(/<tr>/g)?.length).toBe(1 + shown.data.regions.length);
    const hebei = shown.data.regions.find((r) => r.code === '130000') as unknown as {
      classes: { no: number; used: number; state: string }[];
    };
    expect(hebei.classes[0]).toMatchObject({ no: 1, used: 3, state: 'partial' });
    expect(html).toContain('background:#ffeb9c">3</td>');
    expect(mail.attachments.map((a) => a.filename)).toEqual(['报名进度-2025-06-06.xlsx']);
  });

  it('report underfill --json is the scheduled under-fill report, and --send mails it now', async () => {
    const since = Date.now();
    const deps = deadlineDeps(h.config, h.program);
    expect(await runUnderfillReport(deps, new Date(AFTER_FIRST_DEADLINE))).toMatchObject({ result: 'sent' });
    const mail = await bureauMail(h, '【名额未报满】', since);
    const res = await cli(h, ['report', 'underfill', '--now', AFTER_FIRST_DEADLINE]);
    const shown = res.json[0] as { subject: string; text: string; data: { rows: { code: string }[] } };
    expect(shown.subject).toBe(mail.subject);
    expect(shown.text.trim()).toBe(mail.text?.trim());
    expect(shown.data.rows.length).toBeGreaterThan(0);
    for (const r of shown.data.rows) expect(mail.text).toContain((r as unknown as { name: string }).name);

    const sent = await cli(h, ['report', 'underfill', '--deadline', '2025-06-09', '--send']);
    expect(sent.json[0]).toMatchObject({ subject: mail.subject });
    expect(typeof sent.json[0]!.sent).toBe('string');
    const both = await Promise.all(
      (await h.sentTo(h.program.adminEmails[0]!, since - 1000)).map((raw) => simpleParser(raw)),
    );
    expect(both.filter((m) => m.subject === mail.subject)).toHaveLength(2);
  });

  it('names the year’s deadlines when asked for one it does not have', async () => {
    const res = await cli(h, ['report', 'underfill', '--deadline', '2025-01-01']);
    expect(res.code).toBe(1);
  });
});
