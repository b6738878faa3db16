import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Config } from 'aws-ses-v2-local';
import type { CreateEmlContentResult } from 'aws-ses-v2-local/dist/emlFile.js';
import type { Email, Store } from 'aws-ses-v2-local/dist/store.js';

// aws-ses-v2-local is CommonJS with an `exports.default`; require() sidesteps ESM default-interop differences.
const require = createRequire(import.meta.url);
const sesLocal = require('aws-ses-v2-local') as { default: (c?: Partial<Config>) => Promise<Server> };
const sesStore = require('aws-ses-v2-local/dist/store.js') as { getStoreReadonly(): Readonly<Store> };
const sesEml = require('aws-ses-v2-local/dist/emlFile.js') as {
  createEmlContent(e: Email): Promise<CreateEmlContentResult>;
};

/** A running local SES v2 endpoint that also writes every sent message to the outbox folder. */
export interface LocalSes {
  endpoint: string;
  port: number;
  viewerUrl: string;
  outboxDir: string;
  /** Where each accepted send's SES Send event is written (`pending/` until delivered, then `delivered/`). */
  eventsDir: string;
  /**
   * Hands every Send event to `deliver` from now on, as a configuration set's event destination does, first
   * the ones a stopped stack wrote and never delivered.
   */
  deliverEvents(deliver: SesEventHandler): Promise<void>;
  stop(): Promise<void>;
}

/** Receives an SES event in the shape EventBridge hands the bounces function. */
export type SesEventHandler = (event: SesSendEvent) => Promise<void>;

/** The EventBridge form of SES's Send event (the parts of it this system reads, and a few more). */
export interface SesSendEvent {
  version: '0';
  id: string;
  'detail-type': 'Email Sent';
  source: 'aws.ses';
  time: string;
  region: string;
  resources: string[];
  detail: {
    eventType: 'Send';
    mail: {
      timestamp: string;
      source: string;
      messageId: string;
      destination: string[];
      headersTruncated: boolean;
      tags: Record<string, string[]>;
    };
    send: Record<string, never>;
  };
}

/**
 * Starts aws-ses-v2-local in-process on a private port, behind a small proxy on `port` (0: one the OS picks).
 *
 * Why a proxy: aws-ses-v2-local parses Raw messages and keeps only a rebuilt copy, losing headers such as
 * In-Reply-To/References. The proxy sees each SendEmail request, and before answering the client writes
 * `<outbox>/<MessageId>.eml`: the exact bytes for Raw content, or the library's own rendering (from its store)
 * for Simple/Template content. Writing before the response means a caller may read the file as soon as
 * SendEmail returns. Everything else (the viewer at `/`, `/store`) is passed through unchanged.
 */
export async function startSes(opts: {
  port: number;
  outboxDir: string;
  eventsDir: string;
  region?: string;
}): Promise<LocalSes> {
  await mkdir(opts.outboxDir, { recursive: true });
  const events = sendEvents(opts.eventsDir, opts.outboxDir, opts.region ?? 'cn-north-1');
  await events.ready();
  const inner = await sesLocal.default({ host: '127.0.0.1', port: 0 });
  const innerPort = (inner.address() as AddressInfo).port;

  const proxy = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const upstream = request(
        { host: '127.0.0.1', port: innerPort, method: req.method, path: req.url, headers: req.headers },
        (up) => {
          const out: Buffer[] = [];
          up.on('data', (c: Buffer) => out.push(c));
          up.on('end', () => {
            const answer = Buffer.concat(out);
            recordSends(req.method, req.url, up.statusCode, body, answer, opts.outboxDir, events)
              .catch((error: unknown) => {
                process.stderr.write(`本地 SES：写入发件箱失败 / outbox write failed: ${String(error)}\n`);
              })
              .finally(() => {
                res.writeHead(up.statusCode ?? 502, up.headers);
                res.end(answer);
              });
          });
        },
      );
      upstream.on('error', (error) => {
        res.writeHead(502);
        res.end(String(error));
      });
      upstream.end(body);
    });
  });
  await new Promise<void>((resolve, reject) => {
    proxy.once('error', reject);
    proxy.listen(opts.port, '127.0.0.1', () => resolve());
  });
  const port = (proxy.address() as AddressInfo).port;
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    port,
    viewerUrl: `${endpoint}/`,
    outboxDir: opts.outboxDir,
    eventsDir: opts.eventsDir,
    deliverEvents: (deliver) => events.deliverFrom(deliver),
    async stop() {
      await Promise.all([closeServer(proxy), closeServer(inner)]);
    },
  };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

