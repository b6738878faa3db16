import { rawMailKey } from '@lingjun/aws';
import type { BlobStore } from '@lingjun/core';
import type { SESEvent } from 'aws-lambda';
import { type AuthDomains, withSesAuthenticationResults } from './ses-auth.ts';
import { buildSesEvent, sesMessageId, type Verdicts } from './ses-event.ts';

/**
 * What an SES receipt rule does with a message, outside the SMTP receiver: adds the Authentication-Results
 * header SES writes, stores the raw message under `inbound/`, and gives the event the rule invokes intake
 * with (`lingjun ingest`, the bench's bundle runs).
 */
export async function receiveAsSes(
  store: BlobStore,
  raw: Buffer,
  receipt: {
    mailFrom: string;
    recipients: string[];
    receivedAt: Date;
    verdicts: Verdicts;
    domains?: AuthDomains;
  },
): Promise<SESEvent> {
  const stored = withSesAuthenticationResults(raw, receipt.verdicts, receipt.domains);
  const messageId = sesMessageId();
  await store.put(rawMailKey(messageId), stored, 'message/rfc822');
  return buildSesEvent({
    messageId,
    raw: stored,
    mailFrom: receipt.mailFrom,
    recipients: receipt.recipients,
    receivedAt: receipt.receivedAt,
    verdicts: receipt.verdicts,
  });
}
