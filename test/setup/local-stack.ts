/**
 * vitest globalSetup: one local AWS stack (DynamoDB Local, s3rver, SES v2 local, SMTP receiver) for the whole
 * run, in memory with a temp state folder, stopped when the run ends. Set LINGJUN_NO_STACK=1 to skip it
 * (pure unit runs); tests then get no `aws` and `localAws()` says why.
 */
import { startLocalStack } from '@lingjun/local';
import { loadProgram } from '@lingjun/program';
import type { TestProject } from 'vitest/node';
import type {} from './provided.ts';

/** Starts the shared stack and provides its config; returns the teardown that stops it. */
export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  if (process.env.LINGJUN_NO_STACK === '1') return undefined;
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const program = await loadProgram(new URL('../../examples/program-2025.json', import.meta.url).pathname);
  const stack = await startLocalStack({ program });
  project.provide('aws', stack.config);
  project.provide('localStack', {
    smtpPort: stack.smtpPort,
    outboxDir: stack.outboxDir,
    sesEventsDir: stack.sesEventsDir,
    sesViewerUrl: stack.sesViewerUrl,
    mailbox: program.mailbox,
  });
  return () => stack.stop();
}
