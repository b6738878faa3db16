/**
 * Builds the Lambda bundles the way the CDK does (buildFunction from infra/src/bundling.ts) and reads their
 * sizes and largest inputs from the esbuild metafile.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Metafile } from 'esbuild';
import { BUNDLE_OPTIONS, buildFunction, initialOutputs } from '../infra/src/bundling.ts';

/** Functions under functions/, keyed as the bench reports them. */
export const FUNCTIONS = {
  intake: 'intake',
  reminders: 'reminders',
  course_end: 'course-end',
  verify: 'verify',
} as const;

/** One built bundle: where it is, its minified size, and what in it weighs most. */
export interface BuiltBundle {
  /** The entry file (index.mjs). */
  file: string;
  /** Every JavaScript file the function ships (entry and all chunks): what bundle_kb reports. */
  bytes: number;
  /** The entry and the chunks it imports statically: what a cold start compiles before the handler runs. */
  initialBytes: number;
  /** Largest packages (or project folders) by bytes across all files, descending. */
  largest: { name: string; bytes: number }[];
}

/** Builds one entry exactly as the CDK construct does (buildFunction) into outDir. */
export async function bundleEntry(root: string, entry: string, outDir: string): Promise<BuiltBundle> {
  await mkdir(outDir, { recursive: true });
  const meta = buildFunction(root, entry, outDir);
  await writeFile(join(outDir, 'meta.json'), JSON.stringify(meta));
  return summarise(meta, join(outDir, BUNDLE_OPTIONS.outFile), root);
}

function summarise(meta: Metafile, entryFile: string, root: string): BuiltBundle {
  const js = Object.entries(meta.outputs).filter(([k]) => k.endsWith('.mjs'));
  const byName = new Map<string, number>();
  let bytes = 0;
  for (const [, out] of js) {
    bytes += out.bytes;
    for (const [path, input] of Object.entries(out.inputs)) {
      const name = ownerOf(path);
      byName.set(name, (byName.get(name) ?? 0) + input.bytesInOutput);
    }
  }
  // Static imports between outputs are what Node must load (and compile) before the entry runs.
  const initial = initialOutputs(meta, root, dirname(entryFile));
  const initialBytes = initial.reduce((sum, k) => sum + (meta.outputs[k]?.bytes ?? 0), 0);
  const largest = [...byName.entries()]
    .map(([name, b]) => ({ name, bytes: b }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, 12);
  return { file: entryFile, bytes, initialBytes, largest };
}

/** node_modules/@scope/pkg/… -> @scope/pkg; project files -> their package folder. */
function ownerOf(path: string): string {
  const nm = path.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const parts = path.slice(nm + 'node_modules/'.length).split('/');
    return parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] ?? path);
  }
  const m = /^(packages|functions)\/([^/]+)/.exec(path);
  return m ? `${m[1]}/${m[2]}` : path;
}
