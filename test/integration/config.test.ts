import { describe, expect, it } from 'vitest';
import { CONFIG_KEYS, ConfigError, loadConfig } from '../../src/server/config.ts';

/** Runs `fn`, returning the ConfigError it throws (failing the test when it throws nothing or something else). */
function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('returns the documented defaults for an empty environment', () => {
    expect(loadConfig({})).toEqual({
      port: 8080,
      host: '0.0.0.0',
      databaseUrl: 'sqlite:./data/verdict.db',
      logLevel: 'info',
      bodyLimitBytes: 262_144,
      bulkBodyLimitBytes: 4_194_304,
      uploadBodyLimitBytes: 52_428_800,
      trashRetentionDays: 30,
      visitorTokenTtlSeconds: 14_400,
      jobPollIntervalMs: 1000,
      publicBaseUrl: undefined,
      webhookPollIntervalMs: 1000,
      webhookBatchSize: 50,
      webhookTimeoutMs: 10_000,
      webhookRetryBaseMs: 10_000,
      webhookRetryMaxMs: 3_600_000,
      webhookRetryWindowMs: 86_400_000,
      natsUrl: undefined,
      natsStream: 'VERDICT',
      redisUrl: undefined,
      redisKeyPrefix: 'verdict:',
      trustProxy: false,
      rateLimits: {
        tokens: { address: { points: 60, windowSeconds: 60 }, site: { points: 6000, windowSeconds: 60 } },
        creates: { address: { points: 120, windowSeconds: 60 }, site: { points: 1200, windowSeconds: 60 } },
        votes: { address: { points: 120, windowSeconds: 60 }, site: { points: 6000, windowSeconds: 60 } },
        reports: { address: { points: 60, windowSeconds: 60 }, site: { points: 600, windowSeconds: 60 } },
        signins: { address: { points: 30, windowSeconds: 60 }, site: { points: 600, windowSeconds: 60 } },
      },
      metricsPort: undefined,
      metricsHost: '127.0.0.1',
      outboxRetentionDays: 7,
      userAuditRetentionDays: 365,
      corsOrigins: '*',
      databaseStatementTimeoutMs: 30_000,
      databaseLockTimeoutMs: 5_000,
      databaseConnectTimeoutMs: 2_000,
      databasePoolTimeoutMs: 10_000,
      databaseStartupTimeoutMs: 60_000,
      sqliteCacheMb: 32,
      sqliteMmapMb: 0,
      sqliteWriterThread: true,
      pageCacheEntries: 10_000,
      pageCacheMb: 16,
      heapGrowthPercent: 50,
      sessionIdleSeconds: 7200,
      sessionMaxSeconds: 43_200,
      signInMaxFailures: 5,
      signInLockoutSeconds: 900,
    });
  });

  it('reads CORS_ORIGINS as a list of origins and refuses anything that is not an origin', () => {
    expect(loadConfig({ CORS_ORIGINS: 'https://shop.example, http://localhost:3000' }).corsOrigins).toEqual([
      'https://shop.example',
      'http://localhost:3000',
    ]);
    expect(() => loadConfig({ CORS_ORIGINS: 'https://shop.example/path,shop.example' })).toThrow(/CORS_ORIGINS/);
  });

  it('treats an empty variable as unset, so its default applies', () => {
    const empty = Object.fromEntries(CONFIG_KEYS.map((k) => [k.env, '']));
    expect(loadConfig(empty)).toEqual(loadConfig({}));
  });

  it('describes every key it reads with a default that is itself valid', () => {
    const names = CONFIG_KEYS.map((k) => k.env);
    expect(new Set(names).size).toBe(names.length);
    for (const k of CONFIG_KEYS) expect(k.description.length, k.env).toBeGreaterThan(10);
    const defaults = Object.fromEntries(CONFIG_KEYS.map((k) => [k.env, k.default]));
    expect(loadConfig(defaults)).toEqual(loadConfig({}));
  });

  it('reads only the environment it is given, not process.env', () => {
    const saved = process.env.PORT;
    process.env.PORT = 'not-a-port';
    try {
      expect(loadConfig({}).port).toBe(8080);
    } finally {
      if (saved === undefined) delete process.env.PORT;
      else process.env.PORT = saved;
    }
  });

  it('accepts port 0 (any free port), PostgreSQL URLs in both spellings and an http(s) public base URL', () => {
    expect(loadConfig({ PORT: '0' }).port).toBe(0);
    expect(loadConfig({ DATABASE_URL: 'postgres://u@db:5432/verdict' }).databaseUrl).toBe(
      'postgres://u@db:5432/verdict',
    );
    expect(loadConfig({ DATABASE_URL: 'postgresql://u@db/verdict' }).databaseUrl).toBe('postgresql://u@db/verdict');
    expect(loadConfig({ PUBLIC_BASE_URL: 'https://reviews.example.com' }).publicBaseUrl).toBe(
      'https://reviews.example.com',
    );
    expect(loadConfig({ LOG_LEVEL: 'silent', JOB_POLL_INTERVAL_MS: '50' })).toMatchObject({
      logLevel: 'silent',
      jobPollIntervalMs: 50,
    });
  });

  it('reads REDIS_URL, TRUST_PROXY in each of its forms, and limits as N per seconds, minutes or hours, or off', () => {
    expect(loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379' }).redisUrl).toBe('redis://127.0.0.1:6379');
    expect(loadConfig({ TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadConfig({ TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, 192.0.2.1,2001:db8::/32,loopback' }).trustProxy).toEqual([
      '10.0.0.0/8',
      '192.0.2.1',
      '2001:db8::/32',
      'loopback',
    ]);
    const limits = loadConfig({
      RATE_LIMIT_TOKENS_PER_ADDRESS: '5/30s',
      RATE_LIMIT_VOTES_PER_SITE: '100/2h',
      RATE_LIMIT_REPORTS_PER_ADDRESS: 'off',
    }).rateLimits;
    expect(limits.tokens.address).toEqual({ points: 5, windowSeconds: 30 });
    expect(limits.votes.site).toEqual({ points: 100, windowSeconds: 7200 });
    expect(limits.reports.address).toBeNull();
  });

  it('lists a bad PORT, DATABASE_URL and LOG_LEVEL together in one ConfigError', () => {
    const err = configError(() => loadConfig({ PORT: 'abc', DATABASE_URL: 'mysql://db/verdict', LOG_LEVEL: 'loud' }));
    expect(err.problems).toHaveLength(3);
    expect(err.problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^PORT .*"abc"/),
        expect.stringMatching(/^DATABASE_URL .*"mysql:\/\/db\/verdict"/),
        expect.stringMatching(/^LOG_LEVEL .*"loud"/),
      ]),
    );
    for (const problem of err.problems) expect(err.message).toContain(problem);
  });

  it.each([
    ['PORT', '65536'],
    ['PORT', '-1'],
    ['PORT', '80.5'],
    ['BODY_LIMIT_BYTES', '10'],
    ['VISITOR_TOKEN_TTL_SECONDS', '1'],
    ['JOB_POLL_INTERVAL_MS', '1e3'],
    ['PUBLIC_BASE_URL', 'reviews.example.com'],
    ['REDIS_URL', 'localhost:6379'],
    ['TRUST_PROXY', 'yes'],
    ['TRUST_PROXY', '10.0.0.0/33'],
    ['TRUST_PROXY', '10.0.0.1,nonsense'],
    ['RATE_LIMIT_TOKENS_PER_ADDRESS', '60'],
    ['RATE_LIMIT_CREATES_PER_SITE', '0/1m'],
    ['RATE_LIMIT_VOTES_PER_ADDRESS', '10/25h'],
    ['RATE_LIMIT_REPORTS_PER_SITE', '10/1d'],
    ['SQLITE_CACHE_MB', '0'],
    ['SQLITE_MMAP_MB', '-1'],
    ['SQLITE_WRITER_THREAD', 'yes'],
    ['HEAP_GROWTH_PERCENT', '301'],
    ['HEAP_GROWTH_PERCENT', '-1'],
  ])('rejects %s=%s with a problem naming the key', (key, value) => {
    const err = configError(() => loadConfig({ [key]: value }));
    const quoted = value.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    expect(err.problems).toEqual([expect.stringMatching(new RegExp(`^${key} .*"${quoted}"`))]);
  });
});
