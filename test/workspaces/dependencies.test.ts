/**
 * Each workspace declares what its source imports (issue 12): a package that compiles only because the root
 * or a sibling happened to install something cannot be bundled, moved or reasoned about alone.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');

interface Manifest {
  name: string;
  workspaces?: string[];
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

const manifest = (dir: string): Manifest => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
const rootManifest = manifest(root);

/** Every workspace directory the root's `workspaces` globs name (`packages/*`, `infra`). */
function workspaces(): string[] {
  return (rootManifest.workspaces ?? []).flatMap((glob) => {
    if (!glob.endsWith('/*')) return [join(root, glob)];
    const parent = join(root, glob.slice(0, -2));
    return readdirSync(parent)
      .map((d) => join(parent, d))
      .filter((d) => statSync(join(d, 'package.json'), { throwIfNoEntry: false })?.isFile());
  });
}

function sourceFiles(dir: string): string[] {
  const found: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.(ts|mts|js|mjs)$/.test(entry.name)) found.push(path);
    }
  };
  for (const sub of ['src', 'bin'])
    if (statSync(join(dir, sub), { throwIfNoEntry: false })) walk(join(dir, sub));
  return found;
}

/** Module specifiers a file imports, static, dynamic, required and in types, each marked type-only or not. */
function importsOf(file: string, text: string): { spec: string; typeOnly: boolean }[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const out: { spec: string; typeOnly: boolean }[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      out.push({ spec: node.moduleSpecifier.text, typeOnly: node.importClause?.isTypeOnly ?? false });
    } else if (
      ts.isExportDeclaration(node) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      out.push({ spec: node.moduleSpecifier.text, typeOnly: node.isTypeOnly });
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      out.push({ spec: node.arguments[0].text, typeOnly: false });
    } else if (
      ts.isCallExpression(node) &&
      ts.isIdentifier(node.expression) &&
      node.expression.text === 'require' &&
      node.arguments[0] &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      // createRequire's require: how the CommonJS-only packages without types are loaded.
      out.push({ spec: node.arguments[0].text, typeOnly: false });
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      const lit = node.argument.literal;
      if (ts.isStringLiteral(lit)) out.push({ spec: lit.text, typeOnly: true });
    } else if (ts.isModuleDeclaration(node) && ts.isStringLiteral(node.name)) {
      // `declare module 'x'` describes a module; it imports nothing by itself.
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

const BUILTIN = new Set(builtinModules);

/** The package a bare specifier names (`@aws-sdk/client-s3/foo` → `@aws-sdk/client-s3`); undefined for local ones. */
function packageOf(spec: string): string | undefined {
  if (spec.startsWith('.') || spec.startsWith('/') || spec.startsWith('node:')) return undefined;
  const parts = spec.split('/');
  const name = spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
  return BUILTIN.has(name) ? undefined : name;
}

/** `@types/x` for `x`, `@types/scope__x` for `@scope/x`. */
const typesOf = (name: string) => `@types/${name.startsWith('@') ? name.slice(1).replace('/', '__') : name}`;

describe('workspace dependencies', () => {
  const dirs = workspaces();

  it('finds every workspace', () => {
    const names = dirs.map((d) => manifest(d).name);
    expect(names).toEqual(
      expect.arrayContaining(['@lingjun/core', '@lingjun/program', '@lingjun/program-import']),
    );
  });

  it.each(dirs.map((d) => [d.slice(root.length + 1), d]))(
    '%s declares every package its source imports',
    (_, dir) => {
      const own = manifest(dir);
      const runtime = { ...own.dependencies, ...own.peerDependencies };
      const any = { ...runtime, ...own.devDependencies };
      const missing = new Set<string>();
      for (const file of sourceFiles(dir)) {
        for (const { spec, typeOnly } of importsOf(file, readFileSync(file, 'utf8'))) {
          const name = packageOf(spec);
          if (!name || name === own.name || name in runtime) continue;
          // Types alone may come from the workspace's dev dependencies or the root's @types tooling.
          if (typeOnly && (name in any || typesOf(name) in (rootManifest.devDependencies ?? {}))) continue;
          missing.add(`${name}（${file.slice(root.length + 1)}）`);
        }
      }
      expect([...missing], `${own.name} 的 package.json 未声明`).toEqual([]);
    },
  );

  it.each(dirs.map((d) => [d.slice(root.length + 1), d]))(
    '%s imports every runtime dependency it declares',
    (_, dir) => {
      const own = manifest(dir);
      const used = new Set(
        sourceFiles(dir).flatMap((file) => {
          const text = readFileSync(file, 'utf8');
          // A package resolved by name (require.resolve, import.meta.resolve, an esbuild plugin's
          // build.resolve) is used as surely as one imported.
          const resolved = [...text.matchAll(/\.resolve\(\s*['"]([^'"./][^'"]*)['"]/g)].map((m) => m[1]!);
          return [...importsOf(file, text).map(({ spec }) => spec), ...resolved].map(packageOf);
        }),
      );
      const unused = Object.keys(own.dependencies ?? {}).filter((name) => !used.has(name));
      expect(unused, `${own.name} 的 package.json 声明了未使用的依赖`).toEqual([]);
    },
  );

  it('keeps runtime dependencies out of the root package.json (it holds dev tooling only)', () => {
    expect(rootManifest.dependencies ?? {}).toEqual({});
  });

  it('keeps spreadsheet and document libraries out of program (they live in program-import and forms)', () => {
    const deps = Object.keys(manifest(join(root, 'packages/program')).dependencies ?? {});
    expect(deps.filter((d) => /exceljs|xlsx|docx|word-extractor|@lingjun\/(forms|registry)/.test(d))).toEqual(
      [],
    );
  });

  it('sees an undeclared import, a type-only import, a dynamic one and a require', () => {
    const found = importsOf(
      'x.ts',
      "import a from 'exceljs';\nimport type { B } from '@aws-sdk/client-s3/dist';\nconst c = () => import('./c.ts');\nexport { d } from 'node:fs';\ntype E = import('zod').ZodType;\nconst f = require('hoodiecrow-imap');\n",
    );
    expect(found).toEqual([
      { spec: 'exceljs', typeOnly: false },
      { spec: '@aws-sdk/client-s3/dist', typeOnly: true },
      { spec: './c.ts', typeOnly: false },
      { spec: 'node:fs', typeOnly: false },
      { spec: 'zod', typeOnly: true },
      { spec: 'hoodiecrow-imap', typeOnly: false },
    ]);
    expect(found.map((f) => packageOf(f.spec))).toEqual([
      'exceljs',
      '@aws-sdk/client-s3',
      undefined,
      undefined,
      'zod',
      'hoodiecrow-imap',
    ]);
    expect(packageOf('fs/promises')).toBeUndefined();
  });
});
