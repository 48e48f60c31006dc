/**
 * A SQLite server without Redis or NATS does not load the packages only other configurations use (the PostgreSQL
 * driver, the Redis and NATS clients) nor the XML writer of the Google feed export until a feed is exported: each
 * costs heap for as long as the process runs. Checked in a process of its own, since this test runner has loaded
 * them all for other tests.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const OPTIONAL = ['pg', 'ioredis', 'nats', 'xmlbuilder2'];
const root = join(import.meta.dirname, '../..');
const source = (path: string) => JSON.stringify(pathToFileURL(join(root, path)).href);

const script = `
import { createRequire } from 'node:module';
const { loadConfig } = await import(${source('src/server/config.ts')});
const { startServer } = await import(${source('src/server/main.ts')});
const loaded = () => {
  const files = Object.keys(createRequire(import.meta.url).cache);
  return ${JSON.stringify(OPTIONAL)}.filter((p) => files.some((f) => f.includes('/node_modules/' + p + '/')));
};
const server = await startServer(
  loadConfig({ DATABASE_URL: process.env.DB_URL, PORT: '0', LOG_LEVEL: 'silent' }),
  () => {},
  () => {},
);
const res = await fetch(server.url + '/reviews/v1/reviews/00000000-0000-4000-8000-000000000000');
const atServing = loaded();
await server.ctx.app.inject({ method: 'GET', url: '/metrics' });
const { exportReviews } = await import(${source('src/server/imports/export.service.ts')});
const feed = { productUrl: 'https://shop.example/{entityId}', publisher: 'Shop' };
for await (const _ of exportReviews(server.ctx.deps, 'no-such-site', 'google', feed)) {}
console.log(JSON.stringify({ status: res.status, atServing, afterFeed: loaded() }));
await server.close();
`;

describe('packages of other configurations', () => {
  const dir = mkdtempSync(join(tmpdir(), 'verdict-optional-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('are not loaded by a SQLite server; the XML writer loads with the first feed export', async () => {
    // A file, not --eval: the server's worker threads inherit the process's flags.
    const file = join(dir, 'serve.mjs');
    writeFileSync(file, script);
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', file], {
      cwd: root,
      env: { ...process.env, DB_URL: `sqlite:${join(dir, 'v.db')}` },
    });
    const out = JSON.parse(stdout.trim().split('\n').pop() ?? '{}');
    expect(out.status).toBeGreaterThanOrEqual(400);
    expect(out.status).toBeLessThan(500);
    expect(out.atServing).toEqual([]);
    expect(out.afterFeed).toEqual(['xmlbuilder2']);
  }, 60_000);
});
