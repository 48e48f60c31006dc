/**
 * The real `verdict` CLI as an operator runs it: `node bin/verdict.mjs …` in a child process, configured only by
 * the environment. Covers migrate, keys, import, configuration errors, the first-start banner, graceful shutdown on SIGTERM,
 * and a CLI write beside a live server on the same SQLite file.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CONFIG_KEYS } from '../../src/server/config.ts';
import { openSqlite } from '../../src/server/db/database.ts';
import { systemClock } from '../../src/server/deps.ts';
import { signIn } from '../../src/server/users/users.service.ts';
import { reviewBody, waitFor } from '../support/app.ts';
import { dialects, type TestDb } from '../support/databases.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin', 'verdict.mjs');
const EXIT_DEADLINE_MS = 10_000;
/** Each CLI run is a fresh Node process that loads TypeScript through tsx: seconds, not milliseconds, on a busy machine. */
const SLOW = { timeout: 120_000 };

/** The child's environment: the parent's, minus every Verdict configuration key, plus `env`. */
function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base = { ...process.env };
  for (const { env: key } of CONFIG_KEYS) delete base[key];
  return { ...base, ...env };
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs one CLI command to completion (in the repository's folder unless `cwd` is given). */
function verdict(args: string[], env: Record<string, string>, cwd = ROOT): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd, env: childEnv(env), timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs one CLI command with `input` on its standard input (not a terminal). */
function verdictWithInput(args: string[], env: Record<string, string>, input: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: ROOT, env: childEnv(env), timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    child.stdin?.end(input);
  });
}

interface Served {
  child: ChildProcess;
  url: string;
  stdout(): string;
  stderr(): string;
  exit(): { code: number | null; signal: NodeJS.Signals | null } | undefined;
}

const running: ChildProcess[] = [];

/**
 * Starts `verdict serve` (on a free port unless `args` name one) and resolves once its pino log line names the
 * listening address.
 */
