import { LingjunError, log } from '@lingjun/core';

/** Daily scheduler entry point for course-end work (completion, certificates). Placeholder: fails loudly. */
export async function handler(event: unknown): Promise<void> {
  log.error('course-end handler not implemented', { event });
  throw new LingjunError('course-end handler not implemented yet');
}
