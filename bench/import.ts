/**
 * Times `verdict import` of the benchmark's dataset alone, without the rest of the harness: writes the seed file as
 * `bench/run.ts` does (kept in bench/results/tmp for the next run), imports it into an empty database and checks
 * what was imported: the report (every row created, every entity reconciled) and a sample of rows against the
 * dataset (body, rating, vote counts, review date).
 *
 *   node --import tsx bench/import.ts --reviews 200000 --dialect sqlite
 *   node --import tsx bench/import.ts --reviews 1000000 --dialect postgres --pg-url postgres://postgres@127.0.0.1:5432/postgres
 *
 * Prints the wall time, the importing process's CPU (user + system) and peak RSS, from /usr/bin/time. On PostgreSQL
 * the server's CPU is not counted. `--verdict` runs another build's CLI (see bench/README.md, "Comparing two
 * commits"); `--cpu-prof <dir>` writes V8 profiles of the importing process (its reader thread included) there.
 */
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import Database from 'better-sqlite3';
import pg from 'pg';
import { type DatasetShape, defaultHot, seedReview, writeDatasetFile } from './dataset.ts';

const ROOT = new URL('..', import.meta.url).pathname;
const TMP = join(ROOT, 'bench/results/tmp');
const run = promisify(execFile);

const { values: opts } = parseArgs({
  options: {
    reviews: { type: 'string', default: '200000' },
    entities: { type: 'string', default: '10000' },
    dialect: { type: 'string', default: 'sqlite' },
    'pg-url': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
    'pg-db': { type: 'string', default: 'bench_import' },
    verdict: { type: 'string' },
    'keep-db': { type: 'boolean', default: false },
    'cpu-prof': { type: 'string' },
  },
});

const reviews = Number(opts.reviews);
const SHAPE: DatasetShape = { reviews, entities: Number(opts.entities), hot: defaultHot(reviews) };
if (!/^[a-z_][a-z0-9_]{0,40}$/.test(opts['pg-db'])) throw new Error('--pg-db must be lower-case letters, digits and _');

/** An empty database for the import: a fresh SQLite file, or a PostgreSQL database dropped and created again. */
async function emptyDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  if (opts.dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'verdict-import-bench-'));
    return {
      url: `sqlite:${join(dir, 'verdict.db')}`,
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const admin = new pg.Client({ connectionString: opts['pg-url'] });
  await admin.connect();
  await admin.query(`drop database if exists ${opts['pg-db']} with (force)`);
  await admin.query(`create database ${opts['pg-db']}`);
  await admin.end();
  const url = new URL(opts['pg-url']);
  url.pathname = `/${opts['pg-db']}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: opts['pg-url'] });
      await c.connect();
      await c.query(`drop database if exists ${opts['pg-db']} with (force)`);
      await c.end();
    },
  };
}

/** Runs the CLI under /usr/bin/time; returns its stdout, wall seconds, CPU seconds and peak RSS. */
async function timedImport(
  cli: string,
  file: string,
  env: NodeJS.ProcessEnv,
): Promise<{ stdout: string; wall: number; user: number; sys: number; rssMB: number }> {
  const started = performance.now();
  const profile = opts['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${opts['cpu-prof']}`] : [];
  const args = [...profile, cli, 'import', file, '--json'];
  const child = spawn('/usr/bin/time', ['-f', 'TIME %U %S %M', process.execPath, ...args], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  const wall = (performance.now() - started) / 1000;
  if (code !== 0) throw new Error(`import exited ${code}: ${stderr.slice(-2000)}`);
  const m = stderr.match(/TIME (\S+) (\S+) (\d+)/);
  return { stdout, wall, user: Number(m?.[1]), sys: Number(m?.[2]), rssMB: Math.round(Number(m?.[3]) / 1024) };
}

interface StoredRow {
  review_date: string;
  body: string;
  rating: number;
  found_helpful: number;
  found_unhelpful: number;
}

/** 1,000 rows spread over the dataset, read back by review date (unique per review number). */
async function sampleRows(url: string, dates: string[]): Promise<StoredRow[]> {
  const cols = 'review_date, body, rating, found_helpful, found_unhelpful';
  if (url.startsWith('sqlite:')) {
    const db = new Database(url.slice('sqlite:'.length), { readonly: true });
    try {
      return db
        .prepare(`select ${cols} from reviews where review_date in (${dates.map(() => '?').join(',')})`)
        .all(...dates) as StoredRow[];
    } finally {
      db.close();
    }
  }
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const r = await c.query(`select ${cols} from reviews where review_date = any($1::text[])`, [dates]);
    return r.rows.map((row) => ({ ...row, review_date: String(row.review_date) }));
  } finally {
    await c.end();
  }
}

async function main(): Promise<void> {
  const file = await writeDatasetFile(SHAPE, TMP);
  const cli = opts.verdict ?? join(ROOT, 'dist/verdict.js');
  if (!opts.verdict) await run(process.execPath, [join(ROOT, 'scripts/build.mjs')]);
  const db = await emptyDatabase();
  try {
    const env = { ...process.env, DATABASE_URL: db.url, LOG_LEVEL: 'warn' };
    await run(process.execPath, [cli, 'init'], { env });
    const t = await timedImport(cli, file, env);
    const report = JSON.parse(t.stdout.slice(t.stdout.indexOf('{'))) as {
      created: number;
      failed: number;
      entities: number;
      matching: number;
      indexesRebuilt: boolean;
      seconds: number;
    };
    const step = Math.max(1, Math.floor(reviews / 1000));
    const numbers = Array.from({ length: Math.ceil(reviews / step) }, (_, k) => k * step);
    const expected = new Map(numbers.map((i) => [Date.parse(seedReview(SHAPE, i).reviewDate), seedReview(SHAPE, i)]));
    const rows = await sampleRows(
      db.url,
      numbers.map((i) => seedReview(SHAPE, i).reviewDate),
    );
    const wrong = rows.filter((r) => {
      const e = expected.get(Date.parse(r.review_date));
      return (
        !e ||
        e.body !== r.body ||
        e.rating !== Number(r.rating) ||
        e.foundHelpful !== Number(r.found_helpful) ||
        e.foundUnhelpful !== Number(r.found_unhelpful)
      );
    });
    console.log(
      JSON.stringify({
        dialect: opts.dialect,
        reviews,
        wallSeconds: Number(t.wall.toFixed(1)),
        reportSeconds: Number(report.seconds.toFixed(1)),
        userSeconds: t.user,
        sysSeconds: t.sys,
        peakRssMB: t.rssMB,
        created: report.created,
        failed: report.failed,
        entities: report.entities,
        matching: report.matching,
        indexesRebuilt: report.indexesRebuilt,
        sampled: rows.length,
        sampleMismatches: wrong.length,
        load: (await import('node:os')).loadavg().map((x) => Number(x.toFixed(1))),
      }),
    );
    if (
      report.created !== reviews ||
      report.matching !== report.entities ||
      rows.length !== numbers.length ||
      wrong.length > 0
    )
      process.exitCode = 1;
  } finally {
    if (!opts['keep-db']) await db.drop();
    else console.log(`kept ${db.url}`);
  }
}

await main();