async function serve(env: Record<string, string>, args: string[] = []): Promise<Served> {
  const child = spawn(process.execPath, [BIN, 'serve', ...args], {
    cwd: ROOT,
    env: childEnv({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.push(child);
  let out = '';
  let err = '';
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString('utf8');
  });
  child.on('exit', (code, signal) => {
    exited = { code, signal };
  });
  const url = await waitFor(
    'verdict serve to log "Server listening at"',
    async () => {
      if (exited) throw new Error(`verdict serve exited early (${JSON.stringify(exited)}):\n${out}\n${err}`);
      for (const line of out.split('\n')) {
        if (!line.startsWith('{')) continue;
        const entry = JSON.parse(line) as { msg?: string };
        const m = /^Server listening at (http:\/\/\S+)$/.exec(entry.msg ?? '');
        if (m) return m[1];
      }
      return undefined;
    },
    // A start through tsx took 23 s on a loaded 2-core machine; the deadline only bounds a failure.
    60_000,
  );
  return { child, url, stdout: () => out, stderr: () => err, exit: () => exited };
}

/** Sends SIGTERM and waits (polling, with a deadline) for the process to exit; returns how it exited. */
async function terminate(s: Served): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  s.child.kill('SIGTERM');
  return waitFor('verdict serve to exit after SIGTERM', async () => s.exit(), EXIT_DEADLINE_MS);
}

/** A TCP port that was free a moment ago on 127.0.0.1 (the OS picks it; the listener is closed again). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

afterEach(() => {
  // A failed assertion must not leave a server behind.
  for (const child of running.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
});

describe('verdict CLI on SQLite', SLOW, () => {
  let dir: string;
  let env: Record<string, string>;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'verdict-cli-'));
    env = { DATABASE_URL: `sqlite:${join(dir, 'v.db')}` };
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints usage and exits 2 for an unknown command, 0 for help (on stdout)', async () => {
    const bad = await verdict(['frobnicate'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('Usage: verdict <command>');
    expect(bad.stderr.indexOf("error: unknown command 'frobnicate'")).toBe(0);
    const help = await verdict(['help'], env);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('keys create --kind admin|app');
  });

  it('refuses an unknown flag with exit 2, naming it before the usage, and touches no database', async () => {
    const res = await verdict(['keys', 'list', '--bogus'], env);
    expect(res.code).toBe(2);
    expect(res.stderr.indexOf("error: unknown option '--bogus'")).toBe(0);
    expect(res.stderr).toContain('Usage: verdict keys list [options]');
    expect(existsSync(join(dir, 'v.db'))).toBe(false);
  });

  it('says what was wrong with a flag value before printing the usage', async () => {
    const res = await verdict(['export', '--format', 'nope'], env);
    expect(res.code).toBe(2);
    const error = res.stderr.indexOf("argument 'nope' is invalid. --format must be ndjson, csv or google.");
    expect(error).toBeGreaterThan(-1);
    expect(res.stderr.indexOf('Usage: verdict export [options]')).toBeGreaterThan(error);
  });

  it('help <command> describes the command with every flag it takes', async () => {
    const res = await verdict(['help', 'import'], env);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('Usage: verdict import [options] <file>');
    for (const flag of [
      '--format',
      '--namespace',
      '--dry-run',
      '--json',
      '--rebuild-indexes',
      '--keep-indexes',
      '--database-url',
    ]) {
      expect(res.stdout).toContain(flag);
    }
    expect(res.stdout).toContain('Safe beside a running `verdict serve`');
  });

  it('keys list in a folder without a database exits 1 naming the path it looked at, and creates nothing', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'verdict-cli-empty-'));
    try {
      const res = await verdict(['keys', 'list'], {}, empty);
      expect(res.code).toBe(1);
      expect(res.stderr).toContain(`no database at ${join(empty, 'data', 'verdict.db')}`);
      expect(res.stderr).toContain('verdict init');
      expect(res.stdout).toBe('');
      expect(readdirSync(empty)).toEqual([]);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('migrate refuses a missing database; init creates it with every migration and the default site, once', async () => {
    const missing = await verdict(['migrate'], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`no database at ${join(dir, 'v.db')}`);
    expect(existsSync(join(dir, 'v.db'))).toBe(false);

    const first = await verdict(['init'], env);
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(existsSync(join(dir, 'v.db'))).toBe(true);
    expect(first.stdout).toContain(`Created the database at ${join(dir, 'v.db')}.`);
    // Every migration file, in name (= time) order: a file that is not registered would be missing here.
    const files = readdirSync(join(ROOT, 'src', 'server', 'db', 'migrations'))
      .filter((f) => /^\d{4}_\d{2}_\d{2}_\d{4}_\w+\.ts$/.test(f))
      .map((f) => f.replace(/\.ts$/, ''))
      .sort();
    expect(files[0]).toBe('2026_11_25_0001_core');
    expect(first.stdout).toContain(`\nApplied: ${files.join(', ')}\n`);
    // The default site is created and its credentials shown, once.
    expect(first.stdout).toContain('Verdict created the default site.');
    expect(first.stdout).toMatch(/admin key: +vdt_admin_[A-Za-z0-9_-]{43}\n/);
    expect(first.stdout).toMatch(/client id: +[0-9a-f-]{36} /);
    const second = await verdict(['migrate'], env);
    expect(second).toMatchObject({ code: 0, stdout: 'Database is up to date.\n' });
    const again = await verdict(['init'], env);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('The default site already exists');
    expect(again.stdout).not.toContain('vdt_admin_');
  });

  describe('keys', () => {
    let created: { id: string; key: string };

    it('keys create --kind app --scopes reviews.read prints a vdt_app_ key once, with its id and scopes', async () => {
      const res = await verdict(
        ['keys', 'create', '--kind', 'app', '--scopes', 'reviews.read', '--name', 'storefront'],
        env,
      );
      expect(res.code).toBe(0);
      // The default site was made by init: no second admin key.
      expect(res.stdout).not.toContain('initial admin key');
      const id = /^id: +(\S+)$/m.exec(res.stdout)?.[1];
      const key = /^key: +(vdt_app_[A-Za-z0-9_-]{43})$/m.exec(res.stdout)?.[1];
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      expect(key).toBeDefined();
      expect(res.stdout).toMatch(/^kind: +app$/m);
      expect(res.stdout).toMatch(/^scopes: +reviews\.read$/m);
      created = { id: id as string, key: key as string };

      const again = await verdict(['keys', 'create', '--kind', 'app', '--scopes', 'reviews.read'], env);
      expect(again.code).toBe(0);
      expect(again.stdout).not.toContain('initial admin key');
      expect(again.stdout).not.toContain('vdt_admin_');
    });

    it('keys list shows the key as active by id and prefix, never its plaintext', async () => {
      const res = await verdict(['keys', 'list'], env);
      expect(res.code).toBe(0);
      // The site and its public client id come first, so an operator can find the client id again.
      expect(res.stdout.split('\n')[0]).toMatch(/^site [0-9a-f-]{36} {2}client id [0-9a-f-]{36}$/);
      const line = res.stdout.split('\n').find((l) => l.startsWith(created.id));
      expect(line).toBeDefined();
      expect(line).toMatch(/ app +vdt_app_\S+… +reviews\.read +active +storefront$/);
      expect(res.stdout).not.toContain(created.key);
      expect(res.stdout).toMatch(/ admin +vdt_admin_\S+… +- +active +initial admin key/);
      expect(res.stdout).not.toMatch(/vdt_(admin|app)_[A-Za-z0-9_-]{43}/);
    });

    it('keys revoke <id> revokes the key, list shows it revoked, and a second revoke exits 1', async () => {
      const res = await verdict(['keys', 'revoke', created.id], env);
      expect(res).toMatchObject({ code: 0, stdout: `Revoked ${created.id}.\n` });
      const list = await verdict(['keys', 'list'], env);
      const line = list.stdout.split('\n').find((l) => l.startsWith(created.id));
      expect(line).toMatch(/ revoked \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z +storefront$/);
      const again = await verdict(['keys', 'revoke', created.id], env);
      expect(again).toMatchObject({ code: 1, stdout: `No active key ${created.id}.\n` });
    });

    it('refuses an unknown scope with exit 2, naming it, and creates no key', async () => {
      const before = (await verdict(['keys', 'list'], env)).stdout;
      const res = await verdict(
        ['keys', 'create', '--kind', 'app', '--scopes', 'reviews.read,reviews.everything'],
        env,
      );
      expect(res.code).toBe(2);
      expect(res.stderr).toContain('unknown scopes reviews.everything');
      expect(res.stdout).not.toContain('vdt_app_');
      expect((await verdict(['keys', 'list'], env)).stdout).toBe(before);
    });

    it('refuses a missing or unknown --kind with exit 2', async () => {
      expect((await verdict(['keys', 'create'], env)).code).toBe(2);
      const res = await verdict(['keys', 'create', '--kind', 'root'], env);
      expect(res.code).toBe(2);
      expect(res.stderr).toContain('--kind must be admin or app');
    });
  });

  describe('users', () => {
    const email = 'owner@example.com';
    const password = 'correct horse battery staple';

    /** Signs in through the service on the CLI's database, as the dashboard would. */
    async function signsIn(pw: string): Promise<boolean> {
      const database = openSqlite(join(dir, 'v.db'));
      try {
        const deps = {
          db: database.db,
          dialect: database.dialect,
          clock: systemClock,
          config: { sessionIdleSeconds: 60, sessionMaxSeconds: 60, signInMaxFailures: 100, signInLockoutSeconds: 60 },
        };
        await signIn(deps, { email, password: pw });
        return true;
      } catch (err) {
        if ((err as { code?: unknown }).code === 'UNAUTHENTICATED') return false;
        throw err;
      } finally {
        await database.close();
      }
    }

    it('users create reads the password from standard input and makes a user who can sign in', async () => {
      const res = await verdictWithInput(
        ['users', 'create', '--email', email, '--role', 'owner'],
        env,
        `${password}\n`,
      );
      expect(res.stderr).toBe('');
      expect(res.code).toBe(0);
      expect(res.stdout).toMatch(
        /^Created owner owner@example\.com \(user id [0-9a-f-]{36}\) on site [0-9a-f-]{36}\.$/m,
      );
      expect(res.stdout).not.toContain(password);
      expect(await signsIn(password)).toBe(true);
      expect(await signsIn('another password')).toBe(false);
      const again = await verdictWithInput(
        ['users', 'create', '--email', email, '--role', 'moderator'],
        env,
        `${password}\n`,
      );
      expect(again.code).toBe(1);
      expect(again.stderr).toContain('already has a user');
    });

    it('refuses a short password, a missing --role and an unknown site', async () => {
      const short = await verdictWithInput(
        ['users', 'create', '--email', 'b@example.com', '--role', 'owner'],
        env,
        'short\n',
      );
      expect(short.code).toBe(1);
      expect(short.stderr).toContain('the password must be');
      expect((await verdictWithInput(['users', 'create', '--email', 'b@example.com'], env, `${password}\n`)).code).toBe(
        2,
      );
      const site = await verdictWithInput(
        ['users', 'create', '--site', crypto.randomUUID(), '--email', 'b@example.com', '--role', 'owner'],
        env,
        `${password}\n`,
      );
      expect(site.code).toBe(1);
      expect(site.stderr).toContain('no site');
    });

    it('users reset-password sets a new password; the old one no longer signs in', async () => {
      const res = await verdictWithInput(['users', 'reset-password', '--email', email], env, 'a brand new password\n');
      expect(res.code).toBe(0);
      expect(await signsIn('a brand new password')).toBe(true);
      expect(await signsIn(password)).toBe(false);
      const missing = await verdictWithInput(
        ['users', 'reset-password', '--email', 'nobody@example.com'],
        env,
        'a brand new password\n',
      );
      expect(missing.code).toBe(1);
    });
  });

  describe('import', () => {
    // A Shopify Product Reviews export: two products, a pending review, an owner reply and a row with a bad rating.
    const shopify = [
      'product_handle,state,rating,title,author,email,location,body,reply,created_at,replied_at',
      'wool-socks,published,5,Warm,Ann Lee,ann@example.com,Oslo,"Warm and soft,\nwould buy again",Thank you!,2024-03-01 10:00:00 UTC,2024-03-02 09:00:00 UTC',
      'wool-socks,published,3,Okay,Bo,bo@example.com,,Fine,,2024-03-05 10:00:00 UTC,',
      'wool-socks,unpublished,1,Bad,Cy,cy@example.com,,Itchy,,2024-03-06 10:00:00 UTC,',
      'rain-coat,published,11,Huh,Di,di@example.com,,Eleven stars,,2024-03-07 10:00:00 UTC,',
      'rain-coat,published,4,Dry,Ann Lee,ann@example.com,,Kept me dry,,2024-03-08 10:00:00 UTC,',
    ].join('\n');
    let file: string;
    beforeAll(() => {
      file = join(dir, 'shopify.csv');
      writeFileSync(file, `${shopify}\n`);
    });

    it('--dry-run reports every row error with its line and writes nothing', async () => {
      const res = await verdict(['import', file, '--format', 'shopify', '--dry-run'], env);
      expect(res.code).toBe(1);
      expect(res.stderr).toMatch(/^line 6: rating .*\n$/);
      expect(res.stdout).toContain('Dry run: nothing was written.');
      expect(res.stdout).toMatch(/to create\s+4\n/);
      const again = await verdict(['import', file, '--format', 'shopify', '--json'], env);
      expect(JSON.parse(again.stdout)).toMatchObject({
        dryRun: false,
        created: 4,
        skipped: 0,
        failed: 1,
        indexesRebuilt: true,
      });
      // The import rebuilt the indexes alone with the file, through a rollback journal; the file is left in WAL mode
      // (bytes 18 and 19 of the header are 2 for WAL, 1 for a rollback journal).
      expect([...readFileSync(join(dir, 'v.db')).subarray(18, 20)]).toEqual([2, 2]);
    });

    it('creates nothing new when the file is imported again, and reconciles every entity with the file', async () => {
      const res = await verdict(['import', file, '--format', 'shopify', '--json'], env);
      expect(res.code).toBe(1);
      const report = JSON.parse(res.stdout);
      expect(report).toMatchObject({
        rowsRead: 5,
        created: 0,
        skipped: 4,
        failed: 1,
        entities: 2,
        matching: 2,
        mismatches: [],
      });
    });

    it('export writes the reviews as CSV or NDJSON that import reads back as already there', async () => {
      const csv = await verdict(['export', '--format', 'csv'], env);
      expect(csv.code).toBe(0);
      const lines = csv.stdout.trim().split('\n');
      expect(lines[0]).toBe(
        'id,namespace,entity_id,author_name,author_email,contact_id,title,body,rating,review_date,status,reply,reply_date,verified,media_urls,contact_first_name,contact_last_name,found_helpful,found_unhelpful,created_date',
      );
      expect(csv.stdout).toContain('"Warm and soft,\nwould buy again"');
      const out = join(dir, 'export.ndjson');
      expect((await verdict(['export', '--out', out], env)).code).toBe(0);
      const back = await verdict(['import', out, '--json'], env);
      expect(back.code).toBe(0);
      expect(JSON.parse(back.stdout)).toMatchObject({ rowsRead: 4, created: 0, skipped: 4, failed: 0 });
      expect((await verdict(['export', '--format', 'xml'], env)).code).toBe(2);
      // The Google feed needs what Verdict does not hold: the shop's name and its product page URLs.
      expect((await verdict(['export', '--format', 'google'], env)).code).toBe(2);
      const feed = await verdict(
        [
          'export',
          '--format',
          'google',
          '--publisher',
          'Wool Shop',
          '--product-url',
          'https://shop.example/products/{entityId}',
        ],
        env,
      );
      expect(feed.code).toBe(0);
      expect(feed.stdout).toContain('<version>2.4</version>');
      // Three published rows of the file; the unpublished one stays out of a public feed.
      expect(feed.stdout.match(/<review>/g)).toHaveLength(3);
      expect(feed.stdout).toContain('<product_url>https://shop.example/products/wool-socks</product_url>');
    });

    it('refuses an unknown format or a missing file with exit 2', async () => {
      expect((await verdict(['import', file, '--format', 'etsy'], env)).code).toBe(2);
      const missing = await verdict(['import', join(dir, 'nope.csv')], env);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain('cannot read');
      expect((await verdict(['import'], env)).code).toBe(2);
    });
  });

  it('serve with PORT=abc LOG_LEVEL=loud exits 1, lists both problems, and touches no database', async () => {
    const badDir = mkdtempSync(join(tmpdir(), 'verdict-cli-bad-'));
    try {
      const dbPath = join(badDir, 'data', 'v.db');
      const res = await verdict(['serve'], { DATABASE_URL: `sqlite:${dbPath}`, PORT: 'abc', LOG_LEVEL: 'loud' });
      expect(res.code).toBe(1);
      expect(res.stderr).toContain('Invalid configuration:');
      expect(res.stderr).toContain('PORT must be an integer from 0 to 65535 (got "abc")');
      expect(res.stderr).toContain(
        'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "loud")',
      );
      expect(existsSync(dbPath)).toBe(false);
    } finally {
      rmSync(badDir, { recursive: true, force: true });
    }
  });
});

