/**
 * Module boundaries of `verdict/sdk`: the browser entry reaches only `src/sdk` and `src/contract` and no Node
 * built-in; its only package import is the contract's (typebox, which the package build leaves out when only types
 * and plain values are used); nothing under `src/sdk` imports the server; the package names resolve as ADR 0010 says.
 * Read from the import graph of the source files, so a new import breaks this test, not a user's bundle.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const specifiers = (file: string): string[] =>
  [
    ...readFileSync(file, 'utf8').matchAll(
      /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/g,
    ),
  ].map((m) => m[1] ?? m[2] ?? '');

/** Every file reachable from `entry` through relative imports, and every non-relative specifier met. */
function graph(entry: string): { files: string[]; packages: string[] } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    for (const spec of specifiers(file)) {
      if (spec.startsWith('.')) visit(resolve(dirname(file), spec));
      else packages.add(spec);
    }
  };
  visit(resolve(root, entry));
  return { files: [...files].map((f) => relative(root, f)).sort(), packages: [...packages].sort() };
}

const isNodeBuiltin = (spec: string) => spec.startsWith('node:') || builtinModules.includes(spec.split('/')[0] ?? '');

describe('verdict/sdk module boundaries', () => {
  it('the browser entry reaches only src/sdk and src/contract, no Node built-in, and only typebox as a package', () => {
    const { files, packages } = graph('src/sdk/index.ts');
    expect(files.filter((f) => !f.startsWith('src/sdk/') && !f.startsWith('src/contract/'))).toEqual([]);
    expect(files).not.toContain('src/sdk/node.ts');
    expect(packages.filter(isNodeBuiltin)).toEqual([]);
    expect(packages.filter((p) => p !== 'typebox')).toEqual([]);
  });

  it('no file under src/sdk imports src/server', () => {
    const dir = resolve(root, 'src/sdk');
    for (const name of readdirSync(dir)) {
      const file = join(dir, name);
      for (const spec of specifiers(file).filter((s) => s.startsWith('.'))) {
        expect([name, relative(root, resolve(dir, spec)).startsWith('src/server')]).toEqual([name, false]);
      }
    }
  });

  it('no file under src/sdk imports the catalogue with its schemas (operation names come from names.ts)', () => {
    const dir = resolve(root, 'src/sdk');
    const catalogue = 'src/contract/operations/index.ts';
    for (const name of readdirSync(dir)) {
      const imported = specifiers(join(dir, name))
        .filter((s) => s.startsWith('.'))
        .map((s) => relative(root, resolve(dir, s)));
      expect([name, imported.includes(catalogue)]).toEqual([name, false]);
    }
  });

  it('verdict/sdk and @verdict/sdk resolve to the built package, and to the sources inside this repository', () => {
    const read = (path: string) => JSON.parse(readFileSync(join(root, path), 'utf8'));
    const built = {
      '.': {
        import: { types: './dist/types/sdk/index.d.ts', browser: './dist/browser.js', default: './dist/index.js' },
        require: { types: './dist/types/sdk/index.d.cts', default: './dist/index.cjs' },
      },
      './node': {
        import: { types: './dist/types/sdk/node.d.ts', default: './dist/node.js' },
        require: { types: './dist/types/sdk/node.d.cts', default: './dist/node.cjs' },
      },
    };
    const sdk = read('packages/sdk/package.json');
    expect(sdk).toMatchObject({ name: '@verdict/sdk', type: 'module', exports: built });
    expect(sdk.dependencies ?? {}).toEqual({});
    // The root package points at the same files (`dist/…` under packages/sdk), without the browser condition.
    const under = (target: { import: object; require: object }) =>
      JSON.parse(
        JSON.stringify(target)
          .replaceAll('"./dist/', '"./packages/sdk/dist/')
          .replace(/"browser":"[^"]*",/, ''),
      );
    expect(read('package.json').exports).toMatchObject({
      './sdk': under(built['.']),
      './sdk/node': under(built['./node']),
    });
    expect(read('tsconfig.json').compilerOptions.paths).toMatchObject({
      'verdict/sdk': ['./src/sdk/index.ts'],
      'verdict/sdk/node': ['./src/sdk/node.ts'],
      '@verdict/sdk': ['./src/sdk/index.ts'],
      '@verdict/sdk/node': ['./src/sdk/node.ts'],
    });
  });
});
