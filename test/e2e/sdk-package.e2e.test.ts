/**
 * @verdict/sdk as a shop's app gets it: built from the sources (scripts/build-sdk.mjs), packed with `npm pack`,
 * installed from the tarball into a fresh app that has nothing else, then used without tsx or a bundler — an ES
 * module script and a CommonJS script against a live server (every dialect), `tsc --strict` over a file calling
 * every method, and (with CHROMIUM_PATH) the browser build in headless Chromium on a page of another origin.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROWSER_GZIP_BUDGET, buildSdk, type SdkBuildSizes } from '../../scripts/build-sdk.mjs';
import { loadConfig } from '../../src/server/config.ts';
import { buildSite, startTestApp, type TestApp, type TestSite } from '../support/app.ts';
import { CHROMIUM, launchChromium } from '../support/browser.ts';
import { dialects, type TestDb } from '../support/databases.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURES = join(ROOT, 'test/fixtures/sdk-package');
const TSC = join(ROOT, 'node_modules/.bin/tsc');

/**
 * The environment of the child processes: no NODE_OPTIONS (so no tsx loader), none of the `npm_*` settings of an
 * enclosing `npm test`, and npm's cache in the temp directory.
 */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env))
    if (!/^(npm_|NODE_OPTIONS$|VITEST|TEST_DATABASE_URL$)/i.test(k)) env[k] = v;
  return { ...env, npm_config_cache: join(work, 'npm-cache'), npm_config_update_notifier: 'false', ...extra };
}

const execFileAsync = promisify(execFile);

