import type { SESEventRecord } from 'aws-lambda';
import type { InboundRef } from './context.ts';

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
