import PostalMime, { type Attachment } from 'postal-mime';
import { normalizeHeaderBytes } from './charset.ts';
import { MAX_MESSAGE_BYTES, MAX_PART_NESTING } from './parse.ts';

/** One recipient a delivery status notification reports on (RFC 3464 §2.3). */
export interface DsnRecipient {
  /** The address the mail was sent to: Original-Recipient when the MTA gives it, else Final-Recipient. */
  address: string;
  /** delivered, delayed, failed, relayed or expanded (lower case). */
  action: string;
  /** The status code, e.g. 5.1.1; '' when absent. */
  status: string;
}

/** What a delivery status notification says about the message it returns. */
export interface DeliveryReport {
  /** Message-ID (with angle brackets) of the returned message, from its headers part; null when absent. */
  originalMessageId: string | null;
  /** Original-Envelope-Id of the per-message fields; null when absent. */
  envelopeId: string | null;
  recipients: DsnRecipient[];
}

const STATUS_TYPES = new Set(['message/delivery-status', 'message/global-delivery-status']);
const RETURNED_TYPES = new Set([
  'text/rfc822-headers',
  'text/rfc822-header',
  'message/rfc822',
  'message/global',
  'message/global-headers',
]);

/**
 * Reads the delivery-status report of a DSN (multipart/report; report-type=delivery-status): who failed
 * and which message it returns. Undefined when the mail has no delivery-status part.
 */
export async function parseDeliveryReport(raw: Uint8Array): Promise<DeliveryReport | undefined> {
  if (raw.byteLength === 0 || raw.byteLength > MAX_MESSAGE_BYTES) return undefined;
  const parsed = await PostalMime.parse(normalizeHeaderBytes(Buffer.from(raw)), {
    forceRfc822Attachments: true,
    attachmentEncoding: 'arraybuffer',
    maxNestingDepth: MAX_PART_NESTING,
  }).catch(() => undefined);
  if (!parsed) return undefined;
  const status = parsed.attachments.find((a) => STATUS_TYPES.has(a.mimeType.toLowerCase()));
  if (!status) return undefined;
  const [perMessage = new Map<string, string>(), ...perRecipient] = fieldGroups(textOf(status));
  const recipients: DsnRecipient[] = [];
  for (const group of perRecipient) {
    const address = addressOf(group.get('original-recipient')) ?? addressOf(group.get('final-recipient'));
    if (!address) continue;
    recipients.push({
      address,
      action: (group.get('action') ?? '').trim().toLowerCase(),
      status: (group.get('status') ?? '').trim().split(/\s/)[0] ?? '',
    });
  }
  const returned = parsed.attachments.find((a) => RETURNED_TYPES.has(a.mimeType.toLowerCase()));
  return {
    originalMessageId: returned ? await returnedMessageId(returned) : null,
    envelopeId: perMessage.get('original-envelope-id')?.trim() || null,
    recipients,
  };
}

/** True for a recipient the report says permanently failed (Action: failed, Status 5.x.x). */
export function permanentlyFailed(r: DsnRecipient): boolean {
  return r.action === 'failed' && /^5\./.test(r.status);
}

function textOf(part: Attachment): string {
  const c = part.content;
  return typeof c === 'string' ? c : new TextDecoder().decode(c);
}

/** The status body's field groups (blank-line separated), names lower-cased, folded lines joined. */
function fieldGroups(text: string): Map<string, string>[] {
  return text
    .replace(/\r\n/g, '\n')
    .split(/\n[ \t]*\n/)
    .map((block) => {
      const fields = new Map<string, string>();
      for (const line of block.replace(/\n[ \t]+/g, ' ').split('\n')) {
        const m = /^([A-Za-z0-9-]+)[ \t]*:(.*)$/.exec(line);
        if (m && !fields.has(m[1]!.toLowerCase())) fields.set(m[1]!.toLowerCase(), m[2]!.trim());
      }
      return fields;
    })
    .filter((g) => g.size > 0);
}

/** `rfc822; someone@example.cn` → the address; other address types are not mail we sent. */
function addressOf(field: string | undefined): string | undefined {
  const m = /^\s*(?:rfc822|utf-8)\s*;\s*<?([^\s<>;]+@[^\s<>;]+?)>?\s*$/i.exec(field ?? '');
  return m?.[1]?.toLowerCase();
}

/** Message-ID of the returned message or headers part. */
async function returnedMessageId(part: Attachment): Promise<string | null> {
  // A headers-only part is a header block: parsed as a message with an empty body.
  const bytes = typeof part.content === 'string' ? new TextEncoder().encode(part.content) : part.content;
  const text = new TextDecoder().decode(bytes);
  const headerBlock = text.split(/\r?\n\r?\n/)[0] ?? '';
  const parsed = await PostalMime.parse(`${headerBlock}\r\n\r\n`).catch(() => undefined);
  const id = parsed?.messageId?.trim();
  return id && /^<[^<>\s]+>$/.test(id) ? id : null;
}
