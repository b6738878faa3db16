/**
 * `lingjun start --ingress imap` end to end: the printed IMAP line is a working login to a real IMAP server;
 * a submission appended to its INBOX is answered into the outbox and leaves INBOX; Ctrl-C stops everything.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PASSING, withAuthenticationResults } from '@lingjun/local';
import { LOCAL_AUTHSERV_ID } from '@lingjun/local/imap-ingress';
import { ImapFlow } from 'imapflow';
import { simpleParser } from 'mailparser';
import { afterAll, describe, expect, it } from 'vitest';
import { testProgram } from '../../../test/support/intake.ts';
import { people, submission } from '../../../test/support/submission.ts';

const BIN = new URL('../../../bin/lingjun.mjs', import.meta.url).pathname;
let child: ChildProcess | undefined;
let state: string | undefined;

afterAll(async () => {
  if (child && child.exitCode === null) {
    child.kill('SIGINT');
    await new Promise((r) => child!.once('exit', r));
  }
  if (state) await rm(state, { recursive: true, force: true });
});

/** Resolves with the first stdout match of `re`, or rejects if the process exits first. */
function waitFor(proc: ChildProcess, re: RegExp, out: { text: string }): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const m = out.text.match(re);
      if (m) resolve(m);
    };
    proc.stdout!.on('data', check);
    proc.once('exit', (code) => reject(new Error(`lingjun start exited ${code}: ${out.text}`)));
    check();
  });
}

describe('lingjun start --ingress imap', () => {
  it('prints IMAP HOST:PORT USER PASSWORD; mail appended there is answered into the outbox', async () => {
    state = await mkdtemp(join(tmpdir(), 'lingjun-start-imap-'));
    const out = { text: '' };
    child = spawn(process.execPath, [BIN, 'start', '--ingress', 'imap', '--state', state], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (c: Buffer) => {
      out.text += c.toString();
    });
    child.stderr!.resume();
    const [, host, port, user, password] = await waitFor(child, /^IMAP (\S+):(\d+) (\S+) (\S+)$/m, out);
    const outboxDir = (await waitFor(child, /发件箱目录\s+(\S+)/, out))[1]!;
    // It tells whoever appends mail by hand which header the local poller trusts.
    await waitFor(child, new RegExp(`收件认证.*Authentication-Results: ${LOCAL_AUTHSERV_ID};`), out);

    const program = await testProgram();
    expect(user).toBe(program.mailbox);
    const { raw, messageId } = await submission({
      program,
      from: 'hbzxqy@163.com',
      region: '河北',
      classNo: 1,
      people: people(1, 701),
    });
    const client = new ImapFlow({
      host: host!,
      port: Number(port),
      secure: false,
      auth: { user: user!, pass: password! },
      logger: false,
    });
    await client.connect();
    // Mail appended by hand carries the header the local "organisation server" would add (aligned pass).
    const authenticated = withAuthenticationResults(raw, PASSING, {}, LOCAL_AUTHSERV_ID);
    await client.append('INBOX', authenticated, [], new Date('2025-06-05T10:00:00+08:00'));

    let reply: Buffer | undefined;
    for (let i = 0; i < 120 && !reply; i++) {
      await new Promise((r) => setTimeout(r, 500));
      for (const name of await readdir(outboxDir).catch(() => [])) {
        const bytes = await readFile(join(outboxDir, name));
        if ((await simpleParser(bytes)).inReplyTo === messageId) reply = bytes;
      }
    }
    expect(reply).toBeDefined();
    expect((await simpleParser(reply!)).subject).toContain('【全部受理】');
    // The reply goes out before the move (the outcome is recorded first), so the move may still be under way.
    let left = -1;
    for (let i = 0; i < 40 && left !== 0; i++) {
      left = (await client.status('INBOX', { messages: true })).messages ?? -1;
      if (left !== 0) await new Promise((r) => setTimeout(r, 250));
    }
    expect(left).toBe(0);
    await client.logout();

    child.kill('SIGINT');
    const code = await new Promise((r) => child!.once('exit', r));
    expect(code).toBe(0);
  }, 120_000);
});
