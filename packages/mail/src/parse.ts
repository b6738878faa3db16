import { createHash } from 'node:crypto';
import { MailParseError } from '@lingjun/core';
import PostalMime, { type Address, type Attachment, type Email } from 'postal-mime';
import { authenticateSender, type SenderAuthentication } from './authentication.ts';
import { liftBase64Bodies, restoreBodies } from './bodies.ts';
import { normalizeHeaderBytes } from './charset.ts';

/**
 * SES receipt rules accept messages of up to 40 MB (headers included); anything larger never
 * reaches us through SES, so a bigger input is a local import gone wrong and is refused before
 * parsing rather than buffered whole into memory.
 */
export const MAX_MESSAGE_BYTES = 40 * 1024 * 1024;

/** How many message/rfc822 levels (forwarded mails inside forwarded mails) are opened. */
export const MAX_FORWARD_DEPTH = 3;

/**
 * MIME parts nested deeper than this are refused as damaged; real clients nest a handful. With this and
 * the size limit, parsing is linear in the input (postal-mime has no backtracking or per-part rescans),
 * so no wall-clock limit is needed: a timer could not interrupt it anyway.
 */
export const MAX_PART_NESTING = 64;

/** A mailbox as written in an address header. */
export interface Mailbox {
  address: string;
  name: string;
}

/** What sort of message this is; only 'normal' mail is ever answered. */
export type MailKind = 'normal' | 'bounce' | 'dsn' | 'arf' | 'auto-reply' | 'list';

/** One file carried by the message (including files inside forwarded messages). */
export interface InboundAttachment {
  filename: string;
  contentType: string;
  content: Uint8Array;
  inline: boolean;
}

/** Something about the mail itself that intake turns into a finding for the sender. */
export interface MailNotice {
  kind: 'winmail';
  file: string;
  /** Chinese text fit to show the sender. */
  message: string;
}

/** Headers that decide whether a message is automatic (RFC 3834) or a report. */
export interface HeadersOfInterest {
  autoSubmitted: string | null;
  /** Raw Return-Path value; '' for the null sender `<>`. */
  returnPath: string | null;
  precedence: string | null;
  xAutoreply: string | null;
  listId: string | null;
  /** The report-type parameter of a multipart/report Content-Type. */
  reportType: string | null;
  contentType: string | null;
}

/** A parsed inbound email, reduced to what intake needs. */
export interface InboundMail {
  /** Message-ID with angle brackets, or `<sha256-of-raw@lingjun.invalid>` when the header is absent. */
  messageId: string;
  /** True when messageId was derived from the raw bytes because the header was missing. */
  messageIdDerived: boolean;
  from: Mailbox | null;
  /** Whether From is one mailbox that SES's Authentication-Results vouch for; only then is it trusted. */
  authentication: SenderAuthentication;
  replyTo: Mailbox[];
  to: Mailbox[];
  subject: string;
  /** The Date header: informational only (deadlines use the receipt time), null when unparseable. */
  date: Date | null;
  inReplyTo: string | null;
  references: string[];
  headers: HeadersOfInterest;
  attachments: InboundAttachment[];
  text: string;
  kind: MailKind;
  isReport: boolean;
  notices: MailNotice[];
  /** Size of the raw message in bytes. */
  size: number;
}

const REPORT_PART_TYPES = new Set([
  'message/delivery-status',
  'message/global-delivery-status',
  'message/feedback-report',
  'message/disposition-notification',
  'text/rfc822-headers',
  'text/rfc822-header',
]);

const DOCUMENT_EXTENSIONS = new Set([
  'xls',
  'xlsx',
  'xlsm',
  'xlsb',
  'et',
  'ett',
  'csv',
  'ods',
  'doc',
  'docx',
  'docm',
  'dot',
  'dotx',
  'wps',
  'wpt',
  'rtf',
  'odt',
  'pdf',
  'zip',
  'rar',
  '7z',
]);

