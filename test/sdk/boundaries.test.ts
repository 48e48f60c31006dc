/**
 * Module boundaries of `verdict/sdk`: the browser entry reaches only `src/sdk` and `src/contract` and no Node
 * built-in; its only package dependency is the contract's (typebox); nothing under `src/sdk` imports the server.
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

  it('package.json exports verdict/sdk and verdict/sdk/node', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: Record<string, string> };
    expect(pkg.exports['./sdk']).toBe('./src/sdk/index.ts');
    expect(pkg.exports['./sdk/node']).toBe('./src/sdk/node.ts');
  });
});
