/**
 * The season's last evening: 37 regions × 9 classes of submissions processed by 4 concurrent workers with
 * processInbound against DynamoDB Local, S3 and SES of the local stack. One email per region is delivered
 * twice at once (SES may deliver twice). Afterwards the table is read back: every email must have one
 * finished outcome, no region may hold more places than its quota, and no enterprise or person may hold
 * two places. Throughput is compared with a serial run of a subset on a fresh table.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { CreateTableCommand, DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { type AwsConfig, dynamoDbClient, keySecretFromEnv, rawMailKey, services } from '@lingjun/aws';
import { setLogSink, TransientError } from '@lingjun/core';
import { type InboundRef, type IntakeDeps, type Outcome, processInbound } from '@lingjun/intake';
import { PASSING, sesMessageId, withSesAuthenticationResults } from '@lingjun/local';
import { type Program, parseProgram, programRegions } from '@lingjun/program';
import { createTableInput, type Registration } from '@lingjun/registry';
import { BURST_CLASSES, BURST_QUOTA, type Fixtures } from '../fixtures.ts';

/** What the burst reports (the `burst` key of the JSON line). */
export interface BurstResult {
  emails: number;
  redelivered: number;
  outcomes: Record<string, number>;
  /** QUOTA_EXCEEDED / ENTERPRISE_DUPLICATE / PERSON_DUPLICATE findings in the replies. */
  findings: Record<string, number>;
  lost: number;
  quota_overrun: number;
  duplicate_registrations: number;
  /** Emails that got more than one non-duplicate outcome (a redelivery processed as new). */
  answered_twice: number;
  emails_per_s: number;
  serial_emails_per_s: number;
  serial_emails: number;
  emails_per_s_ratio_to_serial: number;
  retries: number;
  wall_s: number;
}

/** One email for the pipeline: its bytes and the reference SES would pass. */
export interface Job {
  raw: Buffer;
  ref: InboundRef;
}

/** Runs fn on a fresh table of the local stack, dropped afterwards. */
export async function withTable<T>(config: AwsConfig, fn: (cfg: AwsConfig) => Promise<T>): Promise<T> {
  const cfg = { ...config, tableName: `burst-${randomUUID()}` };
  const admin = dynamoDbClient(cfg);
  await admin.send(new CreateTableCommand(createTableInput(cfg.tableName)));
  try {
    return await fn(cfg);
  } finally {
    await admin.send(new DeleteTableCommand({ TableName: cfg.tableName })).catch(() => undefined);
    admin.destroy();
  }
}

/** Stores every raw email as the receipt rule's S3 action would, then returns the pipeline inputs. */
export async function stage(deps: IntakeDeps, raws: Buffer[]): Promise<Job[]> {
  const jobs: Job[] = [];
  for (const received of raws) {
    // As SES does on receipt: its Authentication-Results header is added before the message is stored.
    const raw = withSesAuthenticationResults(received, PASSING);
    const id = sesMessageId();
    await deps.store.put(rawMailKey(id), raw, 'message/rfc822');
    jobs.push({
      raw,
      ref: {
        sesMessageId: id,
        rawKey: rawMailKey(id),
        receivedAt: new Date('2025-06-05T02:00:00Z'),
        verdicts: { spam: 'PASS', virus: 'PASS', spf: 'PASS', dkim: 'PASS', dmarc: 'PASS' },
      },
    });
  }
  return jobs;
}

/** Runs jobs with `workers` concurrent loops; a busy claim is retried as Lambda would retry it. */
export async function drain(jobs: Job[], deps: IntakeDeps, workers: number) {
  const queue = [...jobs];
  const outcomes: Outcome[] = [];
  const failures: string[] = [];
  let retries = 0;
  const worker = async () => {
    for (let job = queue.shift(); job; job = queue.shift()) {
      for (let attempt = 0; ; attempt++) {
        try {
          outcomes.push(await processInbound(job.ref, deps));
          break;
        } catch (err) {
          if (err instanceof TransientError && attempt < 50) {
            retries++;
            await new Promise((r) => setTimeout(r, 100));
            continue;
          }
          failures.push((err as Error).message);
          break;
        }
      }
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: workers }, worker));
  return { outcomes, failures, retries, seconds: (performance.now() - t0) / 1000 };
}

