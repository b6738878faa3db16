/**
 * A reminder run that fails while sending (SES throttled, injected with aws-sdk-client-mock) leaves a claim
 * that a retry honours while its lease lasts and takes over afterwards: the mail is neither lost nor doubled.
 * A run that dies after SES took the mail is not followed by a second one: SES's Send event answers for it.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { SEND_TAG } from '@lingjun/core';
import { runReminders } from '@lingjun/deadlines';
import { handleDeliveryEvent } from '@lingjun/fn-bounces';
import { deadlineDeps } from '@lingjun/fn-reminders';
import { mockClient } from 'aws-sdk-client-mock';
import { simpleParser } from 'mailparser';
import { afterEach, describe, expect, it } from 'vitest';
import { localStackInfo } from '../setup/aws.ts';
import { harness, testProgram } from '../support/intake.ts';

const CONTACT = 'fault.hubei@dl-test.cn';

describe('reminders under SES failure', () => {
  const ses = mockClient(SESv2Client);
  afterEach(() => ses.restore());

  it('a failed send is retried after the claim lease, once', async () => {
    const base = await testProgram((p) => {
      p.quotas = { '420000': { total: 3 } };
      p.contacts = { '420000': [CONTACT] };
    });
    const h = await harness(base);
    // The harness gives the program a mailbox of its own; the job must send from that one.
    const program = h.program;
    const at = new Date('2025-06-06T01:00:00Z');
    // Every retry acts for the same scheduled instant; only the wall clock moves on.
    let wall = Date.now();
    const deps = { ...deadlineDeps(h.config, program), clock: () => new Date(wall) };

    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' });
    ses.on(SendEmailCommand).rejects(throttled);
    await expect(runReminders(deps, at)).rejects.toThrow();
    ses.restore();

    // The schedule retries a minute later: the claim of the failed run still holds, nothing is sent.
    wall += 60_000;
    const soon = await runReminders(deps, at);
    expect(soon.sent).toEqual([]);
    expect(soon.skipped.map((r) => r.region.code)).toEqual(['420000']);
    expect(await h.sentTo(CONTACT)).toHaveLength(0);

    // A retry after the lease takes the reminder over and sends it; a further run finds it sent.
    wall += 10 * 60_000;
    const later = await runReminders(deps, at);
    expect(later.sent.map((r) => r.region.code)).toEqual(['420000']);
    wall += 60 * 60_000;
    expect((await runReminders(deps, at)).sent).toEqual([]);
    const mails = await Promise.all((await h.sentTo(CONTACT)).map((raw) => simpleParser(raw)));
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject).toContain('湖北省');
    expect(mails[0]!.text).toContain('《领军人才培训工作信息表》（附件3）尚未报送');
    expect(mails[0]!.text).toContain('第1期培训班《领军人才培训报名汇总表》（附件4）');
  });

  it("a run that dies after SES took the reminder: SES's Send event says it left, and it is not sent again", async () => {
    const contact = 'fault.hunan@dl-test.cn';
    const h = await harness(
      await testProgram((p) => {
        p.quotas = { '430000': { total: 3 } };
        p.contacts = { '430000': [contact] };
      }),
    );
    const at = new Date('2025-06-06T01:00:00Z');
    let wall = Date.now();
    const deps = { ...deadlineDeps(h.config, h.program), clock: () => new Date(wall) };
    // SES takes the mail; the function times out before the run notes it.
    const tags: Record<string, string>[] = [];
    let sesId = '';
    const dying = {
      ...deps,
      mailer: {
        async sendRaw(message: Parameters<typeof deps.mailer.sendRaw>[0]) {
          tags.push(message.tags ?? {});
          sesId = await deps.mailer.sendRaw(message);
          throw new Error('Task timed out after SES took the mail');
        },
      },
    };
    await expect(runReminders(dying, at)).rejects.toThrow('Task timed out');
    expect(await h.sentTo(contact)).toHaveLength(1);
    // The reminder went out tagged with its send-once record, and SES's Send event carries that tag to the
    // bounces function, which records it.
    expect(tags).toEqual([{ [SEND_TAG]: expect.stringMatching(/^once-[0-9a-f]{40}$/) }]);
    const event = JSON.parse(
      await readFile(join(localStackInfo().sesEventsDir, 'pending', `${sesId}.json`), 'utf8'),
    );
    expect(event.detail.mail.tags[SEND_TAG]).toEqual([tags[0]![SEND_TAG]]);
    expect(await handleDeliveryEvent(event, { config: h.config, program: h.program })).toMatchObject({
      sent: tags[0]![SEND_TAG],
    });
    // The retry after the lease takes the claim over, finds the evidence, and marks the reminder sent.
    wall += 11 * 60_000;
    const retry = await runReminders(deps, at);
    expect(retry.sent).toEqual([]);
    expect(retry.skipped.map((r) => r.region.code)).toEqual(['430000']);
    expect(await h.sentTo(contact)).toHaveLength(1);
    // Marked sent with SES's id: a dry run, which only reads the marks, finds nothing left to send.
    expect((await runReminders(deps, at, { dryRun: true })).sent).toEqual([]);
  });
});