describe('verdict serve on SQLite', SLOW, () => {
  let dir: string;
  let env: Record<string, string>;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'verdict-serve-'));
    env = { DATABASE_URL: `sqlite:${join(dir, 'v.db')}` };
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints the one-time admin key banner on the first start only, and exits 0 on SIGTERM after serving', async () => {
    const first = await serve({ ...env, PUBLIC_BASE_URL: 'https://reviews.example.com/' });
    const banner = first.stdout();
    expect(banner).toContain('Verdict created the default site.');
    const adminKey = /admin key: +(vdt_admin_[A-Za-z0-9_-]{43})/.exec(banner)?.[1];
    const clientId = /client id: +([0-9a-f-]{36})/.exec(banner)?.[1];
    expect(adminKey).toBeDefined();
    expect(clientId).toBeDefined();
    // The printed example uses PUBLIC_BASE_URL, the address clients reach the server at.
    expect(banner).toContain(
      `curl -H "Authorization: ${adminKey}" https://reviews.example.com/verdict/v1/site/settings`,
    );

    // The printed credentials work against the running server.
    const settings = await fetch(`${first.url}/verdict/v1/site/settings`, {
      headers: { authorization: `${adminKey}` },
    });
    expect(settings.status).toBe(200);
    expect(settings.headers.get('x-wix-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const token = await fetch(`${first.url}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grantType: 'anonymous', clientId }),
    });
    expect(token.status).toBe(200);

    // No dashboard user yet: the log says how to make the first owner.
    expect(banner).toMatch(
      /has no dashboard user yet; create its first owner with: verdict users create --site [0-9a-f-]{36} /,
    );

    expect(await terminate(first)).toEqual({ code: 0, signal: null });
    expect(first.stdout()).toMatch(/"signal":"SIGTERM","msg":"shutting down"/);
    // The server bounds the growth of its JavaScript heap (HEAP_GROWTH_PERCENT, default 50); no other command does.
    expect(first.stdout()).toMatch(/"heapGrowthPercent":50,"msg":"JavaScript heap growth bound"/);
    const password = 'first owner password';
    const owner = await verdictWithInput(
      ['users', 'create', '--email', 'first@example.com', '--role', 'owner'],
      env,
      `${password}\n`,
    );
    expect(owner.code).toBe(0);

    const second = await serve(env);
    try {
      expect(second.stdout()).not.toContain('Verdict created the default site.');
      expect(second.stdout()).not.toContain('vdt_admin_');
      expect(second.stdout()).not.toContain('has no dashboard user yet');
      // The owner made on the command line signs in over HTTP, and the session cookie works.
      const signedIn = await fetch(`${second.url}/verdict/v1/dashboard/sign-in`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'first@example.com', password }),
      });
      expect(signedIn.status).toBe(200);
      const cookie = (signedIn.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
      const session = await fetch(`${second.url}/verdict/v1/dashboard/session`, { headers: { cookie } });
      expect(session.status).toBe(200);
      expect(((await session.json()) as { user: { role: string } }).user.role).toBe('owner');
      const ready = await fetch(`${second.url}/readyz`);
      expect(ready.status).toBe(200);
      // The key printed by the first start still works after a restart.
      const again = await fetch(`${second.url}/verdict/v1/site/settings`, {
        headers: { authorization: `${adminKey}` },
      });
      expect(again.status).toBe(200);
    } finally {
      expect(await terminate(second)).toEqual({ code: 0, signal: null });
    }
  });

  it('answers a request already in flight when SIGTERM arrives, then exits 0', async () => {
    const admin = await verdict(['keys', 'create', '--kind', 'admin', '--name', 'shutdown'], env);
    const adminKey = /^key: +(vdt_admin_\S+)$/m.exec(admin.stdout)?.[1] as string;
    const server = await serve(env);
    const body = JSON.stringify(reviewBody());
    const half = Math.floor(body.length / 2);
    // The body is sent in two halves: between them the request has reached the server but cannot have finished.
    let answer: { status: number; text: string } | undefined;
    const req = request(`${server.url}/reviews/v1/reviews`, {
      method: 'POST',
      headers: {
        authorization: adminKey,
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
      },
    });
    req.on('response', (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => {
        text += chunk.toString('utf8');
      });
      res.on('end', () => {
        answer = { status: res.statusCode ?? 0, text };
      });
    });
    req.write(body.slice(0, half));
    await waitFor('the request to reach the server', async () =>
      /"msg":"incoming request"/.test(server.stdout()) ? true : undefined,
    );
    server.child.kill('SIGTERM');
    await waitFor('the server to start shutting down', async () =>
      /"msg":"shutting down"/.test(server.stdout()) ? true : undefined,
    );
    expect(server.exit()).toBeUndefined();
    req.end(body.slice(half));
    const res = await waitFor('the in-flight request to be answered', async () => answer);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text).review.revision).toBe('1');
    expect(await waitFor('verdict serve to exit', async () => server.exit(), EXIT_DEADLINE_MS)).toEqual({
      code: 0,
      signal: null,
    });
  });

  it('lets the CLI create and revoke keys on the same SQLite file while the server is writing to it', async () => {
    const server = await serve(env);
    try {
      const admin = await verdict(['keys', 'create', '--kind', 'admin', '--name', 'writer'], env);
      expect(admin.code).toBe(0);
      const adminKey = /^key: +(vdt_admin_\S+)$/m.exec(admin.stdout)?.[1] as string;

      // Keep the server writing while the CLI writes: every write on both sides must succeed.
      let writing = true;
      const statuses: number[] = [];
      const writer = (async () => {
        while (writing) {
          const res = await fetch(`${server.url}/reviews/v1/reviews`, {
            method: 'POST',
            headers: { authorization: adminKey, 'content-type': 'application/json' },
            body: JSON.stringify(reviewBody()),
          });
          statuses.push(res.status);
          await res.arrayBuffer();
        }
      })();
      let created: Run;
      let revoked: Run;
      try {
        await waitFor('the server to accept a first write', async () => (statuses.length > 0 ? true : undefined));
        created = await verdict(['keys', 'create', '--kind', 'app', '--scopes', 'reviews.read'], env);
        const id = /^id: +(\S+)$/m.exec(created.stdout)?.[1] as string;
        revoked = await verdict(['keys', 'revoke', id], env);
      } finally {
        writing = false;
        await writer;
      }
      expect(created.stderr).not.toMatch(/locked|busy/i);
      expect(created.code).toBe(0);
      expect(revoked.stderr).not.toMatch(/locked|busy/i);
      expect(revoked.code).toBe(0);
      expect(statuses.length).toBeGreaterThan(1);
      expect(statuses.every((s) => s === 200)).toBe(true);

      // The running server sees the CLI's writes at once: the revoked key is refused.
      const key = /^key: +(vdt_app_\S+)$/m.exec(created.stdout)?.[1] as string;
      const refused = await fetch(`${server.url}/reviews/v1/reviews/count`, {
        method: 'POST',
        headers: { authorization: key, 'content-type': 'application/json' },
        body: '{}',
      });
      expect(refused.status).toBe(401);
      expect(((await refused.json()) as any).details.applicationError.code).toBe('UNAUTHENTICATED');
    } finally {
      expect(await terminate(server)).toEqual({ code: 0, signal: null });
    }
  });
  it('serve --port binds the port given as a flag, over PORT in the environment', async () => {
    const port = await freePort();
    const server = await serve({ ...env, PORT: '0' }, ['--port', String(port), '--host', '127.0.0.1']);
    try {
      expect(server.url).toBe(`http://127.0.0.1:${port}`);
      expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
    } finally {
      expect(await terminate(server)).toEqual({ code: 0, signal: null });
    }
  });
});

