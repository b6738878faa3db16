/**
 * A receipt that bounces (issue 19): whether SES reports it through the configuration set's event or the
 * recipient's server returns a DSN to the mailbox, the bounce is recorded against the receipt's region and
 * the bureau's digest lists that region. The DSN itself is never answered and ends as done.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { handleDeliveryEvent } from '@lingjun/fn-bounces';
import { runScheduled } from '@lingjun/fn-reminders';
import { deliveryStatusNotification } from '@lingjun/mail/testing';
import { Bounces } from '@lingjun/registry';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { localStackInfo } from '../setup/aws.ts';
import { type Harness, harness, testProgram } from '../support/intake.ts';
import { people, submission } from '../support/submission.ts';

const HEBEI = 'hbzxqy@163.com';
const SHANXI = 'sxzxqy@163.com';
const BUREAU = 'bureau.bouncemail@dl-test.cn';
const IN_TIME = '2025-06-05T10:00:00+08:00';

/** The receipt to a submission: its SES id (the outbox file name) and its Message-ID. */
async function receiptOf(h: Harness, raw: Buffer): Promise<{ sesId: string; messageId: string }> {
  const original = (await simpleParser(raw)).messageId!;
  const dir = localStackInfo().outboxDir;
  for (const name of await readdir(dir)) {
    if (!name.endsWith('.eml')) continue;
    const mail = await simpleParser(await readFile(join(dir, name)));
    if (mail.inReplyTo === original && mail.from?.value[0]?.address === h.program.mailbox)
      return { sesId: name.replace(/\.eml$/, ''), messageId: mail.messageId! };
  }
  throw new Error(`no receipt to ${original}`);
}

/** The day's digest to the bureau, as text. */
async function digestText(h: Harness): Promise<string> {
  const ctx = { config: h.config, program: h.program };
  const run = await runScheduled({ kind: 'reminders', scheduledTime: '2025-06-06T01:00:00Z' }, ctx);
  expect(run.digest.result).toBe('sent');
  const sent = await h.sentTo(BUREAU);
  const digests = await Promise.all(sent.map((raw) => simpleParser(raw)));
  const digest = digests.find((m) => /每日汇总.*6月6日/.test(m.subject ?? ''));
  expect(digest).toBeDefined();
  return digest!.text ?? '';
}

describe('a bounced receipt', () => {
  it('is recorded against its region from a DSN in the mailbox and from an SES bounce event; the digest lists both', async () => {
    const program = await testProgram((p) => {
      p.adminEmails = [BUREAU];
    });
    const h = await harness(program);
    const bounces = new Bounces(
      (await import('@lingjun/aws')).documentClient(h.config),
      h.config.tableName,
      h.program.year,
    );

    // Two regions submit and get receipts.
    const hebei = await submission({
      program,
      from: HEBEI,
      region: '河北',
      classNo: 1,
      people: people(2, 701),
    });
    const shanxi = await submission({
      program,
      from: SHANXI,
      region: '山西',
      classNo: 1,
      people: people(2, 801, '140000'),
    });
    const [oh, os] = await h.ingest([hebei.raw, shanxi.raw], { receivedAt: IN_TIME });
    expect(oh?.region?.code).toBe('130000');
    expect(os?.region?.code).toBe('140000');
    const hebeiReceipt = await receiptOf(h, hebei.raw);
    const shanxiReceipt = await receiptOf(h, shanxi.raw);
    // Each receipt is remembered by the id SES returned and by its own Message-ID, with region and recipient.
    expect(await bounces.answered(hebeiReceipt.sesId)).toMatchObject({
      region: '130000',
      kind: 'receipt',
      to: [HEBEI],
    });
    expect(await bounces.answered(hebeiReceipt.messageId.replace(/^<|>$/g, ''))).toMatchObject({
      region: '130000',
    });

    // Hebei's server returns the receipt as a DSN (RFC 3464) to the mailbox: it is ingested like any mail.
    const dsn = deliveryStatusNotification({
      from: 'mailer-daemon@163.com',
      to: h.program.mailbox,
      originalMessageId: hebeiReceipt.messageId,
      recipient: HEBEI,
    });
    const [od] = await h.ingest([dsn], { receivedAt: '2025-06-05T10:05:00+08:00' });
    expect(od?.status).toBe('rejected');
    expect(od?.reply).toBeNull();
    expect(await h.repliesTo((await simpleParser(dsn)).messageId!)).toHaveLength(0);
    const afterDsn = await bounces.list();
    expect(afterDsn).toEqual([expect.objectContaining({ region: '130000', address: HEBEI, kind: 'bounce' })]);
    // A DSN that only reports a delay records nothing.
    const delayed = deliveryStatusNotification({
      from: 'mailer-daemon@163.com',
      to: h.program.mailbox,
      originalMessageId: shanxiReceipt.messageId,
      recipient: SHANXI,
      action: 'delayed',
      status: '4.4.7',
    });
    await h.ingest([delayed], { receivedAt: '2025-06-05T10:06:00+08:00' });
    expect(await bounces.list()).toHaveLength(1);

    // SES reports, through the configuration set's EventBridge destination, that Shanxi's receipt bounced.
    const outcome = await handleDeliveryEvent(
      {
        'detail-type': 'Email Bounced',
        detail: {
          eventType: 'Bounce',
          mail: { messageId: shanxiReceipt.sesId, timestamp: '2025-06-05T02:00:01Z' },
          bounce: {
            bounceType: 'Permanent',
            timestamp: '2025-06-05T02:00:05Z',
            bouncedRecipients: [{ emailAddress: SHANXI }],
          },
        },
      },
      { config: h.config, program: h.program },
    );
    expect(outcome).toEqual({ region: '140000', recorded: 1 });

    const text = await digestText(h);
    expect(text).toContain('邮件退信或投诉 2 个地区');
    expect(text).toMatch(/河北省：1 个联系邮箱退信或投诉/);
    expect(text).toMatch(/山西省：1 个联系邮箱退信或投诉/);
  });
});
