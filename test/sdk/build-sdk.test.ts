/**
 * The SDK build (scripts/build-sdk.mjs) on a small contract and SDK in the shapes it must handle
 * (test/fixtures/sdk-build): the bundles keep the contract's plain values and drop its schemas and TypeBox, and the
 * declarations write out every type TypeBox computes — `Static<…>`, generic types over an operations table,
 * `typeof` indexed accesses — so they name no package. test/e2e/sdk-package.e2e.test.ts builds the real SDK.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSdk, markContractConstantsPure } from '../../scripts/build-sdk.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURE = join(ROOT, 'test/fixtures/sdk-build');

describe('the SDK build', () => {
  let pkg: string;
  const read = (path: string) => readFileSync(join(pkg, 'dist', path), 'utf8');

  beforeAll(async () => {
    pkg = mkdtempSync(join(tmpdir(), 'verdict-sdk-build-'));
    mkdirSync(join(pkg, 'dist'), { recursive: true });
    copyFileSync(join(ROOT, 'packages/sdk/package.json'), join(pkg, 'package.json'));
    await buildSdk(FIXTURE, { packageDir: pkg, log: () => {} });
  }, 60_000);
  afterAll(() => rmSync(pkg, { recursive: true, force: true }));

  it('bundles the plain values the SDK reads and none of the schemas or TypeBox', () => {
    for (const file of ['index.js', 'index.cjs', 'browser.js']) {
      const js = read(file);
      expect(js, file).toContain('/verdict/v1/rules');
      expect(js, file).not.toMatch(/typebox|Object\(\{|"~kind"/);
    }
    expect(read('index.js')).toContain('nameMaxLength: 10');
  });

  it('writes out the types TypeBox computes, in ES module and CommonJS declarations naming no package', () => {
    const sdk = read('types/sdk/index.d.ts');
    expect(sdk).not.toMatch(/typebox|Static|OPERATIONS|ResponseOf|BodyOf/);
    expect(sdk).toContain('method: "POST";');
    expect(sdk.replace(/\s+/g, ' ')).toContain(
      'listRules(): Promise<{ rules: { hold?: boolean | undefined; id: string; name: string; }[]; }>;',
    );
    const contract = read('types/contract/catalogue.d.ts');
    expect(contract).not.toMatch(/typebox|Static|OPERATIONS/);
    expect(contract).toContain('export type OperationName = "listRules" | "createRule";');
    expect(contract.replace(/\s+/g, ' ')).toContain(
      'export type Rule = { hold?: boolean | undefined; id: string; name: string; };',
    );
    expect(read('types/sdk/index.d.cts')).toContain('from "../contract/index.cjs"');
    expect(read('types/sdk/index.d.ts')).toContain('from "../contract/index.js"');
  });

  it('wraps only the computed top-level constants of a contract module, as pure calls', () => {
    const source = [
      "export const A = 'plain';",
      'export const B = Type.String({ maxLength: LIMITS.max });',
      'export const C = (x: string) => Type.String({ description: x });',
      'function helper() { return Type.Null(); }',
    ].join('\n');
    expect(markContractConstantsPure(ts, source, 'x.ts').split('\n')).toEqual([
      "export const A = 'plain';",
      'export const B = /* @__PURE__ */ (() => (Type.String({ maxLength: LIMITS.max })))();',
      'export const C = (x: string) => Type.String({ description: x });',
      'function helper() { return Type.Null(); }',
    ]);
  });
});
