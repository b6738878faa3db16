import { type AwsConfig, configFromEnv, documentClient } from '@lingjun/aws';
import { SEND_TAG } from '@lingjun/core';
import { type BounceOutcome, type DeliveryProblem, recordDeliveryProblem } from '@lingjun/deadlines';
import { deployedProgram, type Program } from '@lingjun/program';
import { Bounces, SendEvidence } from '@lingjun/registry';

/** The part of an SES event (configuration set → EventBridge) this function reads. */
export interface SesDeliveryEvent {
  'detail-type'?: string;
  detail?: {
    eventType?: string;
    mail?: { messageId?: string; timestamp?: string; tags?: Record<string, string[] | undefined> };
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

/**
 * The evidence a Send event gives that a tagged mail left: SES took it (the mail's `SEND_TAG` and SES's id).
 * Undefined for any other event, or a mail sent without the tag.
 */
export function sendEvidenceOf(
  event: SesDeliveryEvent,
): { tag: string; mailerId: string; at: string } | undefined {
  const d = event.detail;
  const tag = d?.mail?.tags?.[SEND_TAG]?.[0];
  if (d?.eventType !== 'Send' || !tag || !d.mail?.messageId) return undefined;
  return { tag, mailerId: d.mail.messageId, at: d.mail.timestamp ?? new Date().toISOString() };
}

/** What one event did: a recorded delivery problem, or `sent` when it was a tagged mail's Send event. */
export type DeliveryEventResult = BounceOutcome & { sent?: string };

/** Records the event's problem, or a Send event's evidence, with explicit configuration (tests, the Lambda, the local stack). */
export async function handleDeliveryEvent(
  event: SesDeliveryEvent,
  ctx: { config: AwsConfig; program: Program },
): Promise<DeliveryEventResult> {
  const db = documentClient(ctx.config);
  const sent = sendEvidenceOf(event);
  if (sent) {
    await new SendEvidence(db, ctx.config.tableName).record(sent.tag, {
      mailerId: sent.mailerId,
      at: sent.at,
    });
    return { recorded: 0, sent: sent.tag };
  }
  const problem = deliveryProblem(event);
  if (!problem) return { recorded: 0 };
  return recordDeliveryProblem(new Bounces(db, ctx.config.tableName, ctx.program.year), problem);
}

/** EventBridge entry point: send, bounce and complaint events of the outbound configuration set. */
export async function handler(event: SesDeliveryEvent): Promise<DeliveryEventResult> {
  return handleDeliveryEvent(event, { config: configFromEnv(), program: await deployedProgram() });
}

/**
 * The local stack's delivery of the Send events its SES writes, through this function's own entry, as
 * the configuration set's EventBridge rule delivers them in AWS.
 */
export function localDeliveryEvents(program: Program) {
  return (config: AwsConfig) => async (event: SesDeliveryEvent) => {
    await handleDeliveryEvent(event, { config, program });
  };
}
