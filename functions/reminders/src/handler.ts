import { LingjunError, log } from '@lingjun/core';

/** Daily scheduler entry point for deadline reminders and digests. Placeholder: fails loudly to the DLQ. */
export async function handler(event: unknown): Promise<void> {
  log.error('reminders handler not implemented', { event });
  throw new LingjunError('reminders handler not implemented yet');
}