async function recordSends(
  method: string | undefined,
  url: string | undefined,
  status: number | undefined,
  requestBody: Buffer,
  responseBody: Buffer,
  outboxDir: string,
  events: SendEvents,
): Promise<void> {
  if (method !== 'POST' || status !== 200) return;
  const path = (url ?? '').split('?')[0];
  if (path === '/v2/email/outbound-emails') {
    const sent = JSON.parse(requestBody.toString('utf8')) as SendEmailRequest;
    const { MessageId } = JSON.parse(responseBody.toString('utf8')) as { MessageId: string };
    const raw = sent.Content?.Raw?.Data;
    // The event is written before the mail, and delivered only once the mail is in the outbox: a stack killed
    // in between never reports a mail that is not there, nor leaves one unreported.
    await events.write(MessageId, sent);
    await writeEml(outboxDir, MessageId, raw ? Buffer.from(raw, 'base64') : await rendered(MessageId));
    await events.deliver(MessageId);
  } else if (path === '/v2/email/outbound-bulk-emails') {
    const { BulkEmailEntryResults } = JSON.parse(responseBody.toString('utf8')) as {
      BulkEmailEntryResults?: { MessageId?: string }[];
    };
    for (const entry of BulkEmailEntryResults ?? []) {
      if (entry.MessageId) await writeEml(outboxDir, entry.MessageId, await rendered(entry.MessageId));
    }
  }
}

async function rendered(messageId: string): Promise<Buffer> {
  const email = sesStore.getStoreReadonly().emails.find((e) => e.messageId === messageId);
  if (!email) throw new Error(`message ${messageId} not in the SES store`);
  return (await sesEml.createEmlContent(email)).body;
}

/** A file name for a message id: ids come from the local SES server, but no path separator may pass. */
function safeName(messageId: string): string {
  return messageId.replace(/[^A-Za-z0-9._-]/g, '_');
}

async function writeEml(dir: string, messageId: string, bytes: Buffer): Promise<void> {
  // Whole or not at all: a reader (or a restarted stack) never sees half a mail.
  const file = join(dir, `${safeName(messageId)}.eml`);
  await writeFile(`${file}.part`, bytes);
  await rename(`${file}.part`, file);
}

/** What this proxy reads of a SendEmail request. */
interface SendEmailRequest {
  FromEmailAddress?: string;
  Destination?: { ToAddresses?: string[] };
  Content?: { Raw?: { Data?: string } };
  ConfigurationSetName?: string;
  EmailTags?: { Name?: string; Value?: string }[];
}

interface SendEvents {
  ready(): Promise<void>;
  write(messageId: string, request: SendEmailRequest): Promise<void>;
  deliver(messageId: string): Promise<void>;
  deliverFrom(handler: SesEventHandler): Promise<void>;
}

/**
 * SES's Send events, kept as files so none is lost with the process: `pending/<id>.json` from the moment SES
 * took the mail, moved to `delivered/` once the handler has it. Locally every mail is sent as under a default
 * configuration set (SES lets an identity have one), so every send has its event.
 */
function sendEvents(dir: string, outboxDir: string, region: string): SendEvents {
  const pending = join(dir, 'pending');
  const delivered = join(dir, 'delivered');
  let handler: SesEventHandler | undefined;
  const deliver = async (name: string) => {
    if (!handler) return;
    const event = JSON.parse(await readFile(join(pending, name), 'utf8')) as SesSendEvent;
    await handler(event);
    await rename(join(pending, name), join(delivered, name));
  };
  return {
    async ready() {
      await mkdir(pending, { recursive: true });
      await mkdir(delivered, { recursive: true });
    },
    async write(messageId, request) {
      const now = new Date().toISOString();
      const tags: Record<string, string[]> = {
        'ses:configuration-set': [request.ConfigurationSetName ?? 'local-default'],
        'ses:operation': ['SendEmail'],
      };
      for (const t of request.EmailTags ?? []) if (t.Name && t.Value) tags[t.Name] = [t.Value];
      const event: SesSendEvent = {
        version: '0',
        id: randomUUID(),
        'detail-type': 'Email Sent',
        source: 'aws.ses',
        time: now,
        region,
        resources: [],
        detail: {
          eventType: 'Send',
          mail: {
            timestamp: now,
            source: request.FromEmailAddress ?? '',
            messageId,
            destination: request.Destination?.ToAddresses ?? [],
            headersTruncated: false,
            tags,
          },
          send: {},
        },
      };
      await writeFile(join(pending, `${safeName(messageId)}.json`), JSON.stringify(event));
    },
    async deliver(messageId) {
      try {
        await deliver(`${safeName(messageId)}.json`);
      } catch (error) {
        // Left pending: the next start of the stack delivers it, as EventBridge retries a failed target.
        process.stderr.write(`本地 SES：发送事件投递失败 / send event not delivered: ${String(error)}\n`);
      }
    },
    async deliverFrom(next) {
      handler = next;
      for (const name of await readdir(pending)) {
        if (!name.endsWith('.json')) continue;
        const eml = join(outboxDir, name.replace(/\.json$/, '.eml'));
        // SES took it but the stack stopped before the mail reached the outbox: it never left.
        if (!(await stat(eml).catch(() => undefined))) await rm(join(pending, name), { force: true });
        else await deliver(name);
      }
    },
  };
}
