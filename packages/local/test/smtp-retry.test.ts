import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { s3Client } from '@lingjun/aws';
import type { SESEvent } from 'aws-lambda';
import nodemailer from 'nodemailer';
import { describe, expect, it } from 'vitest';
import { localAws } from '../../../test/setup/aws.ts';
import { PASSING } from '../src/ses-event.ts';
import { startSmtp } from '../src/smtp.ts';

const MAILBOX = 'retry-test@miitec.cn';

async function receiver(handler: (event: SESEvent) => Promise<void>) {
  const config = localAws();
  const s3 = s3Client(config);
  const deadLetterDir = join(await mkdtemp(join(tmpdir(), 'lingjun-dlq-')), 'dead-letter');
  const smtp = await startSmtp({
    port: 0,
    mailbox: MAILBOX,
    s3,
    bucket: config.bucketName,
    verdicts: () => PASSING,
    onInbound: handler,
    retryDelaysMs: [10, 20],
    deadLetterDir,
  });
  const send = (subject: string) =>
    nodemailer
      .createTransport({ host: '127.0.0.1', port: smtp.port, secure: false })
      .sendMail({ from: 'a@example.cn', to: MAILBOX, subject, text: 'x' });
  return { smtp, s3, deadLetterDir, send };
}

// Lambda invokes an SES receipt action asynchronously: a failed invocation is retried twice, then the event
// goes to the dead-letter destination. The local inbox does the same.
describe.skipIf(process.env.LINGJUN_NO_STACK === '1')('local SMTP inbox: failed handlers', () => {
  it('a handler that fails once is retried and succeeds; nothing is dead-lettered', async () => {
    let calls = 0;
    const r = await receiver(async () => {
      calls++;
      if (calls === 1) throw new Error('DynamoDB throttled');
    });
    await r.send('flaky');
    await r.smtp.idle();
    expect(calls).toBe(2);
    await expect(readdir(r.deadLetterDir)).rejects.toThrow();
    await r.smtp.stop();
    r.s3.destroy();
  });

  it('a handler that keeps failing runs three times, then the event is written to the dead-letter folder', async () => {
    const ids: string[] = [];
    const r = await receiver(async (event) => {
      ids.push(event.Records[0]?.ses.mail.messageId ?? '');
      throw new Error('intake crashed for 110101199001011234');
    });
    await r.send('broken');
    await r.smtp.idle();
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(1);
    const files = await readdir(r.deadLetterDir);
    expect(files).toEqual([`${ids[0]}.json`]);
    const dead = JSON.parse(await readFile(join(r.deadLetterDir, files[0] as string), 'utf8'));
    expect(dead.event.Records[0].ses.mail.messageId).toBe(ids[0]);
    expect(dead.error).toContain('intake crashed');
    expect(dead.error).not.toContain('110101199001011234');
    await r.smtp.stop();
    r.s3.destroy();
  });

  it('stop() cancels a retry that is waiting', async () => {
    let calls = 0;
    const config = localAws();
    const s3 = s3Client(config);
    const smtp = await startSmtp({
      port: 0,
      mailbox: MAILBOX,
      s3,
      bucket: config.bucketName,
      verdicts: () => PASSING,
      onInbound: async () => {
        calls++;
        throw new Error('down');
      },
      retryDelaysMs: [60_000, 120_000],
    });
    await nodemailer
      .createTransport({ host: '127.0.0.1', port: smtp.port, secure: false })
      .sendMail({ from: 'a@example.cn', to: MAILBOX, subject: 'x', text: 'x' });
    await expect.poll(() => calls).toBe(1);
    await smtp.stop();
    expect(calls).toBe(1);
    s3.destroy();
  });
});
