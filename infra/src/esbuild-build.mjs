/**
 * Runs one esbuild build with lingjun's plugins: reads the build options (JSON) from stdin, writes the
 * outputs, and prints esbuild's metafile (JSON) on stdout. infra/src/bundling.ts starts it with spawnSync,
 * because esbuild runs plugins only in its async build and the CDK's local bundling hook must return at once.
 */
import { build } from 'esbuild';
import { PLUGINS } from './esbuild-plugins.mjs';

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const options = JSON.parse(Buffer.concat(chunks).toString('utf8'));
const result = await build({ ...options, metafile: true, plugins: PLUGINS });
process.stdout.write(JSON.stringify(result.metafile));
