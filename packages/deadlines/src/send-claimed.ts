import { log, MailRefusedError } from '@lingjun/core';
import type { SendOnce } from '@lingjun/registry';

/**
 * Sends a scheduled mail whose send-once record this run has claimed, and marks it sent. A refusal (the mail
 * service answered with an error: the mail did not leave) gives the claim up, so the retry sends it at once
 * rather than after the lease; a mark that fails after the mail left is tried once more before the run fails,
 * since the retry would otherwise send the mail again once the lease ran out.
 */
export async function sendClaimed(
  sendOnce: Pick<SendOnce, 'markSent' | 'release'>,
  key: { pk: string; sk: string },
  send: () => Promise<string>,
): Promise<string> {
  let id: string;
  try {
    id = await send();
  } catch (error) {
    if (error instanceof MailRefusedError) await sendOnce.release(key.pk, key.sk);
    throw error;
  }
  try {
    await sendOnce.markSent(key.pk, key.sk, id, new Date());
  } catch (error) {
    log.warn('scheduled mail sent but not marked, marking again', { sk: key.sk, error: String(error) });
    await sendOnce.markSent(key.pk, key.sk, id, new Date());
  }
  return id;
}
