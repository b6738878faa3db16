/// <reference path="./s3rver.d.ts" />
import { mkdir } from 'node:fs/promises';
import S3rver from 's3rver';

/** A running s3rver. */
export interface LocalS3 {
  endpoint: string;
  port: number;
  stop(): Promise<void>;
}

/** Starts s3rver on 127.0.0.1:`port` (0: one the OS picks) with files under `dir` and the bucket created. */
export async function startS3(opts: { port: number; dir: string; bucket: string }): Promise<LocalS3> {
  await mkdir(opts.dir, { recursive: true });
  const server = new S3rver({
    address: '127.0.0.1',
    port: opts.port,
    silent: true,
    directory: opts.dir,
    // Local credentials are dummies; signature checks would only fail on clock or host differences.
    allowMismatchedSignatures: true,
    vhostBuckets: false,
    configureBuckets: [{ name: opts.bucket }],
  });
  const { port } = await server.run();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    async stop() {
      // SDK clients keep connections alive; without dropping them close() would wait for their idle timeout.
      const closing = server.close();
      server.httpServer?.closeAllConnections();
      await closing;
    },
  };
}
