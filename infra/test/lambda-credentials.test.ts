/**
 * The bundles replace the SDK's default credential chain with the credentials Lambda sets in the environment
 * (packages/aws/src/lambda-credentials.ts, infra/src/esbuild-plugins.mjs). A handler built by buildFunction
 * and given no credentials in its config signs its S3 calls with the environment's (s3rver accepts only the
 * local pair, so a wrong or missing signature fails), and says so in the SDK's words when there are none.
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LOCAL_CREDENTIALS } from '@lingjun/aws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localAws } from '../../test/setup/aws.ts';
import { buildFunction } from '../src/bundling.ts';

const ROOT = resolve(import.meta.dirname, '../..');
let dir: string;
let entry: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lingjun-env-credentials-'));
  buildFunction(ROOT, join('infra', 'test', 'fixtures', 'env-credentials', 'handler.ts'), dir);
  entry = pathToFileURL(join(dir, 'index.mjs')).href;
}, 60_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Runs the bundle's handler in a fresh node with only the given environment (no ~/.aws, no profile). */
function runBundle(env: Record<string, string>): { status: number | null; stdout: string; stderr: string } {
  const event = { config: localAws(), key: `env-credentials/${randomUUID()}`, body: 'signed with the role' };
  const script = `const { handler } = await import(${JSON.stringify(entry)});
process.stdout.write(await handler(${JSON.stringify(event)}));`;
  return spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH ?? '',
      HOME: dir,
      AWS_REGION: 'cn-north-1',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...env,
    },
  });
}

describe('a bundled function without credentials in its config', () => {
  it('signs with the credentials Lambda puts in the environment', () => {
    const res = runBundle({
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_SESSION_TOKEN: 'lambda-session-token',
    });
    expect(res.stderr).toBe('');
    expect(res.stdout).toBe('signed with the role');
  });

  it('fails with the SDK credential error when the environment has none', () => {
    const res = runBundle({});
    expect(res.status).not.toBe(0);
    expect(res.stderr).toContain('Unable to find environment variable credentials');
  });

  it('signs nothing with credentials that are not the service’s', () => {
    const res = runBundle({ AWS_ACCESS_KEY_ID: 'SOMEONE', AWS_SECRET_ACCESS_KEY: 'ELSE' });
    expect(res.status).not.toBe(0);
    expect(res.stdout).toBe('');
    // s3rver names the key it was signed with as unknown: the environment's key, not another provider's.
    expect(res.stderr).toContain('InvalidAccessKeyId');
  });
});