/** Runs a program to completion; fails with its output when it exits non-zero. */
async function run(file: string, args: string[], cwd: string, env: Record<string, string> = {}): Promise<string> {
  try {
    const { stdout } = await execFileAsync(file, args, { cwd, env: childEnv(env), maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${file} ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
}

/** What test/fixtures/sdk-package/esm.mjs prints. */
interface EsmResult {
  defaultIsNamed: boolean;
  reviewId: string;
  createdDateIsDate: boolean;
  fetchedId: string;
  reply: string | undefined;
  visitorReviewId: string;
  queried: string[];
  denied: string | undefined;
  events: string[];
  trashed: string[];
  fragment: string;
  exports: string[];
}

/** What test/fixtures/sdk-package/cjs.cjs prints. */
interface CjsResult {
  reviewId: string;
  summary: { count: number; average: number };
  count: number;
  defaultIsNamed: boolean;
  viaDefaultId: string;
  notFound: { isVerdictError: boolean; code: string; status: number } | undefined;
  filePositionStore: string;
}

/** What test/fixtures/sdk-package/page.html leaves in `window.__result`. */
interface PageResult {
  error?: string;
  createdIsDate: boolean;
  createdId: string;
  queried: string[];
  viaDefaultId: string;
  notFound: { isVerdictError: boolean; code: string; requestId: string | null } | undefined;
  headers: { requestId: string | null; rateLimit: string | null; rateLimitPolicy: string | null; etag: string | null };
}

/** The last stdout line of a script, parsed as the JSON it prints. */
async function runScript<T>(script: string, env: Record<string, string>): Promise<T> {
  const out = (await run(process.execPath, [script], app, env)).trim().split('\n');
  return JSON.parse(out[out.length - 1] ?? 'null');
}

let work: string;
let app: string;
let sizes: SdkBuildSizes;
let packedFiles: string[];

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'verdict-sdk-package-'));
  const pkg = join(work, 'package');
  mkdirSync(pkg);
  for (const f of ['package.json', 'README.md']) copyFileSync(join(ROOT, 'packages/sdk', f), join(pkg, f));
  const built = await buildSdk(ROOT, { packageDir: pkg, log: () => {} });
  if (!built) throw new Error('the SDK was not built (is TypeScript installed?)');
  sizes = built;
  const [packed] = JSON.parse(await run('npm', ['pack', '--json', '--pack-destination', work], pkg));
  packedFiles = packed.files.map((f: { path: string }) => f.path).sort();
  app = join(work, 'app');
  mkdirSync(app);
  // An ES module app, so every-method.ts checks the ES module declarations and commonjs.cts the CommonJS ones.
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({ name: 'shop-app', version: '1.0.0', private: true, type: 'module' }),
  );
  await run('npm', ['install', join(work, packed.filename), '--no-audit', '--no-fund', '--offline'], app);
  for (const f of readdirSync(FIXTURES)) copyFileSync(join(FIXTURES, f), join(app, f));
}, 120_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the packed @verdict/sdk', () => {
  it('holds only its builds, declarations and README, and installs no other package', () => {
    expect(packedFiles.filter((f) => !f.startsWith('dist/'))).toEqual(['README.md', 'package.json']);
    expect(packedFiles).toEqual(
      expect.arrayContaining([
        'dist/index.js',
        'dist/index.cjs',
        'dist/browser.js',
        'dist/node.js',
        'dist/node.cjs',
        'dist/types/sdk/index.d.ts',
        'dist/types/sdk/index.d.cts',
        'dist/types/sdk/node.d.ts',
        'dist/types/sdk/node.d.cts',
      ]),
    );
    const manifest = JSON.parse(readFileSync(join(app, 'node_modules/@verdict/sdk/package.json'), 'utf8'));
    expect(manifest.dependencies ?? {}).toEqual({});
    expect(manifest.peerDependencies ?? {}).toEqual({});
    expect(readdirSync(join(app, 'node_modules')).filter((d) => !d.startsWith('.'))).toEqual(['@verdict']);
  });

  it(`has a browser build of at most ${BROWSER_GZIP_BUDGET / 1024} KB gzipped, with no Node built-in and no TypeBox`, () => {
    expect(sizes.gzipBytes, `browser.js is ${sizes.gzipBytes} bytes gzipped`).toBeLessThanOrEqual(BROWSER_GZIP_BUDGET);
    const browser = readFileSync(join(app, 'node_modules/@verdict/sdk/dist/browser.js'), 'utf8');
    expect(browser).not.toMatch(/["']node:|\brequire\(|typebox|process\.env/);
  });

  it('has declarations that name no other package and no TypeScript source', () => {
    const dir = join(app, 'node_modules/@verdict/sdk/dist/types');
    const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => /\.d\.c?ts$/.test(f));
    expect(files.length).toBe(sizes.typeFiles * 2);
    let relativeImports = 0;
    for (const f of files) {
      const text = readFileSync(join(dir, f), 'utf8');
      // Module specifiers of import/export statements and import() types (not the examples in doc comments).
      const statements = [...text.matchAll(/^(?:import|export)\b[^;]*?\bfrom\s+["']([^"']+)["']/gm)];
      const typeImports = [...text.matchAll(/\bimport\(["']([^"']+)["']\)/g)];
      const specifiers = [...statements, ...typeImports].map((m) => m[1]);
      expect(
        specifiers.filter((s) => !/^\.\.?\/[^"']+\.c?js$/.test(s ?? '')),
        f,
      ).toEqual([]);
      // A CommonJS declaration imports CommonJS ones.
      if (f.endsWith('.d.cts'))
        expect(
          specifiers.filter((s) => s?.endsWith('.js')),
          f,
        ).toEqual([]);
      relativeImports += specifiers.length;
    }
    expect(relativeImports).toBeGreaterThan(20);
  });

  it('type-checks a file calling every method, as ES module and CommonJS, with tsc --strict', async () => {
    const names = (await run(process.execPath, ['--input-type=module', '-e', LIST_METHODS], app)) as string;
    const methods: string[] = JSON.parse(names);
    const source = readFileSync(join(app, 'every-method.ts'), 'utf8');
    expect(methods.length).toBeGreaterThan(20);
    expect(methods.filter((m) => !source.includes(m))).toEqual([]);
    const tsconfig = (compilerOptions: object) => ({
      compilerOptions: { strict: true, noEmit: true, target: 'ES2022', module: 'NodeNext', ...compilerOptions },
      files: ['every-method.ts', 'commonjs.cts'],
    });
    // A browser or universal app (DOM types, no Node types) checking the package's declarations themselves (only
    // TypeScript's own lib files skipped), and a Node backend (Node types, no DOM) configured as most apps are.
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify(tsconfig({ lib: ['ES2022', 'DOM'], types: [], skipLibCheck: false, skipDefaultLibCheck: true })),
    );
    writeFileSync(
      join(app, 'tsconfig.node.json'),
      JSON.stringify(
        tsconfig({
          lib: ['ES2022'],
          types: ['node'],
          typeRoots: [join(ROOT, 'node_modules/@types')],
          skipLibCheck: true,
        }),
      ),
    );
    await Promise.all([run(TSC, ['-p', 'tsconfig.json'], app), run(TSC, ['-p', 'tsconfig.node.json'], app)]);
  }, 60_000);
});

