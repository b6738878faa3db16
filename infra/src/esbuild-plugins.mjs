/**
 * The esbuild plugins every lingjun function is bundled with (infra/src/bundling.ts runs them through
 * esbuild-build.mjs: plugins need esbuild's async build, the CDK's local bundling hook is synchronous).
 * Plain JavaScript because that child process runs in node without a TypeScript loader.
 */
import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';

// A string constant of a generated schema module: `const _hE = "httpError";`, one per line.
const STRING_CONSTANT = /^const (_\w+) = ("(?:[^"\\\n]|\\.)*");$/gm;
// A computed object key naming one of those constants: `{ [_hE]: 403 }`.
const COMPUTED_KEY = /\[(_\w+)\]:/g;

/**
 * Rewrites the computed trait keys of an AWS SDK schema module (`{ [_e]: _c }`) to the literal strings their
 * constants hold (`{ "error": _c }`); the objects are the same.
 *
 * Why: esbuild keeps every statement with a computed key (evaluating the key could call a getter or
 * toString), and nearly every schema of a client has one, so all of a client's schemas were bundled and
 * evaluated whatever the commands used: S3's 64 KB of them to read and write objects. With literal keys
 * esbuild drops the schemas nothing references. aws-sdk-js-v3 #7607; the generator's fix (literal keys) is
 * smithy-typescript #1889. Keys naming anything but a string constant of the same module are left as they are.
 * @param {string} source
 * @returns {string}
 */
export function literalTraitKeys(source) {
  const strings = new Map();
  for (const m of source.matchAll(STRING_CONSTANT)) strings.set(m[1], m[2]);
  return source.replace(COMPUTED_KEY, (whole, name) => {
    const literal = strings.get(name);
    return literal === undefined ? whole : `${literal}:`;
  });
}

/** The generated schema modules of AWS SDK clients (nested clients' submodules too), ESM builds only. */
export const SDK_SCHEMA_FILE =
  /[\\/]node_modules[\\/]@aws-sdk[\\/].+[\\/]dist-es[\\/](?:.+[\\/])?schemas[\\/]schemas_\d+\.js$/;

/** @type {import('esbuild').Plugin} */
export const sdkSchemasPlugin = {
  name: 'lingjun-sdk-schemas',
  setup(build) {
    build.onLoad({ filter: SDK_SCHEMA_FILE }, async (args) => ({
      contents: literalTraitKeys(await readFile(args.path, 'utf8')),
      loader: 'js',
    }));
  },
};

/**
 * The SDK clients' default credential chain, replaced by the credentials Lambda sets in the environment
 * (packages/aws/src/lambda-credentials.ts says why). Only the bundles get it: tests and the CLI run the
 * sources with the SDK's own chain.
 * @type {import('esbuild').Plugin}
 */
export const lambdaCredentialsPlugin = {
  name: 'lingjun-lambda-credentials',
  setup(build) {
    build.onResolve({ filter: /^@aws-sdk\/credential-provider-node$/ }, (args) =>
      build.resolve('@lingjun/aws/lambda-credentials', { kind: args.kind, resolveDir: args.resolveDir }),
    );
  },
};

/** postal-mime's table of HTML entities (2,200 names), a module of its own in its ESM build. */
export const POSTAL_MIME_ENTITIES =
  /[\\/]node_modules[\\/]postal-mime[\\/]dist[\\/]esm[\\/]html-entities\.js$/;

const ENTITIES_TABLE = 'lingjun-html-entities';

/**
 * postal-mime's HTML-entity table, shipped as a JSON file beside the bundle and read the first time an entity
 * is decoded, instead of 45 KB of object literal every cold start compiles and builds. postal-mime decodes
 * entities only when it turns an HTML-only body part into text (a mail with a text body and another part in
 * HTML alone: forwarded or pasted content); the table is the same.
 * The module keeps its export: an object whose properties are the table's (a Proxy reading the file once).
 * @type {import('esbuild').Plugin}
 */
export const postalMimeEntitiesPlugin = {
  name: 'lingjun-postal-mime-entities',
  setup(build) {
    build.onLoad({ filter: POSTAL_MIME_ENTITIES }, () => ({
      contents: [
        "import { readFileSync } from 'node:fs';",
        `import tableFile from '${ENTITIES_TABLE}';`,
        'let table;',
        'export const htmlEntities = new Proxy({}, {',
        "  get: (_, name) => (table ??= JSON.parse(readFileSync(new URL(tableFile, import.meta.url), 'utf8')))[name],",
        '});',
      ].join('\n'),
      loader: 'js',
    }));
    // The table itself, taken from the module it replaces; esbuild's file loader copies it into the output and
    // gives the importing chunk its path relative to that chunk.
    build.onResolve({ filter: new RegExp(`^${ENTITIES_TABLE}$`) }, (args) => ({
      path: 'postal-mime-html-entities.json',
      namespace: ENTITIES_TABLE,
      pluginData: { module: args.importer },
    }));
    build.onLoad({ filter: /.*/, namespace: ENTITIES_TABLE }, async (args) => {
      const { htmlEntities } = await import(pathToFileURL(args.pluginData.module).href);
      return { contents: JSON.stringify(htmlEntities), loader: 'file' };
    });
  },
};

/** Every plugin a function's bundle is built with. */
export const PLUGINS = [sdkSchemasPlugin, lambdaCredentialsPlugin, postalMimeEntitiesPlugin];
