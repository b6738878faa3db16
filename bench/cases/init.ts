/**
 * init_ratio_to_empty: a fresh `node` loading the built intake bundle against loading an empty handler
 * bundle built the same way. Each run is a new process (a cold start has no warm module cache); both run
 * with the NODE_OPTIONS a default deployment sets (none: context sourceMaps is off, infra/src/config.ts),
 * interleaved.
 */
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { measure, type Row } from '../measure.ts';

/** Loads a bundle in a fresh node and returns the exported handler's type (checked, not timed). */
function coldLoad(bundle: string): string {
  const script = `const m = await import(${JSON.stringify(pathToFileURL(bundle).href)}); process.stdout.write(typeof m.handler);`;
  const res = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', LINGJUN_PROGRAM_FILE: '/nonexistent/program.json' },
  });
  if (res.status !== 0) throw new Error(`loading ${bundle} failed: ${res.stderr}`);
  return res.stdout;
}

/** Runs the init stage for the intake bundle and the empty bundle. */
export async function runInit(bundles: { intake: string; empty: string }): Promise<Row[]> {
  return measure(
    'init',
    'cold-load',
    [
      { name: 'intake-bundle', run: () => coldLoad(bundles.intake) },
      { name: 'empty-bundle', floor: true, run: () => coldLoad(bundles.empty) },
    ],
    { warmup: 2, minRuns: 15, maxRuns: 40, maxMs: 20_000, settle: 0.04 },
  );
}

/** Source of the empty handler the intake bundle is compared with. */
export async function writeEmptyHandler(file: string): Promise<void> {
  await writeFile(file, 'export async function handler(): Promise<void> {}\n');
}
