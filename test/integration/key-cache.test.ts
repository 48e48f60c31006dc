/**
 * The site cache (API keys by hash, site rows) in a running app, against revocations and changes made by another
 * instance (a second connection or pool), by plain SQL, and by the real CLI in another process. On SQLite the next
 * request sees them; on PostgreSQL they travel as a notification, so the test waits for it with a deadline, and the
 * cache is shown to be bypassed whenever the listener is not connected.
 */
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type AppContext, createApp } from '../../src/server/app.ts';
import { CONFIG_KEYS, loadConfig } from '../../src/server/config.ts';
import { announceChange, type ChangeSignal, createChangeSignal } from '../../src/server/db/change-signal.ts';
import type { Db } from '../../src/server/db/database.ts';
import { readThroughSites } from '../../src/server/demo/demo.service.ts';
import { type DbDeps, systemClock } from '../../src/server/deps.ts';
import { moderationRepo } from '../../src/server/moderation/moderation.repo.ts';
import { updateModerationRules } from '../../src/server/moderation/moderation.service.ts';
import { createSiteCache } from '../../src/server/sites/site-cache.ts';
import { sitesRepo } from '../../src/server/sites/sites.repo.ts';
import {
  createApiKey,
  createSite,
  hashKey,
  revokeApiKey,
  updateSiteSettings,
} from '../../src/server/sites/sites.service.ts';
import { call, reviewBody, waitFor } from '../support/app.ts';
import {
  dialects,
  namedChangeSignal,
  openInstance,
  type TestDb,
  writeFromAnotherProcess,
} from '../support/databases.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Each CLI run is a fresh Node process loading TypeScript: seconds on a busy machine. */
const SLOW = { timeout: 120_000 };
/** How long a notification may take to arrive before a PostgreSQL test fails. */
const NOTIFY_DEADLINE_MS = 5_000;

/** Runs the real `verdict` CLI against `databaseUrl`, configured only by the environment. */
function verdict(args: string[], databaseUrl: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env };
  for (const { env: key } of CONFIG_KEYS) delete env[key];
  env.DATABASE_URL = databaseUrl;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(ROOT, 'bin', 'verdict.mjs'), ...args],
      { cwd: ROOT, env, timeout: 60_000 },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }),
    );
  });
}

async function startApp(db: Db, changes?: ChangeSignal): Promise<AppContext> {
  const ctx = await createApp(db, loadConfig({ LOG_LEVEL: 'silent' }), { logger: false, changes, clock: systemClock });
  await ctx.app.ready();
  return ctx;
}

/** Marks a key revoked with plain SQL: no cache is told and no notification is sent. */
const revokeBehindTheBack = (db: Db, keyId: string) =>
  sql`update api_keys set revoked_at = ${new Date().toISOString()} where id = ${keyId}`.execute(db.db);

