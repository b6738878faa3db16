/**
 * The whole loop once the pipeline's hold step sends sendHoldNotice (see the wiring in the h13b report): the
 * bureau's real notice, answered 同意 from the admin's mail client, approves the email. Skipped until then,
 * because today's hold() still sends the old notice without a token.
 */
import { documentClient, programVersions, rawMailKey } from '@lingjun/aws';
import { Bounces, SendOnce } from '@lingjun/registry';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { buildEmail } from '../../../../test/support/email.ts';
import { harness } from '../../../../test/support/intake.ts';
import { people, submission } from '../../../../test/support/submission.ts';
import { routeInbound } from '../../src/bureau/index.ts';

const ADMIN = 'admin@example.gov.cn';

describe('the hold notice the pipeline sends, answered by mail', () => {
  it('the admin replies 同意 to the notice in the outbox and the sender gets its 全部受理 receipt', async () => {
    const h = await harness();
    const since = Date.now() - 1000;
    const sub = await submission({
      program: h.program,
      from: 'loop@example.com',
      region: '河北',
      classNo: 1,
      people: people(2, 320),
    });
    const [held] = await h.ingest([sub.raw], { receivedAt: '2025-06-05T10:00:00+08:00' });
    expect(held?.status).toBe('held');
    const notices = await Promise.all((await h.sentTo(ADMIN, since)).map((n) => simpleParser(n)));
    const notice = notices.find((n) => n.subject?.includes('[HOLD-'));
    expect(notice?.text).toContain('学员共 2 人');
    const reply = await buildEmail({
      from: ADMIN,
      subject: `Re: ${notice!.subject}`,
      text: '同意',
      headers: { 'In-Reply-To': notice!.messageId!, References: notice!.messageId! },
      attachments: [],
    });
    const { PASSING, sesMessageId, withSesAuthenticationResults } = await import('@lingjun/local');
    const id = sesMessageId();
    await h.deps().store.put(rawMailKey(id), withSesAuthenticationResults(reply.raw, PASSING));
    const outcome = await routeInbound(
      { sesMessageId: id, rawKey: rawMailKey(id), receivedAt: new Date(), verdicts: PASSING },
      {
        ...h.deps(),
        sendOnce: new SendOnce(documentClient(h.config), h.config.tableName),
        versions: programVersions(h.config),
        bounces: new Bounces(documentClient(h.config), h.config.tableName, h.program.year),
      },
    );
    expect(outcome).toMatchObject({ status: 'accepted' });
    const toSender = await Promise.all((await h.repliesTo(sub.messageId)).map((r) => simpleParser(r)));
    expect(toSender.some((m) => m.subject?.includes('全部受理'))).toBe(true);
  });
});
