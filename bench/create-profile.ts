/**
 * `node --import tsx bench/create-profile.ts [count]`: createReview in process (app.inject, no socket) on a fresh
 * SQLite file (or PostgreSQL with PROFILE_DIALECT=postgres and TEST_DATABASE_URL), printing the process CPU and, on
 * SQLite, the WAL frames per create; run it under `node --cpu-prof` to see where a create goes. The workers poll at
 * the server's default intervals.
 */

import { randomUUID } from 'node:crypto';
import { closeSync, openSync, readdirSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import inspector from 'node:inspector';
import { sql } from 'kysely';
import { buildSite, startTestApp } from '../test/support/app.ts';
import { dialects } from '../test/support/databases.ts';

const COUNT = Number(process.argv[2] ?? 3000);
const WARM = 300;
const body = (k: number) =>
  JSON.stringify({
    review: {
      namespace: 'stores',
      entityId: `e-${k % 1000}`,
      author: { contactId: randomUUID(), authorName: `Writer ${k}` },
      content: {
        rating: 1 + (k % 5),
        title: 'Fits well and looks great',
        body: 'The fabric is soft and warm, true to size after washing. '.repeat(9),
      },
    },
  });

const dialect = dialects().find((d) => d.name === (process.env.PROFILE_DIALECT ?? 'sqlite'));
if (!dialect) throw new Error('no such dialect');
const db = await dialect.open();
// What-if: drop indexes or triggers named in PROFILE_DROP (comma-separated) before measuring.
for (const name of (process.env.PROFILE_DROP ?? '').split(',').filter(Boolean)) {
  await sql`drop ${sql.raw(name.startsWith('trigger:') ? 'trigger' : 'index')} ${sql.id(name.replace(/^trigger:/, ''))}`.execute(
    db.db,
  );
}
const t = await startTestApp(db, { jobPollIntervalMs: 1000, webhookPollIntervalMs: 1000 });
const site = await buildSite(t);
const headers = { authorization: site.adminKey, 'content-type': 'application/json' };
const shm = db.url.startsWith('sqlite:') ? `${db.url.slice('sqlite:'.length)}-shm` : undefined;
const buf = Buffer.alloc(100);
// Opened once: an open and a close per create would add their system time to the CPU this script reports.
const shmFd = shm ? openSync(shm, 'r') : undefined;
function walFrames(): number {
  if (shmFd === undefined) return 0;
  readSync(shmFd, buf, 0, 100, 0);
  return buf.readUInt32LE(16);
}
/**
 * CPU seconds (user + system) of the `postgres` processes on this machine, from /proc; undefined where there is none
 * to read (SQLite, a server elsewhere). Backends that exit in between take their time with them: the pool's stay.
 */
function postgresCpu(): number | undefined {
  if (!db.url.startsWith('postgres')) return undefined;
  let ticks = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      if (stat.slice(stat.indexOf('(') + 1, close) !== 'postgres') continue;
      const fields = stat.slice(close + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return ticks / 100;
}
let k = 0;
let frames = 0;
let last = 0;
async function one(): Promise<void> {
  const res = await t.app.inject({ method: 'POST', url: '/reviews/v1/reviews', headers, payload: body(k++) });
  if (res.statusCode !== 200) throw new Error(`${res.statusCode} ${res.body}`);
  // Frames added since the last answer (all of them when the WAL started over since).
  const now = walFrames();
  frames += now >= last ? now - last : now;
  last = now;
}
for (let i = 0; i < WARM; i++) await one();
frames = 0;
last = walFrames();
// PROFILE_CPU=<file>: a V8 CPU profile of the measured creates only (start-up and warm-up left out).
const session = process.env.PROFILE_CPU ? new inspector.Session() : undefined;
const post = (method: string, params?: object) =>
  new Promise<{ profile?: unknown }>((resolve, reject) =>
    session?.post(method, params, (err, r) => (err ? reject(err) : resolve(r as { profile?: unknown }))),
  );
if (session) {
  session.connect();
  await post('Profiler.enable');
  await post('Profiler.start');
}
const pg0 = postgresCpu();
const cpu0 = process.cpuUsage();
const t0 = performance.now();
// PROFILE_CONCURRENCY=<n>: n callers, each sending its next create when its last is answered (as --connections).
const callers = Number(process.env.PROFILE_CONCURRENCY ?? 1);
let left = COUNT;
await Promise.all(
  Array.from({ length: callers }, async () => {
    while (left-- > 0) await one();
  }),
);
const cpu = process.cpuUsage(cpu0);
const ms = performance.now() - t0;
const pg1 = postgresCpu();
console.log(
  `${COUNT} creates: ${((cpu.user + cpu.system) / COUNT).toFixed(0)} µs CPU per create ` +
    `(user ${(cpu.user / COUNT).toFixed(0)}, system ${(cpu.system / COUNT).toFixed(0)}), ` +
    `${((ms * 1000) / COUNT).toFixed(0)} µs wall, ${(frames / COUNT).toFixed(1)} WAL frames per create` +
    (pg0 !== undefined && pg1 !== undefined
      ? `, postgres processes ${(((pg1 - pg0) * 1e6) / COUNT).toFixed(0)} µs CPU`
      : ''),
);
if (session) writeFileSync(process.env.PROFILE_CPU as string, JSON.stringify((await post('Profiler.stop')).profile));
if (shmFd !== undefined) closeSync(shmFd);
await t.close();
await db.dispose();