const TYPE_EXTENSIONS: Record<string, string> = {
  'application/vnd.ms-excel': 'xls',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'xlsx',
  'application/vnd.ms-excel.sheet.macroenabled.12': 'xlsm',
  'application/msword': 'doc',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
  'application/vnd.ms-word.document.macroenabled.12': 'docm',
  'application/zip': 'zip',
  'application/x-zip-compressed': 'zip',
  'application/x-rar-compressed': 'rar',
  'application/vnd.rar': 'rar',
  'application/x-7z-compressed': '7z',
  'application/pdf': 'pdf',
  'application/rtf': 'rtf',
  'text/csv': 'csv',
  'text/plain': 'txt',
  'text/html': 'html',
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/gif': 'gif',
  'message/rfc822': 'eml',
  'application/wps-office.wps': 'wps',
  'application/wps-office.et': 'et',
  'application/kswps': 'wps',
  'application/kset': 'et',
};

const DOCUMENT_TYPES = new Set(
  Object.entries(TYPE_EXTENSIONS)
    .filter(([, ext]) => DOCUMENT_EXTENSIONS.has(ext))
    .map(([type]) => type),
);

// First type per extension wins: the list puts each extension's standard type first.
const EXTENSION_TYPES = new Map<string, string>();
for (const [type, ext] of Object.entries(TYPE_EXTENSIONS)) {
  if (!EXTENSION_TYPES.has(ext)) EXTENSION_TYPES.set(ext, type);
}

const WINMAIL_MESSAGE =
  '附件 winmail.dat 是 Outlook 专用格式（TNEF），系统无法读取其中的文件。请在 Outlook 中将邮件格式改为“纯文本”或“HTML”后，以普通附件形式重新发送报名材料。';

function extensionOf(name: string): string {
  const m = /\.([A-Za-z0-9]{1,8})$/.exec(name);
  return m?.[1]?.toLowerCase() ?? '';
}

function isDocumentLike(filename: string, contentType: string): boolean {
  return DOCUMENT_EXTENSIONS.has(extensionOf(filename)) || DOCUMENT_TYPES.has(contentType);
}

/** Strips path parts and control characters so a sender cannot name a file `../../x`. */
export function sanitizeFilename(name: string): string {
  const base = name.split(/[/\\]/).pop() ?? '';
  const cleaned = base
    .replace(/[\u0000-\u001f\u007f]/g, '')
    .replace(/^[\s.]+/, '')
    .trim();
  return [...cleaned].slice(0, 200).join('');
}

function isUsableName(name: string | null | undefined): name is string {
  if (!name) return false;
  // U+FFFD means bytes were lost; a leftover =?...?= means an encoded word was not decoded.
  return !name.includes('\uFFFD') && !/=\?[^?]+\?[bqBQ]\?/.test(name) && sanitizeFilename(name) !== '';
}

/**
 * The name the reply will use for a part. Outlook and some webmail send a filename that lost its
 * extension; the part's type then supplies it (名单 + application/vnd.ms-excel -> 名单.xls).
 */
function pickFilename(att: Attachment, index: number): string {
  const ext = TYPE_EXTENSIONS[att.mimeType] ?? 'bin';
  if (isUsableName(att.filename)) {
    const name = sanitizeFilename(att.filename);
    return extensionOf(name) === '' && ext !== 'bin' ? `${name}.${ext}` : name;
  }
  return `未命名附件${index}.${ext}`;
}

/** application/octet-stream says nothing; the extension then names the type (as mail clients do). */
function refineType(contentType: string, filename: string): string {
  if (contentType !== 'application/octet-stream') return contentType;
  return EXTENSION_TYPES.get(extensionOf(filename)) ?? contentType;
}

function mailboxes(value: Address | Address[] | undefined): Mailbox[] {
  const out: Mailbox[] = [];
  const visit = (list: Address[]): void => {
    for (const a of list) {
      if (a.group) visit(a.group);
      else if (a.address) out.push({ address: a.address.trim(), name: a.name.trim() });
    }
  };
  visit(value === undefined ? [] : Array.isArray(value) ? value : [value]);
  return out;
}

/** Values of a top-level header (unfolded; raw bytes were made UTF-8 by normalizeHeaderBytes), in order. */
function rawHeader(parsed: Email, key: string): string[] {
  return parsed.headers.filter((h) => h.key === key).map((h) => h.value.replace(/\r?\n[ \t]+/g, ' ').trim());
}

function first(values: string[]): string | null {
  return values[0] ?? null;
}

/** A parameter of a structured header value (`multipart/report; report-type=delivery-status`). */
function param(value: string, name: string): string | null {
  const m = new RegExp(`;\\s*${name}\\s*=\\s*(?:"([^"]*)"|([^\\s;]+))`, 'i').exec(value);
  return m ? (m[1] ?? m[2] ?? null) : null;
}

