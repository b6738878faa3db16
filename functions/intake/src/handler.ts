import { LingjunError, log } from '@lingjun/core';
import type { SESEvent } from 'aws-lambda';

/**
 * SES receipt-rule entry point. Placeholder until the intake pipeline lands: throwing (rather than
 * returning) sends the event to the dead-letter queue, whose alarm tells the operator nothing was processed.
 */
export async function handler(event: SESEvent): Promise<void> {
  const messageIds = event.Records.map((r) => r.ses.mail.messageId);
  log.error('intake handler not implemented', { messageIds });
  throw new LingjunError('intake handler not implemented yet');
}
