/**
 * Rate limits shared through Redis (runs when REDIS_URL is set): two app instances on one Redis spend one budget;
 * when Redis stops answering (a connection that swallows commands) or goes away, requests still get their answer
 * quickly, counted in memory per instance. Every test writes under its own key prefix, so parallel files and
 * repeated runs never share counts.
 */
import { randomUUID } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Config, loadConfig } from '../../src/server/config.ts';
import { buildSite, call, startTestApp, type TestApp, type TestSite, waitFor } from '../support/app.ts';
import { dialects, type TestDb } from '../support/databases.ts';

const REDIS_URL = process.env.REDIS_URL;

function configFrom(env: Record<string, string>): Partial<Config> {
  const c = loadConfig(env);
  return { rateLimits: c.rateLimits, redisUrl: c.redisUrl, redisKeyPrefix: c.redisKeyPrefix };
}

/** A TCP relay to Redis that can start swallowing traffic (a dead network path) or drop every connection. */
async function relay(target: URL): Promise<{ url: string; swallow(): void; cut(): Promise<void> }> {
  let swallowing = false;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port || 6379), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
      s.on('close', () => sockets.delete(s));
    }
    client.on('data', (d) => {
      if (!swallowing) upstream.write(d);
    });
    upstream.on('data', (d) => {
      if (!swallowing) client.write(d);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `redis://127.0.0.1:${port}`,
    swallow: () => {
      swallowing = true;
    },
    cut: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}

describe.skipIf(!REDIS_URL).each(dialects())('rate limits shared through Redis on $name', (dialect) => {
  let db: TestDb;
  const apps: TestApp[] = [];
  beforeAll(async () => {
    db = await dialect.open();
  });
  afterAll(async () => {
    for (const a of apps) await a.close();
    await db.dispose();
  });
  async function instance(env: Record<string, string>): Promise<TestApp> {
    const t = await startTestApp(db, configFrom(env));
    apps.push(t);
    return t;
  }
  const connected = (...instances: TestApp[]) =>
    waitFor('every instance connected to Redis', async () =>
      instances.every((i) => i.deps.limits.shared()) ? true : undefined,
    );
  const mint = (t: TestApp, site: TestSite, remoteAddress: string) =>
    call(t.app, 'POST', '/oauth2/token', { body: { clientId: site.clientId, grantType: 'anonymous' }, remoteAddress });

  it('lets two instances on one Redis spend one budget per address and per site', async () => {
    const env = {
      REDIS_URL: REDIS_URL ?? '',
      REDIS_KEY_PREFIX: `verdict-test:${randomUUID()}:`,
      RATE_LIMIT_TOKENS_PER_ADDRESS: '4/1m',
      RATE_LIMIT_TOKENS_PER_SITE: '6/1m',
    };
    const a = await instance(env);
    const b = await instance(env);
    await connected(a, b);
    const site = await buildSite(a);
    const statuses = [];
    for (const t of [a, b, a, b, a]) statuses.push((await mint(t, site, '203.0.113.10')).status);
    expect(statuses).toEqual([200, 200, 200, 200, 429]);
    const last = await mint(b, site, '203.0.113.10');
    expect(last.status).toBe(429);
    expect(last.headers.ratelimit).toMatch(/^"tokens-per-address";r=0;t=\d+$/);
    // The site's budget is shared too: 4 spent above, 2 left across both instances.
    expect((await mint(a, site, '203.0.113.11')).status).toBe(200);
    expect((await mint(b, site, '203.0.113.12')).status).toBe(200);
    expect((await mint(a, site, '203.0.113.13')).status).toBe(429);
    // A third instance with another prefix (another deployment) has budgets of its own.
    const other = await instance({ ...env, REDIS_KEY_PREFIX: `verdict-test:${randomUUID()}:` });
    await connected(other);
    expect((await mint(other, site, '203.0.113.10')).status).toBe(200);
  });

  it('answers quickly from in-memory counts when Redis stops answering, and when the connection is gone', async () => {
    const path = await relay(new URL(REDIS_URL ?? ''));
    const t = await instance({
      REDIS_URL: path.url,
      REDIS_KEY_PREFIX: `verdict-test:${randomUUID()}:`,
      RATE_LIMIT_TOKENS_PER_ADDRESS: '2/1m',
    });
    await connected(t);
    const site = await buildSite(t);
    expect((await mint(t, site, '198.51.100.1')).status).toBe(200);
    // Commands now vanish on the way: the first one times out, the client drops the connection, and from then on
    // the in-memory limiter answers at once.
    path.swallow();
    let started = Date.now();
    expect((await mint(t, site, '198.51.100.2')).status).toBe(200);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(t.deps.limits.shared()).toBe(false);
    started = Date.now();
    const memory = [];
    for (let i = 0; i < 3; i++) memory.push((await mint(t, site, '198.51.100.2')).status);
    expect(memory).toEqual([200, 429, 429]);
    expect(Date.now() - started).toBeLessThan(1000);
    // The connection drops: commands are not even tried until it is back.
    await path.cut();
    await waitFor('the instance to see Redis gone', async () => (t.deps.limits.shared() ? undefined : true));
    started = Date.now();
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await mint(t, site, '198.51.100.3')).status);
    expect(statuses).toEqual([200, 200, 429]);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
