/**
 * The esbuild settings every lingjun function is bundled with, as plain data: the CDK construct turns them
 * into NodejsFunction bundling props, and `npm run bench` builds with the same object to measure the
 * bundles that would be deployed. Importing this file pulls in nothing from the CDK.
 */
export const BUNDLE_OPTIONS = {
  format: 'esm',
  target: 'node22',
  platform: 'node',
  mainFields: ['module', 'main'],
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  // Bundle the AWS SDK too: the versions tested are the versions deployed.
  externalModules: [] as string[],
  // CommonJS dependencies (exceljs, word-extractor, SheetJS's codepage tables …) call require(); ESM output
  // has none without this.
  banner: "import { createRequire as __lj_cr } from 'node:module'; const require = __lj_cr(import.meta.url);",
  /** NodejsFunction names the ESM output file index.mjs. */
  outFile: 'index.mjs',
} as const;
