import { randomUUID } from 'node:crypto';
import { LingjunError, maskIdentifier, maskText, once } from '@lingjun/core';
import { textToHtml } from './html.ts';
import type { InboundMail, Mailbox } from './parse.ts';

/**
 * SES refuses outgoing messages over 10 MB (its default sending limit, measured on the encoded
 * MIME message: base64 makes attachments a third larger). Decimal megabytes keep us on the safe side
 * of however the limit is counted.
 */
export const MAX_REPLY_BYTES = 10 * 1000 * 1000;

/** A file to attach to an outgoing mail. */
export interface OutgoingAttachment {
  /** Shown to the recipient; Chinese is fine (encoded as RFC 2231 and RFC 2047). */
  filename: string;
  content: Uint8Array;
  contentType?: string;
}

/** A mail the pipeline sends (reply, reminder, digest, certificate). */
export interface MessageInput {
  from: Mailbox;
  to: string[];
  cc?: string[];
  subject: string;
  text: string;
  html: string;
  attachments?: OutgoingAttachment[];
  /** With angle brackets; generated from the From domain when absent. */
  messageId?: string;
  date?: Date;
  /** RFC 3834 value; 'auto-generated' for mails that answer nothing (default), 'auto-replied' for replies. */
  autoSubmitted?: 'auto-generated' | 'auto-replied';
  inReplyTo?: string;
  references?: string[];
  /** The sentence added to the body when attachments had to be dropped; gets the dropped names. */
  droppedNote?: (dropped: string[]) => string;
  /** Override of MAX_REPLY_BYTES (tests). */
  maxBytes?: number;
}

/** A reply to an inbound mail. */
export interface ReplyInput
  extends Omit<MessageInput, 'to' | 'subject' | 'inReplyTo' | 'references' | 'autoSubmitted'> {
  original: Pick<InboundMail, 'messageId' | 'references' | 'subject'> & { from: Mailbox | null };
  /** Defaults to the original From address (never Reply-To). */
  to?: string[];
  /** Defaults to 'Re: <original subject>'. */
  subject?: string;
}

/** The raw MIME message ready for SES SendEmail (Content.Raw.Data). */
export interface ComposedMessage {
  raw: Uint8Array;
  messageId: string;
  subject: string;
  to: string[];
  /** Filenames actually attached. */
  attachments: string[];
  /** Filenames dropped to keep the message under the size limit, largest first. */
  dropped: string[];
}

/** RFC 5322 recommends trimming long References; keep the thread root and the latest ids. */
const MAX_REFERENCES = 20;

function defaultDroppedNote(dropped: string[]): string {
  return `以下附件超出邮件大小上限，未能随本邮件附上：${dropped.map((d) => `“${d}”`).join('、')}。`;
}

const replyDroppedNote = (dropped: string[]): string =>
  `标注后的报名表过大，未能随本邮件附上：${dropped.map((d) => `“${d}”`).join('、')}。请按本邮件所列问题逐项修改后重新报送。`;

// Loaded on first use, like the SES client: only mail that is answered needs a MIME writer. Once: import()
// resolves the specifier again on every call.
const mailComposer = once(() => import('nodemailer/lib/mail-composer'));

function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1) || 'lingjun.invalid';
}

