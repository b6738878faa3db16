/**
 * How every lingjun function is bundled: esbuild, run locally (never Docker), ESM with code splitting.
 * The CDK construct calls buildFunction from a local-bundling hook and `npm run bench` calls the same function,
 * so the bench measures the bundles that would be deployed. Importing this file pulls in nothing from the CDK.
 *
 * Code splitting is why this is not NodejsFunction (which writes one outfile): modules a function reaches only
 * through `import()` (exceljs for annotated workbooks, SheetJS for spreadsheets, the Word readers) become
 * chunks that Node loads on first use, so a cold start compiles only what every invocation runs.
 *
 * What esbuild puts at cold start is every module the entry reaches through static imports, package indexes'
 * `export *` included, as soon as anything in the bundle uses it, even only an import() chunk. So a heavy
 * library is loaded with import() from a module no index re-exports statically (or inside the one function
 * that needs it), and a lazily used part of a package is imported by its subpath (`@lingjun/deadlines/
 * reports`), never through an import() of the index, which keeps every export alive. infra/test/
 * cold-start.test.ts holds the budgets.
 *
 * esbuild plugins (esbuild-plugins.mjs) remove code no cold start needs: the AWS SDK schemas of commands a
 * client is never sent (the SDK writes them in a form esbuild cannot drop), the SDK's default credential
 * chain (replaced by the role's credentials from the environment, the only ones Lambda gives a function), and
 * postal-mime's HTML-entity table (a JSON file beside the bundle, read when an HTML body part is decoded).
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import type { BuildOptions, Metafile } from 'esbuild';

// The entry's name gives both its file (index.mjs) and the Lambda handler (index.handler).
const ENTRY = 'index';

const BUILD_SCRIPT = resolve(import.meta.dirname, 'esbuild-build.mjs');

export const BUNDLE_OPTIONS = {
  format: 'esm',
  // The oldest Node the bundles must run on: this machine's Node 20 (Lambda runs LAMBDA_RUNTIME, newer).
  target: 'node20',
  platform: 'node',
  mainFields: ['module', 'main'],
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  // Bundle the AWS SDK too: the versions tested are the versions deployed. Not bowser: only @aws-sdk/core's
  // browser user-agent provider import()s it, and Node clients take their user agent from the Node provider,
  // so bundled it was a 35 KB chunk that nothing loads (a reached module's import() target is always emitted).
  externalModules: ['bowser'] as string[],
  // CommonJS dependencies (exceljs, word-extractor, SheetJS's codepage tables …) call require(); ESM output
  // has none without this.
  banner: "import { createRequire as __lj_cr } from 'node:module'; const require = __lj_cr(import.meta.url);",
  /** The entry file Lambda loads; chunks go under chunks/. */
  outFile: `${ENTRY}.mjs`,
  /** The Lambda handler setting for that file's `handler` export. */
  handler: `${ENTRY}.handler`,
} as const;

/** Builds one function's entry into outDir (index.mjs plus chunks/); returns esbuild's metafile. */
export function buildFunction(root: string, entry: string, outDir: string): Metafile {
  const options: BuildOptions = {
    absWorkingDir: root,
    entryPoints: { [ENTRY]: entry },
    bundle: true,
    splitting: true,
    outdir: outDir,
    entryNames: '[name]',
    chunkNames: 'chunks/[name]-[hash]',
    outExtension: { '.js': '.mjs' },
    platform: BUNDLE_OPTIONS.platform,
    format: BUNDLE_OPTIONS.format,
    target: BUNDLE_OPTIONS.target,
    mainFields: [...BUNDLE_OPTIONS.mainFields],
    minify: BUNDLE_OPTIONS.minify,
    sourcemap: BUNDLE_OPTIONS.sourceMap,
    sourcesContent: BUNDLE_OPTIONS.sourcesContent,
    external: [...BUNDLE_OPTIONS.externalModules],
    banner: { js: BUNDLE_OPTIONS.banner },
    logLevel: 'error',
  };
  // esbuild-build.mjs adds the plugins (esbuild-plugins.mjs), which only esbuild's async build runs; the
  // CDK's local bundling hook is synchronous, so the build runs in a child node and this waits for it.
  const res = spawnSync(process.execPath, [BUILD_SCRIPT], {
    input: JSON.stringify(options),
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  if (res.error) throw res.error;
  if (res.status !== 0) throw new Error(`esbuild failed to bundle ${entry} (exit ${res.status})`);
  return JSON.parse(res.stdout) as Metafile;
}

/**
 * The outputs a cold start loads: the entry (outDir/index.mjs) and every chunk it imports statically, keyed
 * as in the metafile (relative to root). Chunks reached only through import() load on first use.
 */
export function initialOutputs(meta: Metafile, root: string, outDir: string): string[] {
  const entryFile = resolve(outDir, BUNDLE_OPTIONS.outFile);
  const entryKey = Object.keys(meta.outputs).find((k) => resolve(root, k) === entryFile);
  if (!entryKey) throw new Error(`esbuild metafile has no entry output for ${entryFile} (${root})`);
  const initial = new Set<string>();
  const visit = (key: string): void => {
    if (initial.has(key)) return;
    initial.add(key);
    for (const imp of meta.outputs[key]?.imports ?? []) {
      if (imp.kind === 'import-statement' && !imp.external) visit(imp.path);
    }
  };
  visit(entryKey);
  return [...initial];
}
