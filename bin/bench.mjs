#!/usr/bin/env node
// `npm run bench [-- --json] [-- --only=intake,xlsx]`: TypeScript run through tsx like the CLI; the
// orchestrator re-runs this file with --case for every stage so each stage gets a fresh node process.
import { register } from 'tsx/esm/api';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
register();
const { main } = await import('../bench/main.ts');
process.exitCode = await main(process.argv.slice(2));
