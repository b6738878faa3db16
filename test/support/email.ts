/** Builds inbound emails for tests, as a provincial office's mail client would send them. */
import { randomUUID } from 'node:crypto';
import MailComposer from 'nodemailer/lib/mail-composer';

export interface TestEmail {
  from: string;
  subject?: string;
  text?: string;
  attachments: { filename: string; content: Uint8Array }[];
  messageId?: string;
  headers?: Record<string, string>;
}

/** Raw MIME bytes of a test email; the Message-ID is fresh unless given. */
export async function buildEmail(mail: TestEmail): Promise<{ raw: Buffer; messageId: string }> {
  const messageId = mail.messageId ?? `<${randomUUID()}@test.example.cn>`;
  const composer = new MailComposer({
    from: mail.from,
    to: 'jiayue@miitec.cn',
    subject: mail.subject ?? '领军人才培训报名材料',
    text: mail.text ?? '您好，附件为报名材料，请查收。',
    messageId,
    headers: mail.headers ?? {},
    attachments: mail.attachments.map((a) => ({ filename: a.filename, content: Buffer.from(a.content) })),
  });
  const raw = await new Promise<Buffer>((resolve, reject) =>
    composer.compile().build((err, msg) => (err ? reject(err) : resolve(msg))),
  );
  return { raw, messageId };
}