async function build(
  input: MessageInput,
  attachments: OutgoingAttachment[],
  note: string | null,
  messageId: string,
) {
  // Every text of an outgoing mail leaves the system: IDs and mobiles are masked here, once for all mail
  // (a sender's own Message-ID or file name can carry them). Only the delivery addresses stay as they are.
  const text = maskText(note ? `${input.text}\n\n${note}\n` : input.text);
  const html = maskText(note ? `${input.html}\n<p style="color:#b00">${textToHtml(note)}</p>` : input.html);
  const { default: MailComposer } = await mailComposer();
  const composer = new MailComposer({
    from: { name: input.from.name, address: input.from.address },
    to: input.to,
    ...(input.cc?.length ? { cc: input.cc } : {}),
    subject: maskText(input.subject),
    text,
    html,
    messageId,
    date: input.date ?? new Date(),
    ...(input.inReplyTo ? { inReplyTo: maskIdentifier(input.inReplyTo) } : {}),
    ...(input.references?.length ? { references: input.references.map(maskIdentifier) } : {}),
    headers: {
      'Auto-Submitted': input.autoSubmitted ?? 'auto-generated',
      // Asks Exchange/Outlook not to send out-of-office or read receipts back to the program mailbox.
      'X-Auto-Response-Suppress': 'All',
    },
    attachments: attachments.map((a) => ({
      filename: maskText(a.filename),
      content: Buffer.from(a.content.buffer, a.content.byteOffset, a.content.byteLength),
      ...(a.contentType ? { contentType: a.contentType } : {}),
    })),
  });
  return composer.compile().build();
}

/** Builds any outgoing mail as raw MIME, dropping the largest attachments if it would exceed the limit. */
export async function composeMessage(input: MessageInput): Promise<ComposedMessage> {
  const messageId = input.messageId ?? `<${randomUUID()}@${domainOf(input.from.address)}>`;
  const limit = input.maxBytes ?? MAX_REPLY_BYTES;
  const noteFor = input.droppedNote ?? defaultDroppedNote;
  const kept = [...(input.attachments ?? [])];
  const dropped: string[] = [];
  for (;;) {
    const raw = await build(input, kept, dropped.length ? noteFor(dropped) : null, messageId);
    if (raw.length <= limit) {
      return {
        raw: new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength),
        messageId,
        subject: maskText(input.subject),
        to: input.to,
        attachments: kept.map((a) => maskText(a.filename)),
        dropped: dropped.map(maskText),
      };
    }
    if (kept.length === 0) {
      throw new LingjunError(`邮件正文本身超过 ${limit} 字节上限（${raw.length} 字节），无法发送。`);
    }
    // The largest file is the one most likely to be the problem and the least useful by mail.
    let largest = 0;
    kept.forEach((a, i) => {
      if (a.content.byteLength > (kept[largest]?.content.byteLength ?? 0)) largest = i;
    });
    const [removed] = kept.splice(largest, 1);
    if (removed) dropped.push(removed.filename);
  }
}

/** 'Re: <subject>' unless the subject is already a reply (Re:, 回复:, 答复:). */
export function replySubject(original: string): string {
  const s = original.trim();
  if (/^(re|回复|答复)\s*[:：]/i.test(s)) return s;
  return `Re: ${s || '（无主题）'}`;
}

/** The References of a reply: the original's References plus its Message-ID, trimmed. */
export function replyReferences(original: Pick<InboundMail, 'messageId' | 'references'>): string[] {
  const all = [...original.references, original.messageId].filter(
    (id, i, arr) => id && arr.indexOf(id) === i,
  );
  if (all.length <= MAX_REFERENCES) return all;
  return [all[0] as string, ...all.slice(all.length - (MAX_REFERENCES - 1))];
}

/** Builds a threaded reply (In-Reply-To, References, Auto-Submitted: auto-replied) to an inbound mail. */
export async function composeReply(input: ReplyInput): Promise<ComposedMessage> {
  const { original, to, subject, ...rest } = input;
  const recipients = to ?? (original.from?.address ? [original.from.address] : []);
  if (recipients.length === 0) throw new LingjunError('原邮件没有可回复的发件人地址。');
  // A derived id (no Message-ID header) names nothing the sender's client knows; threading on it is pointless.
  const derived = original.messageId.endsWith('@lingjun.invalid>');
  return composeMessage({
    ...rest,
    to: recipients,
    subject: subject ?? replySubject(original.subject),
    autoSubmitted: 'auto-replied',
    ...(derived ? {} : { inReplyTo: original.messageId, references: replyReferences(original) }),
    droppedNote: input.droppedNote ?? replyDroppedNote,
  });
}
