import { log, type Mailer, MailRefusedError } from '@lingjun/core';
// nodemailer's Mail and SMTP transport modules, which is all createTransport builds for these options: its
// index would bring the pool, sendmail, SES, stream and JSON transports into the bundle.
import Mail from 'nodemailer/lib/mailer';
import SMTPTransport from 'nodemailer/lib/smtp-transport';
import type { AwsConfig } from './config.ts';
import { mailboxPassword } from './mailbox.ts';

/** Where and as whom replies are submitted (the organisation's own server, port 465 or 587). */
export interface SmtpSubmission {
  host: string;
  port: number;
  /** Implicit TLS (465); false means STARTTLS, which is then required: credentials never cross in clear. */
  secure: boolean;
  user: string;
  pass: string;
  /** Accept a self-signed certificate: only for the local stack's loopback server. */
  allowSelfSigned?: boolean;
}

/**
 * Mailer on SMTP submission through the organisation's server (nodemailer), behind the same interface as the
 * SES mailer. The message is sent byte for byte as composed, so In-Reply-To/References threading is kept.
 * `afterSend` gets each sent message (a copy for the mailbox's Sent folder); its failure is logged, never
 * turned into a failed send, because the mail has already gone and must not go twice.
 */
export function smtpMailer(
  smtp: SmtpSubmission,
  afterSend?: (raw: Uint8Array) => Promise<void>,
): Mailer & { close(): void } {
  const options: SMTPTransport.Options = {
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    requireTLS: !smtp.secure,
    auth: { user: smtp.user, pass: smtp.pass },
    ...(smtp.allowSelfSigned ? { tls: { rejectUnauthorized: false } } : {}),
  };
  // What createTransport(options) returns for an options object with no url, pool or other transport.
  const transport = new Mail<SMTPTransport.SentMessageInfo>(new SMTPTransport(options), options);
  return {
    async sendRaw({ from, to, raw }) {
      let info: { messageId?: string; response?: string };
      try {
        info = await transport.sendMail({ envelope: { from, to }, raw: Buffer.from(raw) });
      } catch (error) {
        // The server answered with an error code (sender, recipients or message refused): the mail did not
        // leave. A lost connection or timeout says nothing about that and is passed on as it is.
        const code = (error as { responseCode?: number }).responseCode;
        if (typeof code === 'number' && code >= 400)
          throw new MailRefusedError(`SMTP server refused the mail (${code})`, { cause: error });
        throw error;
      }
      if (afterSend) {
        await afterSend(raw).catch((error: unknown) =>
          log.warn('sent copy could not be stored in the mailbox', { error: String(error) }),
        );
      }
      return String(info.messageId ?? info.response ?? '');
    },
    close: () => transport.close(),
  };
}

/** The SMTP mailer for a configuration whose egress is the organisation's mailbox (`config.smtp`). */
export async function smtpMailerFor(
  config: AwsConfig,
  afterSend?: (raw: Uint8Array) => Promise<void>,
): Promise<Mailer> {
  const account = config.smtp;
  if (!account) throw new Error('smtpMailerFor needs config.smtp');
  return smtpMailer(
    {
      host: account.host,
      port: account.smtpPort,
      secure: account.secure,
      user: account.user,
      pass: await mailboxPassword(account, config),
      ...(account.allowSelfSigned ? { allowSelfSigned: true } : {}),
    },
    afterSend,
  );
}
