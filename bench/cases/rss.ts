/**
 * max_email_rss_mb: the peak resident set of one intake run on a 40 MB email (SES's limit for a received
 * message), in a fresh node: the built intake bundle's handleInbound (what the Lambda runs) on the local
 * stack, on a table of its own. The email is the typical submission (附件3, 附件4 of 30 rows, 30 附件5) plus
 * scanned ID cards as JPEG attachments until the whole message is just under 40 MB: provinces attach scans,
 * and every byte is decoded and kept with the raw message. Budget: 600 MB (a 1,024 MB intake function).
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CreateTableCommand, DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { type AwsConfig, dynamoDbClient, s3BlobStore, s3Client } from '@lingjun/aws';
import { PASSING, receiveAsSes } from '@lingjun/local';
import { parseInbound } from '@lingjun/mail';
import { loadProgram } from '@lingjun/program';
import { createTableInput } from '@lingjun/registry';
import { buildEmail } from '../../test/support/email.ts';
import type { Fixtures } from '../fixtures.ts';
import { TYPICAL_SENDER } from '../fixtures.ts';

/** SES's limit for a received message, including headers and encoding. */
export const SES_MAX_BYTES = 40 * 1024 * 1024;
const SCAN_BYTES = 2 * 1024 * 1024;

/** What the rss key of the JSON line holds. */
export interface RssResult {
  email_mb: number;
  attachments: number;
  status: string;
  max_email_rss_mb: number;
}

/** A JPEG-looking scan of `size` bytes (content is noise: what matters is that it is carried and kept). */
function scan(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  out.set([0xff, 0xd8, 0xff, 0xe0], 0);
  return out;
}

/** The typical submission with scans added until the message is just under SES's limit. */
export async function fortyMegabyteEmail(typical: Buffer): Promise<{ raw: Buffer; attachments: number }> {
  const mail = await parseInbound(typical);
  const attachments = mail.attachments.map((a) => ({ filename: a.filename, content: a.content }));
  // base64 with line breaks: 4/3 and 78/76 of the bytes; keep a margin for headers and boundaries.
  const encoded = (n: number) => Math.ceil(n / 3) * 4 * (78 / 76) + 600;
  let total = typical.length;
  for (let k = 1; total + encoded(SCAN_BYTES) < SES_MAX_BYTES - 64 * 1024; k++) {
    attachments.push({ filename: `身份证扫描件-${k}.jpg`, content: scan(SCAN_BYTES, k) });
    total += encoded(SCAN_BYTES);
  }
  const { raw } = await buildEmail({
    from: TYPICAL_SENDER,
    attachments,
    messageId: `<bench-40mb@bench.example.cn>`,
  });
  if (raw.length > SES_MAX_BYTES) throw new Error(`40 MB email came out at ${raw.length} bytes`);
  return { raw, attachments: attachments.length };
}

/** Runs the built intake bundle once on the 40 MB email in a fresh node and reads its peak RSS. */
export async function runRss(fx: Fixtures, bundle: string, config: AwsConfig): Promise<RssResult> {
  const programFile = fileURLToPath(new URL('../../examples/program-2025.json', import.meta.url));
  const program = await loadProgram(programFile);
  const built = await fortyMegabyteEmail(await readFile(fx.typical));
  const { attachments } = built;
  const cfg = { ...config, tableName: `rss-${randomUUID()}` };
  const admin = dynamoDbClient(cfg);
  await admin.send(new CreateTableCommand(createTableInput(cfg.tableName)));
  const dir = await mkdtemp(join(tmpdir(), 'lingjun-bench-rss-'));
  try {
    // As SES does on receipt: its Authentication-Results header added, the message stored, intake invoked.
    const event = await receiveAsSes(s3BlobStore(s3Client(cfg), cfg.bucketName), built.raw, {
      mailFrom: 'bench@localhost',
      recipients: [program.mailbox],
      receivedAt: new Date('2025-06-05T02:00:00Z'),
      verdicts: PASSING,
    });
    const input = join(dir, 'input.json');
    await writeFile(input, JSON.stringify({ event, config: cfg, program }));
    // A fresh node running only the bundle: its peak RSS is the intake run's (plus node itself, as in Lambda).
    const script = `
      import { readFileSync } from 'node:fs';
      const { event, config, program } = JSON.parse(readFileSync(${JSON.stringify(input)}, 'utf8'));
      const m = await import(${JSON.stringify(pathToFileURL(bundle).href)});
      const [o] = await m.handleInbound(event, { config, program });
      process.stdout.write(JSON.stringify({ status: o?.status ?? 'no outcome', maxRSS: process.resourceUsage().maxRSS }));
    `;
    const res = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      env: { ...process.env, NODE_OPTIONS: '', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      maxBuffer: 16 * 1024 * 1024,
    });
    if (res.status !== 0)
      throw new Error(`intake bundle on the 40 MB email failed: ${res.stderr.slice(-2000)}`);
    const out = JSON.parse(res.stdout.trim().split('\n').pop() ?? '{}') as { status: string; maxRSS: number };
    return {
      email_mb: Math.round((built.raw.length / 1048576) * 10) / 10,
      attachments,
      status: out.status,
      max_email_rss_mb: Math.round(out.maxRSS / 1024),
    };
  } finally {
    await admin.send(new DeleteTableCommand({ TableName: cfg.tableName })).catch(() => undefined);
    admin.destroy();
    await rm(dir, { recursive: true, force: true });
  }
}
