/**
 * The local SES publishes a Send event for every mail it takes, as SES does under a configuration set, and
 * none is lost with the process: an event a stopped stack never delivered is delivered when the next stack
 * starts, before anything can send or re-drive; one for a mail that never reached the outbox is dropped.
 */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sesClient, sesMailer } from '@lingjun/aws';
import { SEND_TAG } from '@lingjun/core';
import { type SesSendEvent, startLocalStack } from '@lingjun/local';
import { loadProgram } from '@lingjun/program';
import { describe, expect, it } from 'vitest';

const PROGRAM = new URL('../../../examples/program-2025.json', import.meta.url).pathname;

describe('Send events of the local SES', () => {
  it('are kept until delivered, delivered at the next start-up, and only for mail that is in the outbox', async () => {
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
    const program = await loadProgram(PROGRAM);
    const stateDir = await mkdtemp(join(tmpdir(), 'lingjun-ses-events-'));
    try {
      // A stack whose events reach nobody (as one killed before delivering): the event stays pending.
      const first = await startLocalStack({ program, stateDir });
      let id: string;
      try {
        const mailer = sesMailer(sesClient(first.config));
        const raw = Buffer.from(`From: ${program.mailbox}\r\nTo: a@b.cn\r\nSubject: t\r\n\r\nhi\r\n`);
        id = await mailer.sendRaw({
          from: program.mailbox,
          to: ['a@b.cn'],
          raw,
          tags: { [SEND_TAG]: 'reply-abc' },
        });
        expect(await readdir(join(first.sesEventsDir, 'pending'))).toEqual([`${id}.json`]);
        // SES took a mail the stack never wrote to the outbox (killed in between): its event must not count.
        await writeFile(join(first.sesEventsDir, 'pending', 'lost.json'), '{}');
      } finally {
        await first.stop();
      }

      const delivered: SesSendEvent[] = [];
      const second = await startLocalStack({
        program,
        stateDir,
        sesEvents: () => async (event) => {
          delivered.push(event);
        },
      });
      try {
        expect(delivered).toHaveLength(1);
        expect(delivered[0]).toMatchObject({
          'detail-type': 'Email Sent',
          source: 'aws.ses',
          detail: {
            eventType: 'Send',
            mail: { messageId: id, destination: ['a@b.cn'], tags: { [SEND_TAG]: ['reply-abc'] } },
          },
        });
        expect(await readdir(join(second.sesEventsDir, 'pending'))).toEqual([]);
        expect(await readdir(join(second.sesEventsDir, 'delivered'))).toEqual([`${id}.json`]);

        // With a handler, a send's event is delivered before SendEmail answers.
        const mailer = sesMailer(sesClient(second.config));
        const raw = Buffer.from(`From: ${program.mailbox}\r\nTo: c@d.cn\r\nSubject: u\r\n\r\nhi\r\n`);
        const next = await mailer.sendRaw({ from: program.mailbox, to: ['c@d.cn'], raw });
        expect(delivered.map((e) => e.detail.mail.messageId)).toEqual([id, next]);
      } finally {
        await second.stop();
      }
    } finally {
      await rm(stateDir, { recursive: true, force: true });
    }
  }, 60_000);
});
