/**
 * issue 14: ten emails answered 250 by the SMTP inbox, then the stack was killed: after restart they sat
 * without outcome or reply, and DynamoDB Local (its own process group) outlived the crash. Now the Java
 * process dies with the stack, and the restarted stack's sweeper brings every accepted email to one outcome
 * and one reply, with no operator action: a reply SES took before the kill is known from SES's Send event and
 * not sent again.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { services } from '@lingjun/aws';
import { INTAKE_LEASE_MAX_MS } from '@lingjun/core';
import { localDeliveryEvents } from '@lingjun/fn-bounces';
import { localSweep, runSweep } from '@lingjun/fn-sweeper';
import { SEND_EVIDENCE_GRACE_MS } from '@lingjun/intake';
import { type StackFile, startLocalStack } from '@lingjun/local';
import { loadProgram } from '@lingjun/program';
import { simpleParser } from 'mailparser';
import nodemailer from 'nodemailer';
import { describe, expect, it } from 'vitest';
import { buildEmail } from '../support/email.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const PROGRAM = join(ROOT, 'examples/program-2025.json');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function stackFile(stateDir: string, child: ChildProcess): Promise<StackFile> {
  for (let i = 0; i < 1200; i++) {
    if (child.exitCode !== null) throw new Error(`lingjun start exited ${child.exitCode}`);
    try {
      return JSON.parse(await readFile(join(stateDir, 'stack.json'), 'utf8')) as StackFile;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error('lingjun start did not come up');
}

describe.skipIf(process.env.LINGJUN_NO_STACK === '1')('a killed local stack', () => {
  it('leaves no DynamoDB Local behind; after restart every accepted email has one outcome and one reply', async () => {
    const program = await loadProgram(PROGRAM);
    const stateDir = await mkdtemp(join(tmpdir(), 'lingjun-crash-'));
    const child = spawn(
      process.execPath,
      [join(ROOT, 'bin/lingjun.mjs'), 'start', '--program', PROGRAM, '--state', stateDir],
      { cwd: ROOT, detached: true, stdio: 'ignore' },
    );
    const file = await stackFile(stateDir, child);
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: file.smtpPort, secure: false });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { raw, messageId } = await buildEmail({ from: `crash${i}@example.cn`, attachments: [] });
      const info = await transport.sendMail({
        envelope: { from: `crash${i}@example.cn`, to: [program.mailbox] },
        raw,
      });
      expect(info.response).toMatch(/^250/);
      ids.push(messageId);
    }
    // The crash: right after the 250s, whatever the handlers had done by then.
    process.kill(child.pid as number, 'SIGKILL');
    await expect.poll(() => alive(file.dynamoPid), { timeout: 15_000 }).toBe(false);

    // What the killed run left, read before anything re-drives it: which states the kill caught the emails in.
    const left = await startLocalStack({ program, stateDir });
    try {
      const records = await services(left.config, program.year).registry.listMessages();
      console.info('states the kill left', records.map((m) => m.status).sort());
    } finally {
      await left.stop();
    }

    const restartedAt = Date.now();
    // As lingjun start restarts: Send events the killed stack's SES wrote reach the bounces function first.
    const stack = await startLocalStack({
      program,
      stateDir,
      sweep: localSweep(program),
      sesEvents: localDeliveryEvents(program),
    });
    try {
      const { registry } = services(stack.config, program.year);
      // The start-up sweep re-drives what had no record; a claim the killed run held is re-driven by a later
      // sweep once its lease has run out, and a send it took once SES's evidence could have come in (here: a
      // sweep acting for that later instant).
      // Wait until the start-up sweep has finished what it took (records it touched are done); only the claims
      // the killed run left behind may still be open. A sweep acting for a later instant before that would
      // take over a run still in progress here, which time cannot do.
      await expect
        .poll(
          async () => {
            const records = await registry.listMessages();
            return (
              records.length === 3 &&
              records.every((m) => m.status === 'done' || Date.parse(m.updatedAt) < restartedAt)
            );
          },
          { timeout: 60_000 },
        )
        .toBe(true);
      await runSweep({
        config: stack.config,
        program,
        now: new Date(Date.now() + Math.max(INTAKE_LEASE_MAX_MS, SEND_EVIDENCE_GRACE_MS) + 1),
        minAgeMs: 0,
      });
      await expect
        .poll(async () => (await registry.listMessages()).every((m) => m.status === 'done'), {
          timeout: 60_000,
        })
        .toBe(true);
      const replies = new Map<string, number>();
      for (const name of await readdir(stack.outboxDir)) {
        if (!name.endsWith('.eml')) continue;
        const mail = await simpleParser(await readFile(join(stack.outboxDir, name)));
        if (mail.inReplyTo) replies.set(mail.inReplyTo, (replies.get(mail.inReplyTo) ?? 0) + 1);
      }
      // Whatever the kill interrupted, a reply SES had taken included: exactly one reply per email.
      for (const id of ids) expect(replies.get(id), id).toBe(1);
    } finally {
      await stack.stop();
      await rm(stateDir, { recursive: true, force: true });
    }
  });
});
