/**
 * The local SMTP path (what an SES receipt rule does: store raw mail in S3, invoke the intake handler) and
 * `lingjun ingest` give the same outcome for the same message.
 */
import { readFile } from 'node:fs/promises';
import { services } from '@lingjun/aws';
import type { Outcome } from '@lingjun/intake';
import { inboundHandlerFor, type LocalStack, startLocalStack } from '@lingjun/local';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness, testProgram } from '../support/intake.ts';

// Deadlines far ahead, so "now" (the SMTP receipt time) is in time for every class.
const future = (p: Record<string, unknown>) => {
  p.classes = (p.classes as { no: number }[]).map((c) => ({
    ...c,
    start: `2099-07-${String(c.no).padStart(2, '0')}`,
    end: `2099-07-${String(c.no + 3).padStart(2, '0')}`,
    deadline: '2099-06-20',
  }));
};

describe('local SMTP receiving and lingjun ingest agree', () => {
  let stack: LocalStack;
  beforeAll(async () => {
    const program = await testProgram(future);
    let handler: ReturnType<typeof inboundHandlerFor> | undefined;
    stack = await startLocalStack({ program, onInbound: (e) => (handler ? handler(e) : Promise.resolve()) });
    handler = inboundHandlerFor(stack.config, program);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('gives the same outcome for the Foxmail sample', async () => {
    const program = await testProgram(future);
    const raw = await readFile(new URL('../fixtures/mail/foxmail-hebei-class1.eml', import.meta.url));
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: stack.smtpPort, secure: false });
    await transport.sendMail({
      envelope: { from: 'hbzxqy@163.com', to: [program.mailbox] },
      raw,
    });
    transport.close();
    await stack.idle();
    const viaSmtp = (await services(stack.config, program.year).registry.listMessages()).map(
      (m) => m.outcome as Outcome,
    );
    expect(viaSmtp).toHaveLength(1);

    const h = await harness(program);
    const [viaIngest] = await h.ingest([raw]);
    const comparable = ({ receivedAt: _r, ...o }: Outcome) => o;
    expect(comparable(viaSmtp[0]!)).toEqual(comparable(viaIngest!));
    expect(viaIngest?.status).toBe('accepted');
  });
});
