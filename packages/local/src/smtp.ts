import { mkdir, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { rawMailKey } from '@lingjun/aws';
import { log, maskText } from '@lingjun/core';
import type { SESEvent } from 'aws-lambda';
import { SMTPServer } from 'smtp-server';
import { type Clock, REAL_CLOCK } from './clock.ts';
import { withSesAuthenticationResults } from './ses-auth.ts';
import { buildSesEvent, sesMessageId, type Verdicts } from './ses-event.ts';

/** Called for every accepted inbound message, like the Lambda action of an SES receipt rule. */
export type InboundHandler = (event: SESEvent) => Promise<void>;

/** A running local SMTP receiver. */
export interface LocalSmtp {
  port: number;
  /** Resolves when every inbound handler started so far has settled. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

/** Lambda's asynchronous invocation: a failed event is tried twice more, about 1 and 2 minutes later. */
export const ASYNC_RETRY_DELAYS_MS: readonly number[] = [60_000, 120_000];

/** Largest message SES accepts for receipt (40 MB). */
const MAX_MESSAGE_BYTES = 40 * 1024 * 1024;

/**
 * Starts an SMTP listener that behaves like an SES receipt rule for the program mailbox: RCPT for any other
 * address is refused with 550; each message is stored raw in S3 under rawMailKey(id), the SMTP client gets
 * 250 once it is stored, and then `onInbound` runs asynchronously (SES invokes the Lambda as an Event).
 */
export async function startSmtp(opts: {
  port: number;
  mailbox: string;
  s3: S3Client;
  bucket: string;
  verdicts: (mail: { mailFrom: string; raw: Buffer }) => Verdicts;
  onInbound?: InboundHandler;
  /** Receipt times come from this clock (the stack's, a rehearsal one under `lingjun start --clock`). */
  clock?: Clock;
  /** Waits before each retry of a failed handler (default as Lambda's async invocation). */
  retryDelaysMs?: readonly number[];
  /** Where an event whose handler failed every attempt is written as <messageId>.json. */
  deadLetterDir?: string;
}): Promise<LocalSmtp> {
  const clock = opts.clock ?? REAL_CLOCK;
  const mailbox = opts.mailbox.toLowerCase();
  const pending = new Set<Promise<void>>();
  const retryDelays = opts.retryDelaysMs ?? ASYNC_RETRY_DELAYS_MS;
  // Retries waiting for their turn; stop() cancels them (the sweeper re-drives the mail at the next start).
  const waiting = new Set<() => void>();
  let stopping = false;

  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    banner: 'lingjun local SES receiver',
    size: MAX_MESSAGE_BYTES,
    closeTimeout: 1000,
    onRcptTo(address, _session, callback) {
      if (address.address.toLowerCase() === mailbox) return callback();
      const error = Object.assign(
        new Error(`Mailbox unavailable: ${address.address} (only ${opts.mailbox})`),
        {
          responseCode: 550,
        },
      );
      callback(error);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (stream.sizeExceeded) {
          return callback(Object.assign(new Error('Message too large'), { responseCode: 552 }));
        }
        const raw = Buffer.concat(chunks);
        const mailFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
        const recipients = session.envelope.rcptTo.map((r) => r.address);
        receive(raw, mailFrom, recipients).then(
          (messageId) => callback(null, `Ok ${messageId}`),
          (error: unknown) => {
            log.error('local SMTP: could not store inbound message', { error });
            callback(Object.assign(new Error('Temporary failure storing message'), { responseCode: 451 }));
          },
        );
      });
    },
  });

  async function receive(raw: Buffer, mailFrom: string, recipients: string[]): Promise<string> {
    const messageId = sesMessageId();
    const receivedAt = clock.now();
    const verdicts = opts.verdicts({ mailFrom, raw });
    // As SES does: the message is stored with the Authentication-Results header SES adds on receipt and its
    // scan verdicts, which the sweeper reads back from there.
    const scanned = `X-SES-Spam-Verdict: ${verdicts.spam}\r\nX-SES-Virus-Verdict: ${verdicts.virus}\r\n`;
    const stored = withSesAuthenticationResults(Buffer.concat([Buffer.from(scanned), raw]), verdicts);
    await opts.s3.send(
      new PutObjectCommand({ Bucket: opts.bucket, Key: rawMailKey(messageId), Body: stored }),
    );
    const event = await buildSesEvent({
      messageId,
      raw: stored,
      mailFrom,
      recipients,
      receivedAt,
      verdicts,
    });
    if (opts.onInbound) {
      const handler = opts.onInbound;
      const run: Promise<void> = deliver(handler, event, messageId).finally(() => pending.delete(run));
      pending.add(run);
    }
    return messageId;
  }

  /** Invokes the handler as Lambda invokes an async event: retried on failure, then dead-lettered. */
  async function deliver(handler: InboundHandler, event: SESEvent, messageId: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await handler(event);
        return;
      } catch (error) {
        const delay = retryDelays[attempt];
        log.error('local SMTP: inbound handler failed', { messageId, attempt: attempt + 1, error });
        if (delay === undefined) return deadLetter(event, messageId, error);
        if (!(await wait(delay))) return;
      }
    }
  }

  /** Resolves true after `ms`, or false as soon as the receiver stops. */
  function wait(ms: number): Promise<boolean> {
    if (stopping) return Promise.resolve(false);
    return new Promise((resolve) => {
      const cancel = () => {
        clearTimeout(timer);
        waiting.delete(cancel);
        resolve(false);
      };
      const timer = setTimeout(() => {
        waiting.delete(cancel);
        resolve(true);
      }, ms);
      waiting.add(cancel);
    });
  }

  async function deadLetter(event: SESEvent, messageId: string, error: unknown): Promise<void> {
    if (!opts.deadLetterDir) return;
    await mkdir(opts.deadLetterDir, { recursive: true });
    const reason = maskText(error instanceof Error ? error.message : String(error));
    const body = `${JSON.stringify({ messageId, failedAt: new Date().toISOString(), error: reason, event }, null, 2)}\n`;
    await writeFile(join(opts.deadLetterDir, `${messageId}.json`), body);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, '127.0.0.1', () => resolve());
  });
  server.on('error', (error) => log.error('local SMTP error', { error }));

  const idle = async () => {
    while (pending.size > 0) await Promise.allSettled([...pending]);
  };
  return {
    port: (server.server.address() as AddressInfo).port,
    idle,
    async stop() {
      stopping = true;
      for (const cancel of [...waiting]) cancel();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await idle();
    },
  };
}
