/**
 * One server per SQLite database: a second `startServer` (in this process, or `verdict serve` in another one) on the
 * same file refuses to start with a message that says why; once the first server closes, a new one starts; and the
 * database stays open to other writers (the CLI) while a server runs. PostgreSQL takes no such lock.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFIG_KEYS, loadConfig } from '../../src/server/config.ts';
import { openDatabase } from '../../src/server/db/database.ts';
import { acquireServerLock, ServerLockedError } from '../../src/server/db/server-lock.ts';
import { type RunningServer, startServer } from '../../src/server/main.ts';
import { createApiKey } from '../../src/server/sites/sites.service.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const quiet = () => undefined;

describe('the SQLite server lock', () => {
  let dir: string;
  let url: string;
  const servers: RunningServer[] = [];
  const start = async () => {
    const s = await startServer(
      loadConfig({ DATABASE_URL: url, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent' }),
      quiet,
    );
    servers.push(s);
    return s;
  };
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'verdict-lock-'));
    url = `sqlite:${join(dir, 'data', 'verdict.db')}`;
  });
  afterAll(async () => {
    for (const s of servers) await s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a second server on the same file, and starts one again once the first has closed', async () => {
    const first = await start();
    const second = start();
    await expect(second).rejects.toBeInstanceOf(ServerLockedError);
    await expect(second).rejects.toThrow(/another Verdict server is already running on .*verdict\.db/);
    // The first one is untouched by the refused attempt.
    expect((await fetch(`${first.url}/readyz`)).status).toBe(200);
    await first.close();
    const third = await start();
    expect((await fetch(`${third.url}/readyz`)).status).toBe(200);
    await third.close();
  });

  it('leaves the database open to another writer (the CLI) while a server runs', async () => {
    const server = await start();
    try {
      // In this process, beside the server's writer thread, the other writer needs a thread of its own too (see
      // openInstance in test/support/databases.ts); in another process the CLI's single connection waits on its own.
      const cli = openDatabase(url, { sqliteWriterThread: true });
      try {
        const site = await cli.db.selectFrom('sites').select('id').executeTakeFirstOrThrow();
        const deps = { db: cli.db, dialect: cli.dialect, clock: () => new Date() };
        const created = await createApiKey(deps, site.id, { kind: 'admin', name: 'beside the server' });
        const res = await fetch(`${server.url}/verdict/v1/site/settings`, { headers: { authorization: created.key } });
        expect(res.status).toBe(200);
      } finally {
        await cli.close();
      }
    } finally {
      await server.close();
    }
  });

  it('makes `verdict serve` in another process exit 1 with the message', { timeout: 60_000 }, async () => {
    const server = await start();
    try {
      const env: NodeJS.ProcessEnv = { ...process.env };
      for (const { env: key } of CONFIG_KEYS) delete env[key];
      Object.assign(env, { DATABASE_URL: url, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent' });
      const run = await new Promise<{ code: number; stderr: string }>((resolve) => {
        execFile(
          process.execPath,
          [join(ROOT, 'bin', 'verdict.mjs'), 'serve'],
          { cwd: ROOT, env, timeout: 50_000 },
          (err, _out, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stderr }),
        );
      });
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/verdict: another Verdict server is already running on .*verdict\.db/);
    } finally {
      await server.close();
    }
  });

  it('takes no lock for PostgreSQL or an in-memory database', () => {
    for (const u of ['postgres://u@h:5432/db', 'sqlite::memory:', 'sqlite:']) {
      const a = acquireServerLock(u);
      const b = acquireServerLock(u);
      expect(a.path).toBeUndefined();
      a.release();
      b.release();
    }
  });
});
