import { log } from '@lingjun/core';
import type { Bounces } from '@lingjun/registry';

/** A delivery problem SES reported for one of our mails, reduced to what the deadlines need. */
export interface DeliveryProblem {
  kind: 'bounce' | 'complaint';
  /** The SES message id SendEmail returned for the mail. */
  messageId: string;
  /** Addresses that bounced (permanently) or complained. */
  recipients: string[];
  at: Date;
}

/** What recording a delivery problem did. */
export interface BounceOutcome {
  /** The region the mail was for; undefined when the mail is not one we remembered. */
  region?: string;
  recorded: number;
}

/**
 * Records a bounce or complaint against the region of the mail it answers, so the digest lists the region
 * and the next reminder goes to its other contacts. Mail we did not remember (sent before this existed, or
 * not region mail) is logged and left.
 */
export async function recordDeliveryProblem(
  bounces: Bounces,
  problem: DeliveryProblem,
): Promise<BounceOutcome> {
  const sent = await bounces.answered(problem.messageId);
  if (!sent) {
    log.warn('delivery problem for a mail not remembered', { kind: problem.kind });
    return { recorded: 0 };
  }
  for (const address of problem.recipients) {
    await bounces.record({
      region: sent.region,
      address,
      kind: problem.kind,
      messageId: problem.messageId,
      at: problem.at.toISOString(),
    });
  }
  log.info('delivery problem recorded', {
    kind: problem.kind,
    region: sent.region,
    mail: sent.kind,
    recipients: problem.recipients.length,
  });
  return { region: sent.region, recorded: problem.recipients.length };
}
