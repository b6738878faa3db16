/**
 * The plugins the bundles are built with (infra/src/esbuild-plugins.mjs). The schema rewrite: computed trait
 * keys naming a string constant become that literal, nothing else changes, and esbuild then drops the schemas
 * no command uses (aws-sdk-js-v3 #7607). postal-mime's entity table: out of the JavaScript, into a file the
 * bundle reads when an HTML-only mail's body is turned into text, with the same result.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseInbound } from '@lingjun/mail';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { buildFunction } from '../src/bundling.ts';
import {
  literalTraitKeys,
  POSTAL_MIME_ENTITIES,
  SDK_SCHEMA_FILE,
  sdkSchemasPlugin,
} from '../src/esbuild-plugins.mjs';

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
    const full = (await readFile(`${ROOT}/node_modules/@aws-sdk/client-s3/dist-es/schemas/schemas_0.js`))
      .length;
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

/**
 * A mail whose second body part is HTML only: postal-mime turns that part into text (decoding its entities)
 * because the mail has a text body. (A mail with no text part at all gets no text, and needs no table.)
 */
const HTML_PART = [
  'From: =?UTF-8?B?5byg5LiJ?= <zhang@example.cn>',
  'To: intake@example.cn',
  'Subject: html part',
  'Message-ID: <html-part@example.cn>',
  'Date: Mon, 7 Jul 2025 09:00:00 +0800',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="b"',
  '',
  '--b',
  'Content-Type: text/plain; charset=utf-8',
  '',
  '你好',
  '--b',
  'Content-Type: text/html; charset=utf-8',
  '',
  '<p>A &amp; B &lt;C&gt; caf&eacute; &hellip; &#20013;&#x6587; &copy;2025</p>',
  '--b--',
  '',
].join('\r\n');

describe("postal-mime's entity table", () => {
  it('leaves the JavaScript, ships beside it, and still decodes an HTML body part as the library does', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lingjun-parse-text-'));
    try {
      const meta = buildFunction(ROOT, join('infra', 'test', 'fixtures', 'parse-text', 'handler.ts'), dir);
      const table = Object.entries(meta.outputs).flatMap(([out, o]) =>
        Object.entries(o.inputs)
          .filter(([input]) => POSTAL_MIME_ENTITIES.test(resolve(ROOT, input)))
          .map(([, i]) => ({ out, bytes: i.bytesInOutput })),
      );
      // What is left in the JavaScript is the few lines that read the file.
      expect(table.length).toBeGreaterThan(0);
      for (const t of table) expect(t.bytes).toBeLessThan(600);
      const json = (await readdir(dir)).filter((f) => f.endsWith('.json'));
      expect(json).toEqual([expect.stringMatching(/^postal-mime-html-entities-\w+\.json$/)]);

      const script = `const { handler } = await import(${JSON.stringify(pathToFileURL(join(dir, 'index.mjs')).href)});
process.stdout.write(await handler({ raw: ${JSON.stringify(HTML_PART)} }));`;
      const res = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '' },
      });
      expect(res.stderr).toBe('');
      expect(res.stdout).toContain('A & B <C> café … 中文 ©2025');
      // The sources (postal-mime's own table) give the same text.
      expect(res.stdout).toBe((await parseInbound(new TextEncoder().encode(HTML_PART))).text);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
