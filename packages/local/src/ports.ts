import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { EnvironmentError } from '@lingjun/core';

/** Resolves true if nothing listens on `port` (checked on every interface, as DynamoDB Local binds them all). */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    // No host: the dual-stack wildcard bind collides with a listener on any address, v4 or v6.
    probe.listen({ port, exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

/** Asks the OS for a port nobody uses right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen({ port: 0, exclusive: true }, () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Returns the requested port if free (else throws EnvironmentError), or 0 when none was requested: the service
 * then binds a port the OS picks, because a port probed free and released can be taken by any outbound
 * connection (same ephemeral range) before the service binds it.
 */
export async function claimPort(service: string, requested: number | undefined): Promise<number> {
  if (requested === undefined || requested === 0) return 0;
  if (!(await isPortFree(requested))) {
    throw new EnvironmentError(
      `端口 ${requested} 已被占用，无法启动本地 ${service}。请关闭占用该端口的程序或换一个端口。` +
        ` / Port ${requested} is already in use; cannot start local ${service}. Stop whatever holds it or choose another port.`,
    );
  }
  return requested;
}

/** Waits until every port can be bound again, so a following start on the same ports cannot collide. */
export async function waitPortsFree(ports: number[], timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (const port of ports) {
    while (!(await isPortFree(port))) {
      if (Date.now() > until) {
        throw new EnvironmentError(`端口 ${port} 在停止后仍被占用 / port ${port} still in use after stop`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** Throws EnvironmentError unless `java -version` runs (DynamoDB Local is a Java program). */
export function assertJava(command = 'java'): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(command, ['-version'], { timeout: 15_000 }, (error) => {
      if (!error) return resolve();
      reject(
        new EnvironmentError(
          '本地 DynamoDB 需要 Java（17 或更高版本），但无法运行 `java -version`。请安装 Java 并确认 java 在 PATH 中。' +
            ' / DynamoDB Local needs Java 17+, but `java -version` failed. Install a JRE and put java on PATH.',
          { cause: error },
        ),
      );
    });
  });
}
