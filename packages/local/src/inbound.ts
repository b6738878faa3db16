import type { AwsConfig } from '@lingjun/aws';
import { rawMailKey } from '@lingjun/aws';
import { log } from '@lingjun/core';
import type { Program } from '@lingjun/program';
import type { SESEvent } from 'aws-lambda';
import type { InboundHandler } from './smtp.ts';

type HandleInbound = (event: SESEvent, deps: { config: AwsConfig; program: Program }) => Promise<unknown>;

/**
 * The seam between the local SMTP receiver and the intake pipeline: what `lingjun start` runs for each
 * accepted message. Uses `handleInbound` from @lingjun/intake once that package exports it; until then it
 * only logs where the raw message was stored.
 */
export function inboundHandlerFor(config: AwsConfig, program: Program): InboundHandler {
  let intake: Promise<HandleInbound | undefined> | undefined;
  return async (event) => {
    // Loaded on first mail, so starting the stack does not pay for the form readers.
    intake ??= import('@lingjun/intake').then((m) => {
      const fn = (m as Record<string, unknown>).handleInbound;
      return typeof fn === 'function' ? (fn as HandleInbound) : undefined;
    });
    const handle = await intake;
    if (handle) {
      await handle(event, { config, program });
      return;
    }
    for (const record of event.Records) {
      const { messageId, source } = record.ses.mail;
      log.info('inbound mail stored (intake pipeline not wired yet)', {
        messageId,
        from: source,
        bucket: config.bucketName,
        key: rawMailKey(messageId),
      });
    }
  };
}
