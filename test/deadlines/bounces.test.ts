/**
 * A reminder that bounces (spec §8, issue 19): SES's bounce event for it is recorded against the region it was
 * for, the bureau's digest lists that region, and the next reminder goes to the region's other contact.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { handleDeliveryEvent } from '@lingjun/fn-bounces';
import { runScheduled } from '@lingjun/fn-reminders';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { localStackInfo } from '../setup/aws.ts';
import { harness, testProgram } from '../support/intake.ts';

const FIRST = 'first.bounce@sx-test.cn';
const SECOND = 'second.bounce@sx-test.cn';
const BUREAU = 'bureau.bounce@dl-test.cn';

/** SES message ids (outbox file names) of mails to `address` with a subject matching `subject`. */
async function sentIds(address: string, subject: RegExp): Promise<{ id: string; text: string }[]> {
  const dir = localStackInfo().outboxDir;
  const out: { id: string; text: string }[] = [];
  for (const name of await readdir(dir)) {
    if (!name.endsWith('.eml')) continue;
    const mail = await simpleParser(await readFile(join(dir, name)));
    const to = Array.isArray(mail.to) ? mail.to : mail.to ? [mail.to] : [];
    if (to.some((t) => t.value.some((v) => v.address === address)) && subject.test(mail.subject ?? ''))
      out.push({ id: name.replace(/\.eml$/, ''), text: mail.text ?? '' });
  }
  return out;
}

describe('a bounced reminder', () => {
  it('is recorded against its region, listed in the digest, and the next reminder goes to the other contact', async () => {
    const program = await testProgram((p) => {
      (p.contacts as Record<string, string[]>)['140000'] = [FIRST, SECOND];
      p.adminEmails = [BUREAU];
    });
    const h = await harness(program);
    const ctx = { config: h.config, program: h.program };

    // Three days before the class-1 deadline (9 June): 山西 owes everything, so both contacts are reminded.
    const first = await runScheduled({ kind: 'reminders', scheduledTime: '2025-06-06T01:00:00Z' }, ctx);
    const shanxi = first.reminders.sent.find((r) => r.region.code === '140000');
    expect(shanxi?.to).toEqual([FIRST, SECOND]);
    const [reminder] = await sentIds(FIRST, /提醒/);
    expect(reminder).toBeDefined();

    // SES reports, through the configuration set's EventBridge destination, that FIRST bounced permanently.
    const outcome = await handleDeliveryEvent(
      {
        'detail-type': 'Email Bounced',
        detail: {
          eventType: 'Bounce',
          mail: { messageId: reminder!.id, timestamp: '2025-06-06T01:00:01Z' },
          bounce: {
            bounceType: 'Permanent',
            timestamp: '2025-06-06T01:00:05Z',
            bouncedRecipients: [{ emailAddress: FIRST }],
          },
        },
      },
      ctx,
    );
    expect(outcome).toEqual({ region: '140000', recorded: 1 });
    // A transient bounce says nothing about the address and is not recorded.
    const transient = await handleDeliveryEvent(
      {
        detail: {
          eventType: 'Bounce',
          mail: { messageId: reminder!.id },
          bounce: { bounceType: 'Transient', bouncedRecipients: [{ emailAddress: SECOND }] },
        },
      },
      ctx,
    );
    expect(transient).toEqual({ recorded: 0 });

    // The next reminder (one day before) goes to the other contact only; the digest names the region.
    const next = await runScheduled({ kind: 'reminders', scheduledTime: '2025-06-08T01:00:00Z' }, ctx);
    expect(next.reminders.sent.find((r) => r.region.code === '140000')?.to).toEqual([SECOND]);
    expect(next.digest.result).toBe('sent');
    const digests = await sentIds(BUREAU, /每日汇总.*6月8日/);
    expect(digests).toHaveLength(1);
    expect(digests[0]!.text).toContain('邮件退信或投诉 1 个地区');
    expect(digests[0]!.text).toMatch(/山西省：1 个联系邮箱退信或投诉，提醒改发其余 1 个联系邮箱/);
  });
});
