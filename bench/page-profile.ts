/**
 * `node --import tsx bench/page-profile.ts [count]`: a visitor's page of the hot entity, in process (app.inject, no
 * socket), on the database `npm run bench` seeded last (bench/results/tmp/verdict.db, or PROFILE_SQLITE_FILE),
 * printing the process CPU per request. PROFILE_DEPTH (rows before the page, default 25,000; 0 for the first page,
 * which is read from the page cache), PROFILE_LIMIT (page size, default 50), PROFILE_CPU=<file> for a V8 profile of
 * the measured requests only. Stop the bench's servers first: this opens the file as `verdict serve` would.
 */

import { writeFileSync } from 'node:fs';
import inspector from 'node:inspector';
import { join } from 'node:path';
import { sql } from 'kysely';
import { createApp } from '../src/server/app.ts';
import { loadConfig } from '../src/server/config.ts';
import { openSqlite } from '../src/server/db/database.ts';
import { systemClock } from '../src/server/deps.ts';
import { noRateLimits } from '../test/support/app.ts';
import { HOT } from './dataset.ts';

const COUNT = Number(process.argv[2] ?? 2000);
const DEPTH = Number(process.env.PROFILE_DEPTH ?? 25_000);
const LIMIT = Number(process.env.PROFILE_LIMIT ?? 50);
const file = process.env.PROFILE_SQLITE_FILE ?? join(import.meta.dirname, 'results/tmp/verdict.db');

const db = openSqlite(file);
const config = {
  ...loadConfig({ LOG_LEVEL: 'silent', DATABASE_URL: `sqlite:${file}` }),
  ...noRateLimits(),
};
const ctx = await createApp(db, config, { logger: false, clock: systemClock });
await ctx.app.ready();
const { rows } = await sql<{ client_id: string }>`select client_id from sites limit 1`.execute(db.db);
const clientId = rows[0]?.client_id;
if (!clientId) throw new Error(`no site in ${file}`);
const tokenRes = await ctx.app.inject({
  method: 'POST',
  url: '/oauth2/token',
  payload: { grantType: 'anonymous', clientId },
});
const token = (tokenRes.json() as { access_token: string }).access_token;
const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
const query = (cursor: string | undefined, limit: number) =>
  JSON.stringify({
    query: cursor
      ? { cursorPaging: { cursor, limit } }
      : { filter: { entityId: HOT }, sort: [{ fieldName: 'createdDate', order: 'DESC' }], cursorPaging: { limit } },
  });
async function page(cursor: string | undefined, limit: number): Promise<string | undefined> {
  const res = await ctx.app.inject({
    method: 'POST',
    url: '/reviews/v1/reviews/query',
    headers,
    payload: query(cursor, limit),
  });
  if (res.statusCode !== 200) throw new Error(`${res.statusCode} ${res.body}`);
  return (res.json() as { metadata: { cursors: { next: string | null } } }).metadata.cursors.next ?? undefined;
}
// Walk to the depth by pages of 100, then measure the page that follows.
let cursor: string | undefined;
for (let done = 0; done < DEPTH; done += 100) cursor = await page(cursor, 100);
for (let i = 0; i < 200; i++) await page(cursor, LIMIT);

const session = process.env.PROFILE_CPU ? new inspector.Session() : undefined;
const post = (method: string) =>
  new Promise<{ profile?: unknown }>((resolve, reject) =>
    session?.post(method, (err, r) => (err ? reject(err) : resolve(r as { profile?: unknown }))),
  );
if (session) {
  session.connect();
  await post('Profiler.enable');
  await post('Profiler.start');
}
const cpu0 = process.cpuUsage();
const t0 = performance.now();
for (let i = 0; i < COUNT; i++) await page(cursor, LIMIT);
const cpu = process.cpuUsage(cpu0);
const ms = performance.now() - t0;
console.log(
  `${COUNT} pages of ${LIMIT} after ${DEPTH} rows: ${((cpu.user + cpu.system) / COUNT).toFixed(0)} µs CPU per page ` +
    `(user ${(cpu.user / COUNT).toFixed(0)}, system ${(cpu.system / COUNT).toFixed(0)}), ${((ms * 1000) / COUNT).toFixed(0)} µs wall`,
);
if (session) writeFileSync(process.env.PROFILE_CPU as string, JSON.stringify((await post('Profiler.stop')).profile));
await ctx.app.close();
await db.close();