function headersOfInterest(parsed: Email): HeadersOfInterest {
  const ct = first(rawHeader(parsed, 'content-type'));
  return {
    autoSubmitted: first(rawHeader(parsed, 'auto-submitted')),
    // SES prepends its own Return-Path from the envelope; a later copy could be forged, so the first counts.
    returnPath: first(rawHeader(parsed, 'return-path')),
    precedence: first(rawHeader(parsed, 'precedence')),
    xAutoreply: first([...rawHeader(parsed, 'x-autoreply'), ...rawHeader(parsed, 'x-autorespond')]),
    listId: first(rawHeader(parsed, 'list-id')),
    reportType: ct === null ? null : (param(ct, 'report-type')?.toLowerCase() ?? null),
    contentType: ct === null ? null : (ct.split(';')[0]?.trim().toLowerCase() ?? null),
  };
}

function classify(h: HeadersOfInterest, from: Mailbox | null, partTypes: Set<string>): MailKind {
  const isReport = h.contentType === 'multipart/report';
  if ((isReport && h.reportType === 'feedback-report') || partTypes.has('message/feedback-report'))
    return 'arf';
  // The null envelope sender is how MTAs mark a bounce (RFC 5321 4.5.5), whatever the body says.
  if (h.returnPath !== null && /^<\s*>$|^$/.test(h.returnPath)) return 'bounce';
  if (
    (isReport && (h.reportType === 'delivery-status' || h.reportType === 'disposition-notification')) ||
    partTypes.has('message/delivery-status') ||
    partTypes.has('message/global-delivery-status') ||
    partTypes.has('message/disposition-notification')
  ) {
    return 'dsn';
  }
  if (from && /^(mailer-daemon|postmaster)@/i.test(from.address)) return 'bounce';
  const auto = h.autoSubmitted?.split(';')[0]?.trim().toLowerCase();
  if (auto && auto !== 'no') return 'auto-reply';
  if (h.xAutoreply !== null) return 'auto-reply';
  const precedence = h.precedence?.trim().toLowerCase();
  if (precedence && ['auto_reply', 'bulk', 'junk'].includes(precedence)) return 'auto-reply';
  if (h.listId !== null || precedence === 'list') return 'list';
  return 'normal';
}

function parseDate(parsed: Email): Date | null {
  // The raw value, not the parser's: an unparseable Date must read as null, not as some substitute.
  const raw = first(rawHeader(parsed, 'date'));
  if (!raw) return null;
  const d = new Date(raw);
  return Number.isNaN(d.getTime()) ? null : d;
}

function toBuffer(raw: Uint8Array): Buffer {
  return Buffer.isBuffer(raw) ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
}

/**
 * A part's bytes. With attachmentEncoding 'arraybuffer' postal-mime gives every part a buffer of its own (an
 * ArrayBuffer, or a TextEncoder's Uint8Array for text parts), so a consumer handing `content.buffer` to a
 * library (SheetJS, fflate) reads exactly the part and no copy is needed.
 */
function bytesOf(content: Attachment['content']): Uint8Array {
  if (typeof content === 'string')
    throw new TypeError('postal-mime returned text for an arraybuffer attachment');
  return content instanceof Uint8Array ? content : new Uint8Array(content);
}

