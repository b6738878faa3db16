import { SaxesParser } from 'saxes';

/**
 * Parses a mail's HTML body as XML, the strictest reading a mail client may apply: an unquoted or cut-short
 * attribute, an unclosed tag or a stray `&` throws with its line and column. For tests.
 */
export function parseStrictHtml(html: string): { elements: number; text: string } {
  const parser = new SaxesParser({ xmlns: false });
  let elements = 0;
  const text: string[] = [];
  let error: Error | undefined;
  parser.on('error', (e) => {
    error ??= e;
  });
  parser.on('opentag', () => {
    elements++;
  });
  parser.on('text', (t) => {
    text.push(t);
  });
  // One root, as XML requires; a full document (<html>) is parsed as it is.
  const body = /^\s*(<!DOCTYPE|<html)/i.test(html) ? html : `<root>${html}</root>`;
  parser.write(body).close();
  if (error) throw error;
  return { elements, text: text.join('') };
}

/**
 * A delivery status notification as an MTA writes it (RFC 3464: multipart/report; report-type=delivery-status
 * with a human part, the message/delivery-status fields and the returned message's headers). For tests.
 */
export function deliveryStatusNotification(input: {
  from: string;
  to: string;
  /** The returned message's Message-ID, with angle brackets. */
  originalMessageId: string;
  recipient: string;
  action?: string;
  status?: string;
  date?: Date;
}): Buffer {
  const boundary = 'dsn-boundary-0001';
  const date = (input.date ?? new Date('2025-06-05T03:00:00Z')).toUTCString().replace('GMT', '+0000');
  const lines = [
    `From: Mail Delivery System <${input.from}>`,
    `To: ${input.to}`,
    `Subject: Undelivered Mail Returned to Sender`,
    `Date: ${date}`,
    `Message-ID: <dsn-${input.originalMessageId.replace(/[<>@]/g, '')}@${input.from.split('@')[1]}>`,
    'Return-Path: <>',
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type=delivery-status; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=us-ascii',
    '',
    `Your message could not be delivered to <${input.recipient}>.`,
    '',
    `--${boundary}`,
    'Content-Type: message/delivery-status',
    '',
    `Reporting-MTA: dns; ${input.from.split('@')[1]}`,
    `Arrival-Date: ${date}`,
    '',
    `Final-Recipient: rfc822; ${input.recipient}`,
    `Original-Recipient: rfc822;${input.recipient}`,
    `Action: ${input.action ?? 'failed'}`,
    `Status: ${input.status ?? '5.1.1'}`,
    'Diagnostic-Code: smtp; 550 5.1.1 <recipient> User unknown',
    '',
    `--${boundary}`,
    'Content-Type: text/rfc822-headers',
    '',
    `From: ${input.to}`,
    `To: ${input.recipient}`,
    'Subject: =?UTF-8?B?5Zue5omn?=',
    `Message-ID: ${input.originalMessageId}`,
    '',
    `--${boundary}--`,
    '',
  ];
  return Buffer.from(lines.join('\r\n'));
}
