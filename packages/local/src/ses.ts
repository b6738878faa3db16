import { mkdir, writeFile } from 'node:fs/promises';
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
  stop(): Promise<void>;
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
export async function startSes(opts: { port: number; outboxDir: string }): Promise<LocalSes> {
  await mkdir(opts.outboxDir, { recursive: true });
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
            recordSends(req.method, req.url, up.statusCode, body, answer, opts.outboxDir)
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
): Promise<void> {
  if (method !== 'POST' || status !== 200) return;
  const path = (url ?? '').split('?')[0];
  if (path === '/v2/email/outbound-emails') {
    const sent = JSON.parse(requestBody.toString('utf8')) as { Content?: { Raw?: { Data?: string } } };
    const { MessageId } = JSON.parse(responseBody.toString('utf8')) as { MessageId: string };
    const raw = sent.Content?.Raw?.Data;
    await writeEml(outboxDir, MessageId, raw ? Buffer.from(raw, 'base64') : await rendered(MessageId));
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

async function writeEml(dir: string, messageId: string, bytes: Buffer): Promise<void> {
  // Message ids come from the local SES server, but a path separator must never reach the file system.
  const safe = messageId.replace(/[^A-Za-z0-9._-]/g, '_');
  await writeFile(join(dir, `${safe}.eml`), bytes);
}
