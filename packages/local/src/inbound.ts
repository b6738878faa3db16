import { type AwsConfig, stackProgram } from '@lingjun/aws';
import { log, once } from '@lingjun/core';
import type { Program } from '@lingjun/program';
import { type Clock, REAL_CLOCK } from './clock.ts';
import type { InboundHandler } from './smtp.ts';

/**
 * The seam between the local SMTP receiver and the intake pipeline: what `lingjun start` runs for each
 * accepted message. It calls the intake Lambda's own entry point, so local mail takes the AWS code path.
 */
export function inboundHandlerFor(
  config: AwsConfig,
  seed: Program,
  clock: Clock = REAL_CLOCK,
): InboundHandler {
  // The stack's current published version, as the deployed function reads it; `seed` if none was published.
  const program = stackProgram(
    () => config,
    async () => seed,
  );
  // Loaded on first mail, so starting the stack does not pay for the form readers.
  const intake = once(() => import('@lingjun/fn-intake'));
  return async (event) => {
    const { handleInbound } = await intake();
    const outcomes = await handleInbound(event, { config, program: await program(), now: () => clock.now() });
    for (const o of outcomes) {
      log.info('inbound mail processed', {
        messageId: o.messageId,
        status: o.status,
        region: o.region?.code,
      });
    }
  };
}
