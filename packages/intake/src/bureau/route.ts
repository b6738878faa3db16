/**
 * The intake entry point with the bureau in front. Only an admin's mail can be a command, so the command
 * handling (handle.ts: the commands, quota import, reports) loads with the first mail that names an admin
 * address; every other mail goes to intake without it (a smaller cold start, infra/test/cold-start.test.ts).
 */
import { MailParseError } from '@lingjun/core';
import { type InboundMail, parseInbound } from '@lingjun/mail';
import type { SESEvent } from 'aws-lambda';
import type { InboundRef } from '../context.ts';
import type { Outcome } from '../outcome.ts';
import { processInbound } from '../pipeline.ts';
import { inboundRefOf } from '../ses.ts';
import type { BureauDeps } from './deps.ts';

/**
 * The intake entry point with the bureau in front: parses the stored mail, lets an admin's command mail be
 * handled as a command, and hands everything else to processInbound unchanged.
 */
export async function routeInbound(ref: InboundRef, deps: BureauDeps): Promise<Outcome> {
  const raw = await deps.store.get(ref.rawKey);
  // Only an admin's mail can be a command: anything whose header block names no admin address goes straight
  // to intake without a second full parse (a 40 MB submission is parsed once).
  if (!mentionsAdmin(raw, deps.program.adminEmails)) return processInbound(ref, deps);
  let mail: InboundMail;
  try {
    mail = await parseInbound(raw, ref.authservId ? { authservId: ref.authservId } : {});
  } catch (error) {
    // Unparseable mail is intake's to keep and record.
    if (error instanceof MailParseError) return processInbound(ref, deps);
    throw error;
  }
  const { handleBureauMail } = await import('./handle.ts');
  const handled = await handleBureauMail(mail, ref, deps);
  return handled.handled ? handled.outcome : processInbound(ref, deps);
}

/** Every message of an SES receipt event through routeInbound (the bureau in front of intake), in order. */
export async function routeSesEvent(
  event: SESEvent,
  deps: BureauDeps,
  rawPrefix?: string,
): Promise<Outcome[]> {
  const out: Outcome[] = [];
  for (const record of event.Records) out.push(await routeInbound(inboundRefOf(record, rawPrefix), deps));
  return out;
}

/** True when the raw message's header block contains one of the admin addresses (case-insensitive). */
export function mentionsAdmin(raw: Uint8Array, admins: readonly string[]): boolean {
  const text = Buffer.from(raw.subarray(0, 64 * 1024)).toString('latin1');
  const end = text.search(/\r?\n\r?\n/);
  const head = (end < 0 ? text : text.slice(0, end)).toLowerCase();
  return admins.some((a) => head.includes(a.toLowerCase()));
}
