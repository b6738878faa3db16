import { type AwsConfig, configFromEnv, documentClient } from '@lingjun/aws';
import { type BounceOutcome, type DeliveryProblem, recordDeliveryProblem } from '@lingjun/deadlines';
import { deployedProgram, type Program } from '@lingjun/program';
import { Bounces } from '@lingjun/registry';

/** The part of an SES event (configuration set → EventBridge) this function reads. */
export interface SesDeliveryEvent {
  'detail-type'?: string;
  detail?: {
    eventType?: string;
    mail?: { messageId?: string; timestamp?: string };
    bounce?: { bounceType?: string; timestamp?: string; bouncedRecipients?: { emailAddress?: string }[] };
    complaint?: { timestamp?: string; complainedRecipients?: { emailAddress?: string }[] };
  };
}

/**
 * The problem an SES event reports, or undefined when it is nothing to act on: a transient bounce (a full
 * mailbox, a greylisting server) says nothing about the address, so only permanent bounces count.
 */
export function deliveryProblem(event: SesDeliveryEvent): DeliveryProblem | undefined {
  const d = event.detail;
  const messageId = d?.mail?.messageId;
  if (!d || !messageId) return undefined;
  const addresses = (list: { emailAddress?: string }[] | undefined) =>
    (list ?? []).map((r) => r.emailAddress).filter((a): a is string => Boolean(a));
  if (d.eventType === 'Bounce' && d.bounce?.bounceType === 'Permanent') {
    const at = new Date(d.bounce.timestamp ?? d.mail?.timestamp ?? Date.now());
    return { kind: 'bounce', messageId, recipients: addresses(d.bounce.bouncedRecipients), at };
  }
  if (d.eventType === 'Complaint' && d.complaint) {
    const at = new Date(d.complaint.timestamp ?? d.mail?.timestamp ?? Date.now());
    return { kind: 'complaint', messageId, recipients: addresses(d.complaint.complainedRecipients), at };
  }
  return undefined;
}

/** Records the event's problem with explicit configuration (tests and the Lambda). */
export async function handleDeliveryEvent(
  event: SesDeliveryEvent,
  ctx: { config: AwsConfig; program: Program },
): Promise<BounceOutcome> {
  const problem = deliveryProblem(event);
  if (!problem) return { recorded: 0 };
  return recordDeliveryProblem(
    new Bounces(documentClient(ctx.config), ctx.config.tableName, ctx.program.year),
    problem,
  );
}

/** EventBridge entry point: bounce and complaint events of the outbound configuration set. */
export async function handler(event: SesDeliveryEvent): Promise<BounceOutcome> {
  return handleDeliveryEvent(event, { config: configFromEnv(), program: await deployedProgram() });
}
