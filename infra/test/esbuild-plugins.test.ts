/**
 * The schema rewrite the bundles are built with (infra/src/esbuild-plugins.mjs): computed trait keys naming a
 * string constant become that literal, nothing else changes, and esbuild then drops the schemas no command
 * uses (aws-sdk-js-v3 #7607).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { literalTraitKeys, SDK_SCHEMA_FILE, sdkSchemasPlugin } from '../src/esbuild-plugins.mjs';

const ROOT = resolve(import.meta.dirname, '../..');

describe('literalTraitKeys', () => {
  it('writes the string a computed key names in its place, and leaves other keys alone', () => {
    const source = [
      'const _e = "error";',
      'const _hE = "httpError";',
      'const _q = "say \\"hi\\"";',
      'export var A$ = [-3, n0, "A", { [_e]: _c, [_hE]: 403 }, [], []];',
      'export var B$ = [3, n0, "B", { [_q]: 1, [other]: 2 }, [], []];',
    ].join('\n');
    const out = literalTraitKeys(source);
    expect(out).toContain('{ "error": _c, "httpError": 403 }');
    expect(out).toContain('{ "say \\"hi\\"": 1, [other]: 2 }');
    // Same values: evaluating both gives equal objects.
    const evaluate = (src: string) =>
      new Function('n0', '_c', 'other', `${src.replaceAll('export var', 'var')}; return [A$, B$];`)(
        'ns',
        'client',
        'k',
      );
    expect(evaluate(out)).toEqual(evaluate(source));
  });

  it('matches the generated schema modules of clients and nested clients, nothing else', () => {
    const nm = `${ROOT}/node_modules/@aws-sdk`;
    expect(SDK_SCHEMA_FILE.test(`${nm}/client-s3/dist-es/schemas/schemas_0.js`)).toBe(true);
    expect(SDK_SCHEMA_FILE.test(`${nm}/nested-clients/dist-es/submodules/sts/schemas/schemas_0.js`)).toBe(
      true,
    );
    expect(SDK_SCHEMA_FILE.test(`${nm}/client-s3/dist-cjs/schemas/schemas_0.js`)).toBe(false);
    expect(SDK_SCHEMA_FILE.test(`${ROOT}/packages/program/src/schema.ts`)).toBe(false);
  });

  it('leaves in a bundle only the S3 schemas that reading an object needs', async () => {
    const res = await build({
      stdin: {
        contents:
          "import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';\n" +
          'export const get = (c: S3Client) => c.send(new GetObjectCommand({ Bucket: "b", Key: "k" }));',
        loader: 'ts',
        resolveDir: ROOT,
      },
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'node',
      mainFields: ['module', 'main'],
      minify: true,
      external: ['bowser'],
      metafile: true,
      logLevel: 'silent',
      plugins: [sdkSchemasPlugin],
    });
    const [, schemas] =
      Object.entries(res.metafile.inputs).find(([path]) =>
        path.endsWith('client-s3/dist-es/schemas/schemas_0.js'),
      ) ?? [];
    expect(schemas).toBeDefined();
    const full = readFileSync(`${ROOT}/node_modules/@aws-sdk/client-s3/dist-es/schemas/schemas_0.js`).length;
    const kept = Object.values(res.metafile.outputs)[0]?.inputs ?? {};
    const bytes = Object.entries(kept).find(([p]) =>
      p.endsWith('client-s3/dist-es/schemas/schemas_0.js'),
    )?.[1];
    // The whole module is 138 KB of source (64 KB minified); GetObject's request, output and errors are a
    // few KB.
    expect(bytes?.bytesInOutput).toBeLessThan(full / 8);
    expect(res.outputFiles[0]?.text).toContain('GetObjectRequest');
    expect(res.outputFiles[0]?.text).not.toContain('PutBucketAnalyticsConfigurationRequest');
  });
});