/** Runs the burst against the stack described by `config`. */
export async function runBurst(fx: Fixtures, config: AwsConfig): Promise<BurstResult> {
  setLogSink({ write: () => {} });
  const program = parseProgram(JSON.parse(await readFile(fx.burstProgram, 'utf8')));
  const raws = await Promise.all(fx.burst.map((f) => readFile(f)));
  const base = (cfg: AwsConfig): IntakeDeps => ({
    ...services(cfg, program.year),
    program,
    keySecret: keySecretFromEnv(),
  });

  // Serial reference: every fourth email of the same delivery order, one at a time, on its own table.
  const subset = raws.filter((_, i) => i % 4 === 0);
  const serial = await withTable(config, async (cfg) => {
    const deps = base(cfg);
    return drain(await stage(deps, subset), deps, 1);
  });
  if (serial.failures.length > 0) throw new Error(`serial run failed: ${serial.failures[0]}`);

  return withTable(config, async (cfg) => {
    const deps = base(cfg);
    // The first class's email of every region is delivered twice, right after itself.
    const delivery = withRedeliveries(raws, (i) => i % BURST_CLASSES === 0);
    const jobs = await stage(deps, delivery);
    const run = await drain(jobs, deps, 4);
    const checked = await checkRun(run, raws.length, deps, program, BURST_QUOTA);
    const rate = raws.length / run.seconds;
    const serialRate = subset.length / serial.seconds;
    return {
      emails: raws.length,
      redelivered: delivery.length - raws.length,
      ...checked,
      emails_per_s: round2(rate),
      serial_emails_per_s: round2(serialRate),
      serial_emails: subset.length,
      emails_per_s_ratio_to_serial: round2(rate / serialRate),
      retries: run.retries,
      wall_s: round2(run.seconds),
    };
  });
}

/** The delivery order: every email, those picked delivered a second time right after themselves. */
export function withRedeliveries<T>(raws: T[], twice: (i: number) => boolean): T[] {
  const delivery: T[] = [];
  raws.forEach((raw, i) => {
    delivery.push(raw);
    if (twice(i)) delivery.push(raw);
  });
  return delivery;
}

/** Places above quota in one region (0 when within). */
export function overrun(active: number, quota: number): number {
  return Math.max(0, active - quota);
}

/** Enterprises and persons holding more than one active place, counted once per extra place. */
export function duplicatesOf(active: Pick<Registration, 'uscc' | 'personKey'>[]): number {
  const seen = new Set<string>();
  let duplicates = 0;
  for (const reg of active) {
    for (const key of [`u:${reg.uscc}`, `p:${reg.personKey}`]) {
      if (seen.has(key)) duplicates++;
      seen.add(key);
    }
  }
  return duplicates;
}

/** What a concurrent run left behind, read back from the table: outcomes, lost, overrun, duplicates. */
export async function checkRun(
  run: Awaited<ReturnType<typeof drain>>,
  emails: number,
  deps: IntakeDeps,
  program: Program,
  defaultQuota: number,
): Promise<
  Pick<
    BurstResult,
    'outcomes' | 'findings' | 'lost' | 'quota_overrun' | 'duplicate_registrations' | 'answered_twice'
  >
> {
  const outcomes: Record<string, number> = {};
  // The race cases the burst is built to provoke, as the replies reported them.
  const raced: Record<string, number> = { QUOTA_EXCEEDED: 0, ENTERPRISE_DUPLICATE: 0, PERSON_DUPLICATE: 0 };
  for (const o of run.outcomes) {
    outcomes[o.status] = (outcomes[o.status] ?? 0) + 1;
    for (const f of o.findings) if (f.code in raced) raced[f.code] = (raced[f.code] ?? 0) + 1;
  }
  if (run.failures.length > 0) outcomes.failed = run.failures.length;

  // A redelivered email must be answered once: its second outcome is 'duplicate'.
  const answered = new Map<string, number>();
  for (const o of run.outcomes) {
    if (o.status !== 'duplicate') answered.set(o.messageId, (answered.get(o.messageId) ?? 0) + 1);
  }
  const answeredTwice = [...answered.values()].filter((n) => n > 1).length;
  const messages = await deps.registry.listMessages();
  const finished = messages.filter((m) => (m.status === 'done' || m.status === 'held') && m.outcome);
  const lost = Math.max(0, emails - finished.length);

  let quotaOverrun = 0;
  const active: Registration[] = [];
  for (const r of programRegions(program).list) {
    const regs = (await deps.registry.listRegion(r.code)).filter((x) => x.status === 'active');
    active.push(...regs);
    quotaOverrun += overrun(regs.length, program.quotas[r.code]?.total ?? defaultQuota);
  }
  return {
    outcomes,
    findings: raced,
    lost,
    quota_overrun: quotaOverrun,
    duplicate_registrations: duplicatesOf(active),
    answered_twice: answeredTwice,
  };
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
