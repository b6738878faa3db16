import { randomBytes } from 'node:crypto';
import type { SESEvent, SESMailHeader, SESReceiptStatus } from 'aws-lambda';
import PostalMime from 'postal-mime';

/** Verdict string SES puts in a receipt. */
export type Verdict = SESReceiptStatus['status'];

/** The five verdicts of an SES receipt; the local stack lets tests choose them. */
export interface Verdicts {
  spam: Verdict;
  virus: Verdict;
  spf: Verdict;
  dkim: Verdict;
  dmarc: Verdict;
}

/** Every check passed: the default for local mail. */
export const PASSING: Verdicts = { spam: 'PASS', virus: 'PASS', spf: 'PASS', dkim: 'PASS', dmarc: 'PASS' };

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** A random id shaped like SES's inbound message ids (40 lower-case letters and digits). */
export function sesMessageId(): string {
  const bytes = randomBytes(40);
  let id = '';
  for (const b of bytes) id += ALPHABET[b % ALPHABET.length];
  return id;
}

/** Builds the event SES hands a Lambda receipt action, from the raw message and its SMTP envelope. */
export async function buildSesEvent(input: {
  messageId: string;
  raw: Buffer;
  mailFrom: string;
  recipients: string[];
  receivedAt: Date;
  verdicts: Verdicts;
  functionArn?: string;
}): Promise<SESEvent> {
  const headerEnd = findHeaderEnd(input.raw);
  const headerBlock = input.raw.subarray(0, headerEnd);
  // Parsing only the header block keeps large attachments out of the receipt path, as in SES.
  const parsed = await PostalMime.parse(Buffer.concat([headerBlock, Buffer.from('\r\n\r\n')]));
  const headers: SESMailHeader[] = parsed.headers.map((h) => ({
    name: h.originalKey,
    value: h.value.replace(/\r?\n[ \t]/g, ' ').trim(),
  }));
  const raw = (name: string) => headers.find((h) => h.name.toLowerCase() === name)?.value;
  const list = (name: string) => {
    const v = raw(name);
    return v === undefined ? undefined : splitAddresses(v);
  };
  const timestamp = input.receivedAt.toISOString();
  return {
    Records: [
      {
        eventSource: 'aws:ses',
        eventVersion: '1.0',
        ses: {
          mail: {
            timestamp,
            source: input.mailFrom,
            messageId: input.messageId,
            destination: input.recipients,
            headersTruncated: false,
            headers,
            commonHeaders: {
              returnPath: input.mailFrom,
              ...(list('from') ? { from: list('from') } : {}),
              ...(list('to') ? { to: list('to') } : {}),
              ...(list('cc') ? { cc: list('cc') } : {}),
              ...(list('reply-to') ? { replyTo: list('reply-to') } : {}),
              date: raw('date') ?? '',
              messageId: raw('message-id') ?? '',
              ...(parsed.subject !== undefined ? { subject: parsed.subject } : {}),
            },
          },
          receipt: {
            timestamp,
            processingTimeMillis: 0,
            recipients: input.recipients,
            spamVerdict: { status: input.verdicts.spam },
            virusVerdict: { status: input.verdicts.virus },
            spfVerdict: { status: input.verdicts.spf },
            dkimVerdict: { status: input.verdicts.dkim },
            dmarcVerdict: { status: input.verdicts.dmarc },
            action: {
              type: 'Lambda',
              functionArn: input.functionArn ?? 'arn:aws:lambda:local:000000000000:function:lingjun-intake',
              invocationType: 'Event',
            },
          },
        },
      },
    ],
  };
}

function findHeaderEnd(raw: Buffer): number {
  const crlf = raw.indexOf('\r\n\r\n');
  const lf = raw.indexOf('\n\n');
  const ends = [crlf, lf].filter((i) => i >= 0);
  return ends.length > 0 ? Math.min(...ends) : raw.length;
}

/** Splits an address header on commas outside quotes and angle brackets (SES lists each address). */
function splitAddresses(value: string): string[] {
  const out: string[] = [];
  let current = '';
  let quoted = false;
  let angle = 0;
  for (const ch of value) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && ch === '<') angle++;
    else if (!quoted && ch === '>') angle = Math.max(0, angle - 1);
    if (ch === ',' && !quoted && angle === 0) {
      if (current.trim()) out.push(current.trim());
      current = '';
    } else current += ch;
  }
  if (current.trim()) out.push(current.trim());
  return out;
}