const postgres = dialects().find((d) => d.name === 'postgres');

describe.skipIf(!postgres)('verdict serve on PostgreSQL', SLOW, () => {
  let db: TestDb;
  beforeAll(async () => {
    db = await (postgres as NonNullable<typeof postgres>).open();
  });
  afterAll(async () => {
    await db?.dispose();
  });

  it('keys list on a PostgreSQL database that does not exist exits 1 naming host and database, never the password', async () => {
    const url = new URL(db.url);
    url.pathname = '/verdict_cli_missing_db';
    url.password = 'not-to-be-printed';
    const res = await verdict(['keys', 'list'], { DATABASE_URL: url.toString() });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(
      `no PostgreSQL database at postgres://${url.username}@${url.host}/verdict_cli_missing_db`,
    );
    expect(res.stderr).not.toContain('not-to-be-printed');
  });

  it('starts on DATABASE_URL=postgres://…, serves a key made by the CLI, and exits 0 on SIGTERM', async () => {
    const env = { DATABASE_URL: db.url };
    expect(await verdict(['migrate'], env)).toMatchObject({ code: 0, stdout: 'Database is up to date.\n' });
    const server = await serve(env);
    try {
      expect(server.stdout()).toContain('Verdict created the default site.');
      expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
      const created = await verdict(['keys', 'create', '--kind', 'app', '--scopes', 'reviews.manage'], env);
      expect(created.code).toBe(0);
      const key = /^key: +(vdt_app_\S+)$/m.exec(created.stdout)?.[1] as string;
      const res = await fetch(`${server.url}/reviews/v1/reviews`, {
        method: 'POST',
        headers: { authorization: key, 'content-type': 'application/json' },
        body: JSON.stringify(reviewBody()),
      });
      expect(res.status).toBe(200);
    } finally {
      expect(await terminate(server)).toEqual({ code: 0, signal: null });
    }
  });
});
