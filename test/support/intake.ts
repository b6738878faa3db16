/**
 * A harness that runs emails through the real intake path against the shared local stack: each harness gets
 * its own DynamoDB table (so test files cannot see each other's registrations), and `ingest` runs the
 * `lingjun ingest` command in-process against that table.
 */
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AwsConfig, keySecretFromEnv, services } from '@lingjun/aws';
import type { Mailer } from '@lingjun/core';
import type { InboundRef, IntakeDeps, Outcome } from '@lingjun/intake';
import { type Program, parseProgram } from '@lingjun/program';
import { simpleParser } from 'mailparser';
import { isolatedTable, localStackInfo } from '../setup/aws.ts';

/** The illustrative 2025 program, optionally changed for a test. */
export async function testProgram(change?: (p: Record<string, unknown>) => void): Promise<Program> {
  const data = JSON.parse(
    await readFile(new URL('../../examples/program-2025.json', import.meta.url), 'utf8'),
  );
  change?.(data);
  return parseProgram(data);
}

export interface Harness {
  config: AwsConfig;
  stateDir: string;
  program: Program;
  programFile: string;
  /** Runs `lingjun ingest --json` in-process on raw emails (`auth` as `--auth` takes it); one outcome per email. */
  ingest(raws: Buffer[], opts?: { receivedAt?: string; auth?: string }): Promise<Outcome[]>;
  /** Runs a `lingjun` command in-process with this harness's --program, --state and --json. */
  cli(args: string[]): Promise<{ code: number; stdout: string; json: Record<string, unknown>[] }>;
  /** Deps for calling the pipeline directly (concurrency and fault tests). */
  deps(overrides?: Partial<IntakeDeps>): IntakeDeps;
  /** Replies in the local SES outbox that answer this Message-ID. */
  repliesTo(messageId: string): Promise<Buffer[]>;
  /** Mails in the outbox sent to an address (notices to the bureau). */
  sentTo(address: string, since?: number): Promise<Buffer[]>;
}

/** A harness on a fresh table for a program. */
export async function harness(program?: Program): Promise<Harness> {
  const config = await isolatedTable('intake');
  // Test files run in parallel against one SES outbox, and the sample emails share Message-IDs: a mailbox of
  // its own per harness (the From of every reply) keeps each test's replies apart.
  const prog = {
    ...(program ?? (await testProgram())),
    mailbox: `jiayue+${config.tableName.slice(-12)}@miitec.cn`,
  };
  const info = localStackInfo();
  const stateDir = await mkdtemp(join(tmpdir(), 'lingjun-intake-'));
  const programFile = join(stateDir, 'program.json');
  await writeFile(programFile, JSON.stringify(prog));
  // Advertise the shared stack for this state folder, with this harness's table, so `lingjun ingest
  // --state` reuses it instead of starting a stack of its own.
  await writeFile(
    join(stateDir, 'stack.json'),
    JSON.stringify({
      pid: process.pid,
      dynamoPid: 0,
      config,
      smtpPort: info.smtpPort,
      sesViewerUrl: info.sesViewerUrl,
      outboxDir: info.outboxDir,
      startedAt: new Date().toISOString(),
    }),
  );
  const outbox = async (filter: (mail: Awaited<ReturnType<typeof simpleParser>>) => boolean, since = 0) => {
    const out: Buffer[] = [];
    for (const name of await readdir(info.outboxDir)) {
      if (!name.endsWith('.eml')) continue;
      const raw = await readFile(join(info.outboxDir, name));
      const mail = await simpleParser(raw, { skipHtmlToText: true, skipTextToHtml: true });
      if ((mail.date?.getTime() ?? 0) >= since && filter(mail)) out.push(raw);
    }
    return out;
  };
  const h: Harness = {
    config,
    stateDir,
    program: prog,
    programFile,
    async ingest(raws, opts = {}) {
      const files: string[] = [];
      for (const [i, raw] of raws.entries()) {
        const f = join(stateDir, `mail-${Date.now()}-${i}.eml`);
        await writeFile(f, raw);
        files.push(f);
      }
      const res = await h.cli([
        'ingest',
        ...(opts.receivedAt ? ['--received-at', opts.receivedAt] : []),
        ...(opts.auth ? ['--auth', opts.auth] : []),
        ...files,
      ]);
      if (res.code !== 0) throw new Error(`lingjun ingest exited ${res.code}: ${res.stdout}`);
      return res.json as unknown as Outcome[];
    },
    async cli(args) {
      const { main } = await import('@lingjun/cli');
      const chunks: string[] = [];
      const write = process.stdout.write.bind(process.stdout);
      process.stdout.write = ((chunk: string | Uint8Array) => {
        chunks.push(String(chunk));
        return true;
      }) as typeof process.stdout.write;
      let code: number;
      try {
        const [name, ...rest] = args;
        code = await main([name!, '--program', programFile, '--state', stateDir, '--json', ...rest]);
      } finally {
        process.stdout.write = write;
      }
      const stdout = chunks.join('');
      const json = stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        // Log lines are JSON too; results carry no log level.
        .filter((o) => o.level === undefined);
      return { code, stdout, json };
    },
    deps(overrides = {}) {
      return { ...services(config, prog.year), program: prog, keySecret: keySecretFromEnv(), ...overrides };
    },
    repliesTo(messageId) {
      return outbox((m) => m.inReplyTo === messageId && m.from?.value[0]?.address === prog.mailbox);
    },
    sentTo(address, since) {
      return outbox((m) => {
        const to = Array.isArray(m.to) ? m.to : m.to ? [m.to] : [];
        const fromUs = m.from?.value[0]?.address === prog.mailbox;
        return fromUs && to.some((t) => t.value.some((v) => v.address === address));
      }, since);
    },
  };
  return h;
}

/** Stores a raw email under a fresh SES id, as SES would (authentication passed), and returns the pipeline input. */
export async function storeInbound(
  h: Harness,
  raw: Buffer,
  receivedAt = new Date('2025-06-05T02:00:00Z'),
): Promise<InboundRef> {
  const { PASSING, sesMessageId, withSesAuthenticationResults } = await import('@lingjun/local');
  const { rawMailKey } = await import('@lingjun/aws');
  const id = sesMessageId();
  // Stored as SES stores it: with the Authentication-Results header it adds on receipt (aligned pass).
  await h.deps().store.put(rawMailKey(id), withSesAuthenticationResults(raw, PASSING));
  return {
    sesMessageId: id,
    rawKey: rawMailKey(id),
    receivedAt,
    verdicts: { spam: 'PASS', virus: 'PASS', spf: 'PASS', dkim: 'PASS', dmarc: 'PASS' },
  };
}

/** A mailer that sends through the real one and counts what it sent. */
export function countingMailer(inner: Mailer): Mailer & { sent: { to: string[] }[] } {
  const sent: { to: string[] }[] = [];
  return {
    sent,
    async sendRaw(m) {
      const id = await inner.sendRaw(m);
      sent.push({ to: m.to });
      return id;
    },
  };
}