async function parseLevel(raw: Uint8Array, depth: number, authservId?: string): Promise<InboundMail> {
  const buf = toBuffer(raw);
  let parsed: Email;
  const parse = (bytes: Buffer) =>
    PostalMime.parse(normalizeHeaderBytes(bytes), {
      // Forwarded messages come back whole and are opened here, so MAX_FORWARD_DEPTH bounds them.
      forceRfc822Attachments: true,
      attachmentEncoding: 'arraybuffer',
      maxNestingDepth: MAX_PART_NESTING,
    });
  try {
    // File bodies decoded natively (bodies.ts); the original is parsed whole if anything on that way fails
    // or the bodies do not all come back.
    const lifted = (() => {
      try {
        return liftBase64Bodies(buf);
      } catch {
        return null;
      }
    })();
    const fast = lifted ? await parse(lifted.raw).catch(() => null) : null;
    parsed = lifted && fast && restoreBodies(fast.attachments, lifted) ? fast : await parse(buf);
  } catch (err) {
    throw new MailParseError('邮件格式损坏，系统无法解析。请检查后重新发送。', { cause: err });
  }

  const headers = headersOfInterest(parsed);
  const from = mailboxes(parsed.from)[0] ?? null;
  const partTypes = new Set(parsed.attachments.map((a) => a.mimeType.toLowerCase()));
  const kind = classify(headers, from, partTypes);
  const isReport = kind === 'bounce' || kind === 'dsn' || kind === 'arf';

  const attachments: InboundAttachment[] = [];
  const notices: MailNotice[] = [];
  for (const att of parsed.attachments) {
    const declared = att.mimeType.toLowerCase();
    if (REPORT_PART_TYPES.has(declared)) continue;
    const content = bytesOf(att.content);
    if (declared === 'message/rfc822' || declared === 'message/global') {
      // A report's returned message holds our own reply's attachments; forwarded mail holds forms.
      if (isReport || depth >= MAX_FORWARD_DEPTH || content.length === 0) continue;
      try {
        const inner = await parseLevel(content, depth + 1);
        attachments.push(...inner.attachments);
        notices.push(...inner.notices);
      } catch {
        // An unreadable forwarded message adds nothing; the outer message still counts.
      }
      continue;
    }
    const hasName = isUsableName(att.filename);
    // Numbered by position among the files kept, which is what the sender sees in the reply.
    const filename = pickFilename(att, attachments.length + 1);
    const contentType = refineType(declared, filename);
    if (
      contentType === 'application/ms-tnef' ||
      contentType === 'application/vnd.ms-tnef' ||
      filename.toLowerCase() === 'winmail.dat'
    ) {
      notices.push({ kind: 'winmail', file: filename, message: WINMAIL_MESSAGE });
      continue;
    }
    const inline = att.disposition === 'inline' || att.related === true;
    const document = isDocumentLike(filename, contentType);
    // Inline parts are signature images and logos unless they are the office files we want;
    // unnamed non-document parts (text/watch-html, calendar alternatives) are bodies, not files.
    if ((inline || !hasName) && !document) continue;
    attachments.push({ filename, contentType, content, inline });
  }

  const messageIdHeader = parsed.messageId?.trim();
  const messageIdDerived = !messageIdHeader || messageIdHeader === '<>';

  return {
    messageId: messageIdDerived
      ? `<${createHash('sha256').update(buf).digest('hex')}@lingjun.invalid>`
      : (messageIdHeader as string),
    messageIdDerived,
    from,
    authentication: await authenticateSender(
      parsed.headers.map((h) => ({ name: h.key, value: h.value })),
      authservId ? { authservId } : {},
    ),
    replyTo: mailboxes(parsed.replyTo),
    to: mailboxes(parsed.to),
    subject: parsed.subject ?? '',
    date: parseDate(parsed),
    inReplyTo: parsed.inReplyTo?.trim() || null,
    references: parsed.references?.match(/<[^<>\s]+>/g) ?? [],
    headers,
    attachments,
    text: parsed.text ?? '',
    kind,
    isReport,
    notices,
    size: buf.length,
  };
}

/**
 * Parses a raw inbound email (as SES stores it) into an InboundMail; throws MailParseError. `authservId` names
 * the server whose Authentication-Results header is trusted (SES's by default; an IMAP ingress that verifies
 * with mailauth prepends its own header and names itself).
 */
export async function parseInbound(
  raw: Uint8Array,
  opts: { authservId?: string } = {},
): Promise<InboundMail> {
  if (raw.byteLength === 0) throw new MailParseError('邮件内容为空，无法读取。');
  if (raw.byteLength > MAX_MESSAGE_BYTES) {
    throw new MailParseError(
      `邮件大小超过 ${MAX_MESSAGE_BYTES / 1024 / 1024} MB 上限，无法处理。请分多封邮件发送。`,
    );
  }
  return parseLevel(raw, 0, opts.authservId);
}

/** True only for ordinary mail from a usable sender: reports and automatic mail are never answered. */
export function shouldReply(mail: InboundMail, opts: { ownAddresses?: string[] } = {}): boolean {
  if (mail.kind !== 'normal' || mail.isReport) return false;
  const to = mail.from?.address.toLowerCase();
  if (!to || !/^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/.test(to)) return false;
  // Never answer our own mailbox: a reply to a reply would loop.
  return !(opts.ownAddresses ?? []).some((a) => a.toLowerCase() === to);
}
