/**
 * The local organisation mailbox as `lingjun start --ingress imap` runs it: a real IMAP server polled through
 * the imap-poll function's entry, replies submitted over SMTP (STARTTLS, login) into the outbox, a copy in Sent.
 */
import { PASSING, withAuthenticationResults } from '@lingjun/local';
import { LOCAL_AUTHSERV_ID, startImapIngress } from '@lingjun/local/imap-ingress';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { localStackInfo } from '../../../test/setup/aws.ts';
import { harness, testProgram } from '../../../test/support/intake.ts';
import { people, submission } from '../../../test/support/submission.ts';

describe('local mailbox: IMAP in, SMTP submission out', () => {
  it('mail delivered to INBOX is answered once over SMTP with its threading, and the answer filed in Sent', async () => {
    const h = await harness(await testProgram());
    const ingress = await startImapIngress({
      config: h.config,
      program: h.program,
      outboxDir: localStackInfo().outboxDir,
      pollMs: 60_000,
    });
    try {
      const { raw, messageId } = await submission({
        program: h.program,
        from: 'hbzxqy@163.com',
        region: '河北',
        classNo: 1,
        people: people(1, 601),
      });
      // As the local "organisation server" delivers it: with its Authentication-Results (aligned pass) on top.
      expect(ingress.account.authservId).toBe(LOCAL_AUTHSERV_ID);
      ingress.imap.deliver(
        withAuthenticationResults(raw, PASSING, {}, LOCAL_AUTHSERV_ID),
        new Date('2025-06-05T10:00:00+08:00'),
      );
      await ingress.pollNow();
      await ingress.pollNow();
      const replies = await h.repliesTo(messageId);
      expect(replies).toHaveLength(1);
      const reply = await simpleParser(replies[0]!);
      expect(reply.subject).toContain('【全部受理】');
      expect(reply.inReplyTo).toBe(messageId);
      expect(reply.references).toContain(messageId);
      expect(reply.to && !Array.isArray(reply.to) ? reply.to.value[0]?.address : '').toBe('hbzxqy@163.com');
      expect(ingress.imap.count('INBOX')).toBe(0);
      expect(ingress.imap.count('Processed')).toBe(1);
      const sent = ingress.imap.server.getMailbox('Sent')!.messages;
      expect(sent).toHaveLength(1);
      expect((await simpleParser(Buffer.from(sent[0]!.raw, 'latin1'))).inReplyTo).toBe(messageId);
    } finally {
      await ingress.stop();
    }
  });

  it('the submission server refuses a wrong password, so the mailer really logs in', async () => {
    const { smtpMailer } = await import('@lingjun/aws/smtp');
    const h = await harness(await testProgram());
    const ingress = await startImapIngress({
      config: h.config,
      program: h.program,
      outboxDir: localStackInfo().outboxDir,
      pollMs: 60_000,
    });
    try {
      const mailer = smtpMailer({
        host: ingress.submission.host,
        port: ingress.submission.port,
        secure: false,
        user: ingress.account.user,
        pass: 'wrong',
        allowSelfSigned: true,
      });
      await expect(
        mailer.sendRaw({
          from: ingress.account.user,
          to: ['a@example.cn'],
          raw: Buffer.from('Subject: x\r\n\r\nx'),
        }),
      ).rejects.toThrow(/535|Invalid/);
      mailer.close();
    } finally {
      await ingress.stop();
    }
  });
});
