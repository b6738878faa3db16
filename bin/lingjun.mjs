#!/usr/bin/env node
// The CLI is TypeScript run through tsx, so `npx lingjun` works straight after `npm ci` with no build step.
import { register } from 'tsx/esm/api';

// The SDK's notice about future Node versions says nothing a user of this command can act on.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
register();
// A reader that stops early (`lingjun help | head`) has seen what it wanted: no stack trace for it.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});
// stdout carries results (--json lines); log lines go to a file (or stderr with --verbose), never among them.
const { setLogSink } = await import('../packages/core/src/log.ts');
const { cliLogSink, takeLogOptions } = await import('../packages/cli/src/common.ts');
setLogSink(cliLogSink(takeLogOptions(process.argv.slice(2))));
const { main } = await import('../packages/cli/src/main.ts');
process.exitCode = await main(process.argv.slice(2));
