import type { AwsConfig } from '@lingjun/aws';
import { log } from '@lingjun/core';

/** The inbound sweep as the local stack runs it (the sweeper function's local entry). */
export interface LocalSweep {
  everyMs: number;
  /** Sweeps the stack at `config`; `atStartUp` is true for the first run, made as soon as the stack is up. */
  run(config: AwsConfig, atStartUp: boolean): Promise<void>;
}

/**
 * Runs the sweep once at start-up and then every `everyMs`, never two at a time: mail accepted before a crash
 * of the previous stack ends in an outcome without anyone asking. A failed sweep is logged and tried again
 * at the next turn, as the AWS schedule would.
 */
export function startSweeper(sweep: LocalSweep, config: AwsConfig): { stop(): Promise<void> } {
  let running: Promise<void> | undefined;
  let stopped = false;
  const turn = (atStartUp: boolean) => {
    if (running || stopped) return;
    running = sweep
      .run(config, atStartUp)
      .catch((error: unknown) => log.error('local inbound sweep failed', { error }))
      .finally(() => {
        running = undefined;
      });
  };
  turn(true);
  const timer = setInterval(() => turn(false), sweep.everyMs);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
