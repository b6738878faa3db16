import type { SESEvent, SESEventRecord } from 'aws-lambda';
import type { InboundRef, IntakeDeps } from './context.ts';
import type { Outcome } from './outcome.ts';
import { processInbound } from './pipeline.ts';

const status = (v: { status?: string } | undefined) => v?.status ?? 'PASS';

/** Maps one SES receipt record to the pipeline's input; the raw message lies under `<prefix><messageId>`. */
export function inboundRefOf(record: SESEventRecord, rawPrefix = 'inbound/'): InboundRef {
  const { mail, receipt } = record.ses;
  return {
    sesMessageId: mail.messageId,
    rawKey: `${rawPrefix}${mail.messageId}`,
    receivedAt: new Date(receipt.timestamp || mail.timestamp),
    verdicts: {
      spam: status(receipt.spamVerdict),
      virus: status(receipt.virusVerdict),
      spf: status(receipt.spfVerdict),
      dkim: status(receipt.dkimVerdict),
      dmarc: status(receipt.dmarcVerdict),
    },
  };
}

/** Processes every message of an SES receipt event, in order. */
export async function handleSesEvent(
  event: SESEvent,
  deps: IntakeDeps,
  rawPrefix?: string,
): Promise<Outcome[]> {
  const out: Outcome[] = [];
  for (const record of event.Records) out.push(await processInbound(inboundRefOf(record, rawPrefix), deps));
  return out;
}