/** Lists `module.function` for every function of every plain-object module of a client, nested ones included. */
const LIST_METHODS = `
import { createClient } from '@verdict/sdk';
const client = createClient({ baseUrl: 'http://localhost', auth: { apiKey: 'k' } });
const out = [];
const walk = (value, prefix) => {
  for (const [key, v] of Object.entries(value)) {
    if (typeof v === 'function') out.push(prefix + key);
    else if (v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) walk(v, prefix + key + '.');
  }
};
walk(client, '');
console.log(JSON.stringify(out));
`;

describe.each(dialects())('@verdict/sdk from the tarball against a live server on $name', (dialect) => {
  let db: TestDb;
  let t: TestApp;
  let site: TestSite;
  let env: Record<string, string>;

  beforeAll(async () => {
    db = await dialect.open();
    t = await startTestApp(db);
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    site = await buildSite(t);
    env = {
      VERDICT_URL: `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`,
      VERDICT_ADMIN_KEY: site.adminKey,
      VERDICT_CLIENT_ID: site.clientId,
      POSITION_FILE: join(work, `${dialect.name}.position`),
    };
  });
  afterAll(async () => {
    await t?.close();
    await db?.dispose();
  });

  it('runs an ES module script with plain Node: the default module, elevate, a visitor, errors and events', async () => {
    const r = await runScript<EsmResult>('esm.mjs', env);
    expect(r).toMatchObject({
      defaultIsNamed: true,
      createdDateIsDate: true,
      fetchedId: r.reviewId,
      reply: 'Thank you!',
      denied: 'PERMISSION_DENIED',
      queried: [r.reviewId, r.visitorReviewId],
      trashed: [r.visitorReviewId],
      fragment: expect.stringMatching(/^<section class="verdict-fragment"[^<]*>$/),
    });
    expect(r.events).toEqual([r.reviewId, r.visitorReviewId]);
    expect(r.exports).toEqual(expect.arrayContaining(['configure', 'createClient', 'default', 'elevate', 'reviews']));
    // The position file lets the next run resume after these events.
    expect(readFileSync(env.POSITION_FILE ?? '', 'utf8').trim()).not.toBe('');
  });

  it('runs a CommonJS script with require(): createClient, the default module, ratings and a typed error', async () => {
    const r = await runScript<CjsResult>('cjs.cjs', env);
    expect(r).toMatchObject({
      count: 1,
      defaultIsNamed: true,
      viaDefaultId: r.reviewId,
      notFound: { isVerdictError: true, code: 'REVIEW_NOT_FOUND', status: 404 },
      filePositionStore: 'function',
    });
    expect(r.summary).toMatchObject({ count: 1, average: 4 });
  });
});

