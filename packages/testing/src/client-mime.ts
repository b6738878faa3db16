/**
 * Raw MIME as provincial offices' mail clients write it. Each client names Chinese attachments its own way
 * (Foxmail and NetEase: GB2312/GBK encoded-words inside quoted filename parameters, which RFC 2047 forbids
 * but every parser accepts; Outlook: RFC 2231 UTF-8 parameters; QQ Mail: GB18030 encoded-words), and the
 * intake must read every one of them, so fixtures are written byte by byte rather than by a library that
 * would only ever write the correct form.
 */
import iconv from 'iconv-lite';

/** How one mail client encodes the sender's name, the subject, the body and attachment names. */
export interface ClientStyle {
  /** X-Mailer header. */
  mailer: string;
  /** Charset of encoded-words and of the text body. */
  charset: 'gb2312' | 'gbk' | 'gb18030' | 'utf-8';
  /** 'encoded-word': name="=?cs?B?…?="; 'rfc2231': name*=utf-8''%E5…. */
  filenames: 'encoded-word' | 'rfc2231';
}

export const FOXMAIL: ClientStyle = {
  mailer: 'Foxmail 7.2.25.254[cn]',
  charset: 'gb2312',
  filenames: 'encoded-word',
};
export const NETEASE: ClientStyle = { mailer: 'NetEase Mail', charset: 'gbk', filenames: 'encoded-word' };
export const OUTLOOK: ClientStyle = {
  mailer: 'Microsoft Outlook 16.0',
  charset: 'utf-8',
  filenames: 'rfc2231',
};
export const QQMAIL: ClientStyle = { mailer: 'QQMail 2.x', charset: 'gb18030', filenames: 'encoded-word' };

/** One attachment of a client-style email. */
export interface ClientAttachment {
  filename: string;
  contentType: string;
  content: Uint8Array;
}

/** Everything a client-style email carries; the Message-ID, Date and boundary are given so output is stable. */
export interface ClientMail {
  style: ClientStyle;
  fromName: string;
  from: string;
  to: string;
  subject: string;
  text: string;
  /** RFC 5322 date text, e.g. 'Thu, 05 Jun 2025 09:30:00 +0800'. */
  date: string;
  messageId: string;
  boundary: string;
  attachments: ClientAttachment[];
}

function encode(text: string, charset: ClientStyle['charset']): Buffer {
  return charset === 'utf-8' ? Buffer.from(text, 'utf8') : iconv.encode(text, charset);
}

/** RFC 2047 B-words, split between characters so no word passes 75 characters. */
export function encodedWords(text: string, charset: ClientStyle['charset']): string {
  const words: string[] = [];
  let chunk = '';
  const word = (t: string) => `=?${charset}?B?${encode(t, charset).toString('base64')}?=`;
  for (const ch of text) {
    if (chunk && word(chunk + ch).length > 75) {
      words.push(word(chunk));
      chunk = '';
    }
    chunk += ch;
  }
  if (chunk) words.push(word(chunk));
  return words.join(' ');
}

/** RFC 2231 percent-encoding of UTF-8 bytes (attribute characters stay as they are). */
export function rfc2231(text: string): string {
  return [...Buffer.from(text, 'utf8')]
    .map((b) =>
      /[A-Za-z0-9!#$&+\-.^_`|~]/.test(String.fromCharCode(b))
        ? String.fromCharCode(b)
        : `%${b.toString(16).toUpperCase().padStart(2, '0')}`,
    )
    .join('');
}

function base64Lines(bytes: Uint8Array): string {
  return (
    Buffer.from(bytes)
      .toString('base64')
      .match(/.{1,76}/g) ?? []
  ).join('\r\n');
}

function attachmentHeaders(a: ClientAttachment, style: ClientStyle): string[] {
  if (style.filenames === 'rfc2231') {
    const value = `utf-8''${rfc2231(a.filename)}`;
    return [
      'MIME-Version: 1.0',
      'Content-Transfer-Encoding: base64',
      `Content-Disposition: attachment;\r\n filename*=${value}`,
      `Content-Type: ${a.contentType};\r\n name*=${value}`,
    ];
  }
  const value = `"${encodedWords(a.filename, style.charset)}"`;
  return [
    `Content-Type: ${a.contentType};\r\n name=${value}`,
    'MIME-Version: 1.0',
    'Content-Transfer-Encoding: base64',
    `Content-Disposition: attachment;\r\n filename=${value}`,
  ];
}

/** The raw bytes of a multipart/mixed email in the client's style (CRLF line ends, base64 bodies). */
export function clientMail(mail: ClientMail): Buffer {
  const { style } = mail;
  const fromName = encodedWords(mail.fromName, style.charset);
  const lines = [
    `Content-Type: multipart/mixed; boundary="${mail.boundary}"`,
    'MIME-Version: 1.0',
    `From: ${fromName} <${mail.from}>`,
    `To: ${mail.to}`,
    `Subject: ${encodedWords(mail.subject, style.charset)}`,
    `Date: ${mail.date}`,
    `Message-ID: ${mail.messageId}`,
    `X-Mailer: ${style.mailer}`,
    '',
    `--${mail.boundary}`,
    `Content-Type: text/plain; charset="${style.charset}"`,
    'MIME-Version: 1.0',
    'Content-Transfer-Encoding: base64',
    '',
    base64Lines(encode(mail.text.replace(/\r?\n/g, '\r\n'), style.charset)),
  ];
  for (const a of mail.attachments) {
    lines.push(`--${mail.boundary}`, ...attachmentHeaders(a, style), '', base64Lines(a.content));
  }
  lines.push(`--${mail.boundary}--`, '');
  return Buffer.from(lines.join('\r\n'), 'latin1');
}