describe.each(dialects())('API-key and site cache on $name', (dialect) => {
  let db: TestDb;
  let t: AppContext;
  /** Another instance on the same database: its own connection (SQLite) or pool (PostgreSQL), and no cache. */
  let other: Db;
  let otherDeps: DbDeps;

  beforeAll(async () => {
    db = await dialect.open();
    t = await startApp(db);
    await waitFor('the change signal to be live', async () => t.changes.epoch());
    other = openInstance(db.url);
    otherDeps = { db: other.db, dialect: other.dialect, clock: () => new Date() };
  });
  afterAll(async () => {
    await t?.app.close();
    await other?.close();
    await db?.dispose();
  });

  const status = async (key: string, app = t) =>
    (await call(app.app, 'GET', '/verdict/v1/site/settings', { auth: key })).status;

  /**
   * The status the next request gets: asked once on SQLite, where another connection's commit is seen by the next
   * request; on PostgreSQL asked until it comes or the deadline passes, as a notification arrives asynchronously.
   */
  async function expectNext(key: string, expected: number): Promise<void> {
    if (dialect.name === 'sqlite') {
      expect(await status(key)).toBe(expected);
      return;
    }
    await waitFor(
      `a request with the key to get ${expected}`,
      async () => ((await status(key)) === expected ? true : undefined),
      NOTIFY_DEADLINE_MS,
    );
  }

  async function siteWithKey() {
    const { site, adminKey } = await createSite(t.deps, `cache-${randomUUID()}`);
    const extra = await createApiKey(t.deps, site.id, { kind: 'admin', name: 'cached' });
    return { site, adminKey, key: extra.key, keyId: extra.row.id };
  }

  it('refuses a cached key once another instance revokes it', async () => {
    const { site, key, keyId } = await siteWithKey();
    expect(await status(key)).toBe(200);
    expect(await status(key)).toBe(200);
    expect(await revokeApiKey(otherDeps, site.id, keyId)).toBe(true);
    await expectNext(key, 401);
  });

  it('refuses a cached key on the very next request when this process revokes it', async () => {
    const { site, key, keyId } = await siteWithKey();
    expect(await status(key)).toBe(200);
    expect(await revokeApiKey(t.deps, site.id, keyId)).toBe(true);
    expect(await status(key)).toBe(401);
  });

  it("refuses a key revoked on another site while this site's cached keys keep working", async () => {
    const mine = await siteWithKey();
    const theirs = await siteWithKey();
    expect(await status(mine.key)).toBe(200);
    expect(await status(theirs.key)).toBe(200);
    expect(await revokeApiKey(otherDeps, theirs.site.id, theirs.keyId)).toBe(true);
    await expectNext(theirs.key, 401);
    expect(await status(mine.key)).toBe(200);
    expect(await status(mine.adminKey)).toBe(200);
  });

  it('accepts a key created elsewhere on its first request, even right after the same key was refused', async () => {
    const { site } = await siteWithKey();
    const key = `vdt_admin_${randomBytes(32).toString('base64url')}`;
    expect(await status(key)).toBe(401);
    // Written through the app's own connection or pool with no cache told and no notification: a refusal is
    // never remembered, so nothing needs telling.
    await sitesRepo.insertKey(db.db, {
      site_id: site.id,
      id: randomUUID(),
      kind: 'admin',
      name: 'made elsewhere',
      display_prefix: key.slice(0, 16),
      last_four: key.slice(-4),
      key_hash: hashKey(key),
      scopes_json: '[]',
      app_id: null,
      created_at: new Date().toISOString(),
      revoked_at: null,
    });
    expect(await status(key)).toBe(200);
  });

  it('applies site settings changed by another instance to the next review', async () => {
    const { adminKey, site } = await siteWithKey();
    const create = () => call(t.app, 'POST', '/reviews/v1/reviews', { auth: adminKey, body: reviewBody() });
    expect((await create()).body.review.moderation.moderationStatus).toBe('APPROVED');
    await updateSiteSettings(otherDeps, site.id, { moderation: { mode: 'HOLD_ALL', heldRatings: [] } });
    if (dialect.name === 'sqlite') {
      expect((await create()).body.review.moderation.moderationStatus).toBe('IN_MODERATION');
    } else {
      await waitFor(
        'a new review to be held for moderation',
        async () => ((await create()).body.review.moderation.moderationStatus === 'IN_MODERATION' ? true : undefined),
        NOTIFY_DEADLINE_MS,
      );
    }
  });

  it('applies moderation rules changed by another instance to the next review, without reading them per create', async () => {
    const { adminKey, site } = await siteWithKey();
    const reads = vi.spyOn(moderationRepo, 'allRules');
    try {
      const create = async () => {
        const res = await call(t.app, 'POST', '/reviews/v1/reviews', { auth: adminKey, body: reviewBody() });
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        return res.body.review.moderation.moderationStatus as string;
      };
      expect(await create()).toBe('APPROVED');
      expect(await create()).toBe('APPROVED');
      expect(await create()).toBe('APPROVED');
      // Read once for the site, then served from the cache.
      expect(reads.mock.calls.filter(([, id]) => id === site.id)).toHaveLength(1);
      await updateModerationRules(
        { ...otherDeps, sites: readThroughSites(other.db) },
        site.id,
        { namespace: 'stores', rules: [{ type: 'HOLD_ALL' }] },
        { kind: 'ADMIN', id: 'other-instance' },
      );
      if (dialect.name === 'sqlite') {
        expect(await create()).toBe('IN_MODERATION');
      } else {
        await waitFor(
          'a new review to be held by the new rules',
          async () => ((await create()) === 'IN_MODERATION' ? true : undefined),
          NOTIFY_DEADLINE_MS,
        );
      }
    } finally {
      reads.mockRestore();
    }
  });

  it('applies moderation rules changed through this instance to the very next review', async () => {
    const { adminKey } = await siteWithKey();
    const create = async () =>
      (await call(t.app, 'POST', '/reviews/v1/reviews', { auth: adminKey, body: reviewBody() })).body.review.moderation
        .moderationStatus as string;
    expect(await create()).toBe('APPROVED');
    const put = await call(t.app, 'PUT', '/verdict/v1/moderation/rules', {
      auth: adminKey,
      body: { namespace: 'stores', rules: [{ type: 'HOLD_ALL' }] },
    });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect(await create()).toBe('IN_MODERATION');
  });

  it("refuses visitor tokens signed with a site's previous secret once another instance changes it", async () => {
    const { site, adminKey } = await siteWithKey();
    const created = await call(t.app, 'POST', '/reviews/v1/reviews', { auth: adminKey, body: reviewBody() });
    expect(created.status).toBe(200);
    const mint = async () => {
      const res = await call(t.app, 'POST', '/oauth2/token', {
        body: { clientId: site.client_id, grantType: 'anonymous' },
      });
      expect(res.status).toBe(200);
      return `Bearer ${res.body.access_token as string}`;
    };
    const read = async (token: string) =>
      (await call(t.app, 'GET', `/reviews/v1/reviews/${created.body.review.id}`, { auth: token })).status;
    const before = await mint();
    // Twice: the second verification is served by the key imported for the first.
    expect(await read(before)).toBe(200);
    expect(await read(before)).toBe(200);
    await other.db.transaction().execute(async (trx) => {
      await sql`update sites set token_secret = ${randomBytes(32).toString('base64url')} where id = ${site.id}`.execute(
        trx,
      );
      await announceChange(trx, other.dialect, site.id);
    });
    await waitFor(
      'a token signed with the previous secret to be refused',
      async () => ((await read(before)) === 401 ? true : undefined),
      NOTIFY_DEADLINE_MS,
    );
    expect(await read(await mint())).toBe(200);
  });

  it('keeps at most maxKeys keys: the oldest is read again, the newer ones are served from memory', async () => {
    const cache = createSiteCache(db.db, t.changes, { maxKeys: 2 });
    const keys = await Promise.all([1, 2, 3].map(() => siteWithKey()));
    for (const k of keys) expect((await cache.keyByHash(hashKey(k.key)))?.revoked_at).toBeNull();
    // Behind the cache's back (the app's own connection on SQLite, no notification on PostgreSQL): only a read
    // from the database can see these.
    for (const k of keys) await revokeBehindTheBack(db, k.keyId);
    const [first, second, third] = keys.map((k) => hashKey(k.key)) as [string, string, string];
    expect((await cache.keyByHash(third))?.revoked_at).toBeNull();
    expect((await cache.keyByHash(second))?.revoked_at).toBeNull();
    expect((await cache.keyByHash(first))?.revoked_at).not.toBeNull();
  });

  it('refuses a cached key once the CLI in another process revokes it', SLOW, async () => {
    const created = await verdict(['keys', 'create', '--kind', 'admin', '--name', 'cli'], db.url);
    expect(created.code).toBe(0);
    const key = /^key: +(vdt_admin_\S+)$/m.exec(created.stdout)?.[1] as string;
    const id = /^id: +(\S+)$/m.exec(created.stdout)?.[1] as string;
    expect(await status(key)).toBe(200);
    expect(await status(key)).toBe(200);
    const revoked = await verdict(['keys', 'revoke', id], db.url);
    expect(revoked).toMatchObject({ code: 0, stdout: `Revoked ${id}.\n` });
    await expectNext(key, 401);
  });

  it.runIf(dialect.name === 'sqlite')(
    'refuses a cached key once plain SQL on another connection revokes it',
    async () => {
      const { key, keyId } = await siteWithKey();
      expect(await status(key)).toBe(200);
      await writeFromAnotherProcess(db.url.slice('sqlite:'.length), 'update api_keys set revoked_at = ? where id = ?', [
        new Date().toISOString(),
        keyId,
      ]);
      expect(await status(key)).toBe(401);
    },
  );

  describe.runIf(dialect.name === 'postgres')('the PostgreSQL listener', () => {
    it('serves a cached key from memory while connected: only a notification makes it read the key again', async () => {
      const { site, key, keyId } = await siteWithKey();
      expect(await status(key)).toBe(200);
      await revokeBehindTheBack(other, keyId);
      expect(await status(key)).toBe(200);
      await other.db.transaction().execute((trx) => announceChange(trx, 'postgres', site.id));
      await expectNext(key, 401);
    });

    it('reads every key from the database while the listener cannot connect', async () => {
      const down = await startApp(
        db,
        createChangeSignal({ dialect: 'postgres', connectionString: 'postgres://postgres@127.0.0.1:1/verdict' }),
      );
      try {
        const { key, keyId } = await siteWithKey();
        expect(down.changes.epoch()).toBeUndefined();
        expect(await status(key, down)).toBe(200);
        expect(await status(key, down)).toBe(200);
        await revokeBehindTheBack(other, keyId);
        expect(await status(key, down)).toBe(401);
      } finally {
        await down.app.close();
      }
    });

    it('reads every key from the database from the moment the listener connection is lost', async () => {
      const { signal, backends } = namedChangeSignal(db, { reconnectMinMs: 60_000 });
      const app = await startApp(db, signal);
      try {
        await waitFor('the listener to connect', async () => signal.epoch());
        const { key, keyId } = await siteWithKey();
        expect(await status(key, app)).toBe(200);
        await sql`select pg_terminate_backend(pid) from pg_stat_activity where pid = any(${await backends()})`.execute(
          db.db,
        );
        await waitFor('the listener to notice its lost connection', async () =>
          signal.epoch() === undefined ? true : undefined,
        );
        await revokeBehindTheBack(other, keyId);
        expect(await status(key, app)).toBe(401);
      } finally {
        await app.app.close();
      }
    });

    it('starts over when the listener reconnects, so a change it missed is seen', async () => {
      const { signal, backends } = namedChangeSignal(db, { reconnectMinMs: 10 });
      const app = await startApp(db, signal);
      try {
        await waitFor('the listener to connect', async () => signal.epoch());
        const { key, keyId } = await siteWithKey();
        expect(await status(key, app)).toBe(200);
        // Missed: no notification is sent, and the listener is about to lose its connection.
        await revokeBehindTheBack(other, keyId);
        const [pid] = await backends();
        await sql`select pg_terminate_backend(${pid})`.execute(db.db);
        await waitFor('the listener to be back on a new connection', async () => {
          const pids = await backends();
          return pids.length === 1 && pids[0] !== pid && signal.epoch() !== undefined ? true : undefined;
        });
        expect(await status(key, app)).toBe(401);
      } finally {
        await app.app.close();
      }
    });
  });
});
