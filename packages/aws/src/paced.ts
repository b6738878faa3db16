import type { Mailer } from '@lingjun/core';
import pThrottle from 'p-throttle';

/**
 * A Mailer that starts at most `perSecond` sends in any second, so a job that sends concurrently stays
 * within the mail service's rate (SES refuses sends beyond the account's maximum send rate); sends wait
 * their turn rather than fail.
 */
export function pacedMailer(mailer: Mailer, perSecond: number): Mailer {
  // A fractional rate (SES sandbox accounts have 1/s; some have less) becomes one send per 1/rate seconds.
  const limit = Math.max(1, Math.floor(perSecond));
  const throttle = pThrottle({ limit, interval: Math.round((1000 * limit) / perSecond), strict: true });
  const send = throttle((message: Parameters<Mailer['sendRaw']>[0]) => mailer.sendRaw(message));
  return { sendRaw: (message) => send(message) };
}