describe('@verdict/sdk across origins', () => {
  let db: TestDb;
  let t: TestApp;
  let site: TestSite;
  let api: string;
  const pages: Server[] = [];
  let allowed: string;
  let other: string;

  /** A tiny static server for the shop page: the page, the SDK's browser build, and a blank page. */
  async function pageServer(): Promise<string> {
    const html = readFileSync(join(app, 'page.html'));
    const sdk = readFileSync(join(app, 'node_modules/@verdict/sdk/dist/browser.js'));
    const server = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      if (path === '/') res.writeHead(200, { 'content-type': 'text/html' }).end(html);
      else if (path === '/sdk.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(sdk);
      else if (path === '/blank') res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><p>blank');
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    pages.push(server);
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  beforeAll(async () => {
    allowed = await pageServer();
    other = await pageServer();
    const first = dialects()[0];
    if (!first) throw new Error('no dialect');
    db = await first.open();
    // The default rate limits, so limited routes send their RateLimit headers.
    t = await startTestApp(db, { corsOrigins: [allowed], rateLimits: loadConfig({}).rateLimits });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    api = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    site = await buildSite(t);
  });
  afterAll(async () => {
    for (const s of pages) await new Promise((resolve) => s.close(resolve));
    await t?.close();
    await db?.dispose();
  });

  it('allows only the configured origins, without credentials, and exposes the headers a client reads', async () => {
    const preflight = (origin: string) =>
      fetch(`${api}/reviews/v1/reviews/query`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization,content-type,wix-site-id',
        },
      });
    const ok = await preflight(allowed);
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe(allowed);
    expect(ok.headers.get('access-control-allow-credentials')).toBeNull();
    expect(ok.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('wix-site-id');
    const refused = await preflight(other);
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();

    const token = await fetch(`${api}/oauth2/token`, {
      method: 'POST',
      headers: { origin: allowed, 'content-type': 'application/json' },
      body: JSON.stringify({ grantType: 'anonymous', clientId: site.clientId }),
    });
    expect(token.headers.get('vary')?.toLowerCase()).toContain('origin');
    const exposed = (token.headers.get('access-control-expose-headers') ?? '').split(/,\s*/);
    expect(exposed).toEqual(
      expect.arrayContaining(['X-Wix-Request-Id', 'RateLimit', 'RateLimit-Policy', 'Retry-After', 'ETag']),
    );
  });

  it.skipIf(!CHROMIUM)(
    'runs the browser build in Chromium on another origin, calling the live server',
    async () => {
      const browser = await launchChromium();
      try {
        const page = await browser.newPage();
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(String(e)));
        await page.goto(`${allowed}/?api=${encodeURIComponent(api)}&clientId=${encodeURIComponent(site.clientId)}`);
        await page.waitForFunction(() => '__result' in window, null, { timeout: 15_000 });
        const r = await page.evaluate(() => (window as unknown as { __result: PageResult }).__result);
        expect(errors).toEqual([]);
        expect(r.error).toBeUndefined();
        expect(r).toMatchObject({
          createdIsDate: true,
          queried: [r.createdId],
          viaDefaultId: r.createdId,
          notFound: { isVerdictError: true, code: 'REVIEW_NOT_FOUND' },
        });
        // Readable across origins only because the server exposes them.
        expect(r.notFound?.requestId).toMatch(/\S/);
        expect(r.headers.requestId).toMatch(/\S/);
        expect(r.headers.rateLimit).toContain('tokens-per-address');
        expect(r.headers.rateLimitPolicy).toContain('tokens-per-address');
        expect(r.headers.etag).toMatch(/\S/);

        // A page of an origin not in CORS_ORIGINS cannot read the API.
        await page.goto(`${other}/blank`);
        const blocked = await page.evaluate(async (url) => {
          try {
            await fetch(`${url}/reviews/v1/reviews/count`, { method: 'POST', body: '{}' });
            return 'read';
          } catch (err) {
            return String(err);
          }
        }, api);
        expect(blocked).toMatch(/TypeError/);
      } finally {
        await browser.close();
      }
    },
    60_000,
  );
});
