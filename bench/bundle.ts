/**
 * Builds the Lambda bundles the way the CDK does (same esbuild options, from infra/src/bundling.ts) and reads
 * their sizes and largest inputs from the esbuild metafile.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { BUNDLE_OPTIONS } from '../infra/src/bundling.ts';

/** Functions under functions/, keyed as the bench reports them. */
export const FUNCTIONS = {
  intake: 'intake',
  reminders: 'reminders',
  course_end: 'course-end',
  verify: 'verify',
} as const;

/** One built bundle: where it is, its minified size, and what in it weighs most. */
export interface BuiltBundle {
  file: string;
  bytes: number;
  /** Largest packages (or project folders) by bytes in the output, descending. */
  largest: { name: string; bytes: number }[];
}

/** Builds one entry with the CDK's options into outDir/index.mjs. */
export async function bundleEntry(root: string, entry: string, outDir: string): Promise<BuiltBundle> {
  await mkdir(outDir, { recursive: true });
  const outfile = join(outDir, BUNDLE_OPTIONS.outFile);
  const res = await build({
    absWorkingDir: root,
    entryPoints: [entry],
    bundle: true,
    outfile,
    platform: BUNDLE_OPTIONS.platform,
    format: BUNDLE_OPTIONS.format,
    target: BUNDLE_OPTIONS.target,
    mainFields: [...BUNDLE_OPTIONS.mainFields],
    minify: BUNDLE_OPTIONS.minify,
    sourcemap: BUNDLE_OPTIONS.sourceMap,
    sourcesContent: BUNDLE_OPTIONS.sourcesContent,
    external: [...BUNDLE_OPTIONS.externalModules],
    banner: { js: BUNDLE_OPTIONS.banner },
    metafile: true,
    logLevel: 'error',
  });
  await writeFile(join(outDir, 'meta.json'), JSON.stringify(res.metafile));
  return summarise(res.metafile, outfile, root);
}

function summarise(meta: Metafile, outfile: string, root: string): BuiltBundle {
  const key = Object.keys(meta.outputs).find((k) => k.endsWith('.mjs'));
  const out = key ? meta.outputs[key] : undefined;
  if (!out) throw new Error(`esbuild metafile has no output for ${outfile} (${root})`);
  const byName = new Map<string, number>();
  for (const [path, input] of Object.entries(out.inputs)) {
    const name = ownerOf(path);
    byName.set(name, (byName.get(name) ?? 0) + input.bytesInOutput);
  }
  const largest = [...byName.entries()]
    .map(([name, bytes]) => ({ name, bytes }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, 12);
  return { file: outfile, bytes: out.bytes, largest };
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
