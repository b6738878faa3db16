/**
 * The esbuild plugins every lingjun function is bundled with (infra/src/bundling.ts runs them through
 * esbuild-build.mjs: plugins need esbuild's async build, the CDK's local bundling hook is synchronous).
 * Plain JavaScript because that child process runs in node without a TypeScript loader.
 */
import { readFile } from 'node:fs/promises';

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

/** Every plugin a function's bundle is built with. */
export const PLUGINS = [sdkSchemasPlugin, lambdaCredentialsPlugin];
