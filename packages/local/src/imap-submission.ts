import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';

/** A running local SMTP submission server that writes what it is given into the outbox folder. */
export interface LocalSubmission {
  host: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * Starts an SMTP submission server on loopback standing in for the organisation's outgoing server: it demands
 * STARTTLS (smtp-server's own self-signed certificate unless `tls` gives one) and the mailbox's login, as a
 * real one does, and writes each message byte for byte to `<outbox>/<id>.eml`, where the local SES writes what it sends.
 */
export async function startSubmission(opts: {
  port?: number;
  user: string;
  password: string;
  outboxDir: string;
  /** A certificate for STARTTLS (PEM); smtp-server's own self-signed one when absent. */
  tls?: { key: string | Buffer; cert: string | Buffer };
}): Promise<LocalSubmission> {
  await mkdir(opts.outboxDir, { recursive: true });
  const server = new SMTPServer({
    logger: false,
    banner: 'lingjun local SMTP submission',
    authMethods: ['PLAIN', 'LOGIN'],
    closeTimeout: 1000,
    ...(opts.tls ? { key: opts.tls.key, cert: opts.tls.cert } : {}),
    onAuth(auth, _session, callback) {
      if (auth.username === opts.user && auth.password === opts.password)
        return callback(null, { user: auth.username });
      callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
    },
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const id = randomUUID();
        writeFile(join(opts.outboxDir, `${id}.eml`), Buffer.concat(chunks)).then(
          () => callback(null, `Ok ${id}`),
          (error: unknown) => callback(error as Error),
        );
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  return {
    host: '127.0.0.1',
    port: (server.server.address() as AddressInfo).port,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
