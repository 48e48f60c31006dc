/**
 * The only reader of the environment. One table of keys, each with a default and a description; `loadConfig`
 * returns every problem at once so start-up can list them all and exit 1.
 */
import { isIP } from 'node:net';
import { RATE_LIMITED_ACTIONS, type RateLimitedAction } from '../contract/limits.ts';

export interface Config {
  port: number;
  host: string;
  databaseUrl: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  bodyLimitBytes: number;
  bulkBodyLimitBytes: number;
  /** Largest file accepted by an upload (import); it is kept in the database until its job has run. */
  uploadBodyLimitBytes: number;
  trashRetentionDays: number;
  visitorTokenTtlSeconds: number;
  jobPollIntervalMs: number;
  publicBaseUrl: string | undefined;
  webhookPollIntervalMs: number;
  webhookBatchSize: number;
  webhookTimeoutMs: number;
  webhookRetryBaseMs: number;
  webhookRetryMaxMs: number;
  webhookRetryWindowMs: number;
  natsUrl: string | undefined;
  natsStream: string;
  /** Shared rate-limit counters live in this Redis when set; otherwise each instance counts alone. */
  redisUrl: string | undefined;
  /** Prefix of every Redis key Verdict writes (several deployments, or test files, can share one Redis). */
  redisKeyPrefix: string;
  /** Fastify's `trustProxy`: false (the socket address is the client's), true, a hop count, or trusted proxies. */
  trustProxy: boolean | number | string[];
  /** Per-action budgets per client address and per site; `null` turns that one off. */
  rateLimits: RateLimitsConfig;
  /** Port of a separate metrics listener; undefined serves `/metrics` on the main port to admin keys. */
  metricsPort: number | undefined;
  metricsHost: string;
  /** Days outbox events are kept once every target has delivered them or given up; 0 keeps them forever. */
  outboxRetentionDays: number;
  /** Days `user_audit` entries are kept; 0 keeps them forever. */
  userAuditRetentionDays: number;
  /** Origins allowed to call the API from a browser (CORS); `*` allows any (no cookies are used). */
  corsOrigins: '*' | string[];
  /** PostgreSQL statement_timeout of the server's sessions (0: none). */
  databaseStatementTimeoutMs: number;
  /** PostgreSQL lock_timeout; SQLite busy_timeout. */
  databaseLockTimeoutMs: number;
  /** PostgreSQL: longest wait to open one connection. */
  databaseConnectTimeoutMs: number;
  /** PostgreSQL: longest wait for a connection in all (a free one when the pool is full). */
  databasePoolTimeoutMs: number;
  /** How long `verdict serve` keeps retrying an unreachable database at start before it exits 1. */
  databaseStartupTimeoutMs: number;
  /** SQLite: the server connection's page cache, in MB. */
  sqliteCacheMb: number;
  /** SQLite: how much of the database file the server reads through a memory map, in MB (0: none). */
  sqliteMmapMb: number;
  /** SQLite file: every write on a thread of its own with its own connection (db/writer-thread.ts). */
  sqliteWriterThread: boolean;
  /** Bounds of the cache of public reads (page-cache/): entries (0 turns it off) and MB of bodies. */
  pageCacheEntries: number;
  pageCacheMb: number;
  /** `verdict serve`: how far V8 lets the JavaScript heap grow past what a full collection kept, in % (0: V8's own). */
  heapGrowthPercent: number;
  /** A dashboard session ends when unused for this long. */
  sessionIdleSeconds: number;
  /** A dashboard session ends this long after sign-in, however used. */
  sessionMaxSeconds: number;
  /** Failed sign-ins for one (site, e-mail) within `signInLockoutSeconds` before it is locked for that long. */
  signInMaxFailures: number;
  signInLockoutSeconds: number;
}

/** The actions Verdict rate-limits (listed in the contract, where each operation names its budget). */
export const LIMITED_ACTIONS = RATE_LIMITED_ACTIONS;
export type LimitedAction = RateLimitedAction;
/** A fixed window: at most `points` requests per `windowSeconds`. */
export interface RateLimitSpec {
  points: number;
  windowSeconds: number;
}
export type RateLimitsConfig = Record<LimitedAction, { address: RateLimitSpec | null; site: RateLimitSpec | null }>;

interface KeySpec {
  env: string;
  default: string;
  description: string;
}

/** Every configuration key Verdict reads; README's table is written from this. */
export const CONFIG_KEYS: readonly KeySpec[] = [
  { env: 'PORT', default: '8080', description: 'TCP port of the HTTP server.' },
  { env: 'HOST', default: '0.0.0.0', description: 'Address the HTTP server binds to.' },
  {
    env: 'DATABASE_URL',
    default: 'sqlite:./data/verdict.db',
    description: 'sqlite:<path> (embedded, default) or postgres://user@host:port/db.',
  },
  { env: 'LOG_LEVEL', default: 'info', description: 'pino level: fatal, error, warn, info, debug, trace, silent.' },
  { env: 'BODY_LIMIT_BYTES', default: '262144', description: 'Largest request body accepted on single-item routes.' },
  { env: 'BULK_BODY_LIMIT_BYTES', default: '4194304', description: 'Largest request body accepted on bulk routes.' },
  { env: 'UPLOAD_BODY_LIMIT_BYTES', default: '52428800', description: 'Largest file accepted by an import upload.' },
  { env: 'TRASH_RETENTION_DAYS', default: '30', description: 'Days a deleted review stays restorable.' },
  { env: 'VISITOR_TOKEN_TTL_SECONDS', default: '14400', description: 'Lifetime of anonymous visitor access tokens.' },
  { env: 'JOB_POLL_INTERVAL_MS', default: '1000', description: 'How often the job worker looks for pending jobs.' },
  { env: 'PUBLIC_BASE_URL', default: '', description: 'Externally visible base URL, used in printed examples.' },
  {
    env: 'WEBHOOK_POLL_INTERVAL_MS',
    default: '1000',
    description: 'How often the webhook worker looks for new events and due deliveries.',
  },
  {
    env: 'WEBHOOK_BATCH_SIZE',
    default: '50',
    description: 'Deliveries one worker claims (and sends concurrently) per round.',
  },
  { env: 'WEBHOOK_TIMEOUT_MS', default: '10000', description: 'Time a receiver has to answer one delivery attempt.' },
  {
    env: 'WEBHOOK_RETRY_BASE_MS',
    default: '10000',
    description: 'Delay before the first retry; doubles per attempt, with jitter.',
  },
  { env: 'WEBHOOK_RETRY_MAX_MS', default: '3600000', description: 'Longest delay between two attempts.' },
  {
    env: 'WEBHOOK_RETRY_WINDOW_MS',
    default: '86400000',
    description: 'How long a failing delivery is retried before it is marked DEAD (24 h).',
  },
  {
    env: 'NATS_URL',
    default: '',
    description: 'nats://host:port; when set, every event is also published to JetStream.',
  },
  { env: 'NATS_STREAM', default: 'VERDICT', description: 'JetStream stream (subjects verdict.>) created if missing.' },
  {
    env: 'REDIS_URL',
    default: '',
    description: 'redis://host:port (or rediss://); when set, rate-limit counters are shared by every instance.',
  },
  { env: 'REDIS_KEY_PREFIX', default: 'verdict:', description: 'Prefix of every Redis key Verdict writes.' },
  {
    env: 'TRUST_PROXY',
    default: 'false',
    description:
      'Which address is the client: false (the socket), true, a hop count, or proxy addresses/CIDRs (comma-separated).',
  },
  {
    env: 'RATE_LIMIT_TOKENS_PER_ADDRESS',
    default: '60/1m',
    description: 'Visitor tokens minted per client address (N/<n>s|m|h, or off).',
  },
  { env: 'RATE_LIMIT_TOKENS_PER_SITE', default: '6000/1m', description: 'Visitor tokens minted per site.' },
  {
    env: 'RATE_LIMIT_CREATES_PER_ADDRESS',
    default: '120/1m',
    description: 'Review creates (single, with contact, bulk) per client address.',
  },
  { env: 'RATE_LIMIT_CREATES_PER_SITE', default: '1200/1m', description: 'Review creates per site.' },
  { env: 'RATE_LIMIT_VOTES_PER_ADDRESS', default: '120/1m', description: 'Helpfulness votes per client address.' },
  { env: 'RATE_LIMIT_VOTES_PER_SITE', default: '6000/1m', description: 'Helpfulness votes per site.' },
  { env: 'RATE_LIMIT_REPORTS_PER_ADDRESS', default: '60/1m', description: 'Abuse reports per client address.' },
  { env: 'RATE_LIMIT_REPORTS_PER_SITE', default: '600/1m', description: 'Abuse reports per site.' },
  {
    env: 'RATE_LIMIT_SIGNINS_PER_ADDRESS',
    default: '30/1m',
    description: 'Dashboard sign-in attempts per client address.',
  },
  { env: 'RATE_LIMIT_SIGNINS_PER_SITE', default: '600/1m', description: 'Dashboard sign-in attempts per site.' },
  {
    env: 'METRICS_PORT',
    default: '',
    description: 'Port of a separate, unauthenticated /metrics listener; empty serves /metrics on PORT to admin keys.',
  },
  { env: 'METRICS_HOST', default: '127.0.0.1', description: 'Address the separate metrics listener binds to.' },
  {
    env: 'OUTBOX_RETENTION_DAYS',
    default: '7',
    description: 'Days an outbox event is kept once every webhook delivered it or gave up; 0 keeps events forever.',
  },
  {
    env: 'USER_AUDIT_RETENTION_DAYS',
    default: '365',
    description: 'Days an entry of the dashboard user audit is kept; 0 keeps entries forever.',
  },
  {
    env: 'CORS_ORIGINS',
    default: '*',
    description: 'Comma-separated origins (https://shop.example) a browser may call the API from; * allows any.',
  },
  // Database fault limits; the defaults are db/database.ts's DEFAULT_DATABASE_OPTIONS, except the pool wait.
  {
    env: 'DATABASE_STATEMENT_TIMEOUT_MS',
    default: '30000',
    description:
      'PostgreSQL statement_timeout of every server session (0: none); a statement cancelled by it answers 503.',
  },
  {
    env: 'DATABASE_LOCK_TIMEOUT_MS',
    default: '5000',
    description:
      'PostgreSQL lock_timeout, SQLite busy_timeout: how long a statement waits for a lock before it answers 503.',
  },
  {
    env: 'DATABASE_CONNECT_TIMEOUT_MS',
    default: '2000',
    description: 'PostgreSQL: longest wait to open one connection before the request answers 503.',
  },
  {
    env: 'DATABASE_POOL_TIMEOUT_MS',
    default: '10000',
    description: 'PostgreSQL: longest wait for a free pooled connection under load before the request answers 503.',
  },
  {
    env: 'DATABASE_STARTUP_TIMEOUT_MS',
    default: '60000',
    description: 'How long the server retries an unreachable database at start (with backoff) before it exits 1.',
  },
  {
    env: 'SQLITE_CACHE_MB',
    default: '32',
    description:
      'SQLite: page cache of the server, in MB, a quarter of it for the writer thread (held in memory once filled; the driver alone keeps 16).',
  },
  {
    env: 'PAGE_CACHE_ENTRIES',
    default: '10000',
    description:
      'Most answers the cache of public reads holds (first pages, summaries, the widget page; 0 turns it off).',
  },
  {
    env: 'PAGE_CACHE_MB',
    default: '16',
    description: 'Most MB of answers the cache of public reads holds; the least recently used go first.',
  },
  {
    env: 'SQLITE_MMAP_MB',
    default: '0',
    description: 'SQLite: how much of the database file the server reads through a memory map, in MB (0: none).',
  },
  {
    env: 'SQLITE_WRITER_THREAD',
    default: 'true',
    description:
      'SQLite: run every write on a thread of its own, beside the one that answers requests (true or false).',
  },
  {
    env: 'HEAP_GROWTH_PERCENT',
    default: '50',
    description:
      "verdict serve: how far the JavaScript heap may grow past what a full collection kept before the next, in % (0: V8's own factor).",
  },
  {
    env: 'SESSION_IDLE_SECONDS',
    default: '7200',
    description: 'A dashboard session ends when it has not been used for this many seconds.',
  },
  {
    env: 'SESSION_MAX_SECONDS',
    default: '43200',
    description: 'A dashboard session ends this many seconds after sign-in, however much it is used.',
  },
  {
    env: 'SIGN_IN_MAX_FAILURES',
    default: '5',
    description: 'Failed dashboard sign-ins for one e-mail on one site before it is locked out for a while.',
  },
  {
    env: 'SIGN_IN_LOCKOUT_SECONDS',
    default: '900',
    description: 'Window in which failed sign-ins are counted, and how long a lockout lasts.',
  },
];

const WINDOW_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600 };

/** Parses `N/<n>s|m|h` (N requests per window) or `off`; undefined when malformed. */
export function parseRateLimit(raw: string): RateLimitSpec | null | undefined {
  if (raw === 'off') return null;
  const m = /^(\d{1,9})\/(\d{1,6})(s|m|h)$/.exec(raw);
  if (!m) return undefined;
  const points = Number(m[1]);
  const windowSeconds = Number(m[2]) * (WINDOW_UNITS[m[3] ?? 's'] ?? 1);
  if (points < 1 || windowSeconds < 1 || windowSeconds > 86_400) return undefined;
  return { points, windowSeconds };
}

const PROXY_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

/** Parses TRUST_PROXY: false/true, a hop count, or a comma-separated list of addresses, CIDRs and proxy-addr names. */
export function parseTrustProxy(raw: string): boolean | number | string[] | undefined {
  if (raw === 'false') return false;
  if (raw === 'true') return true;
  if (/^\d{1,2}$/.test(raw)) return Number(raw);
  const items = raw.split(',').map((s) => s.trim());
  const ok = items.every((item) => {
    if (PROXY_NAMES.includes(item)) return true;
    const [addr = '', bits, ...rest] = item.split('/');
    const family = isIP(addr);
    if (family === 0 || rest.length > 0) return false;
    if (bits === undefined) return true;
    return /^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128);
  });
  return ok && items.length > 0 ? items : undefined;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Reads configuration from `env` (defaults to process.env); throws ConfigError listing every problem. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const problems: string[] = [];
  const get = (key: string): string => {
    const spec = CONFIG_KEYS.find((k) => k.env === key);
    const value = env[key];
    return value === undefined || value === '' ? (spec?.default ?? '') : value;
  };
  const int = (key: string, min: number, max: number): number => {
    const raw = get(key);
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n) || n < min || n > max) {
      problems.push(`${key} must be an integer from ${min} to ${max} (got "${raw}")`);
      return min;
    }
    return n;
  };
  const flag = (key: string): boolean => {
    const raw = get(key);
    if (raw !== 'true' && raw !== 'false') problems.push(`${key} must be true or false (got "${raw}")`);
    return raw === 'true';
  };

  const databaseUrl = get('DATABASE_URL');
  if (!/^(sqlite:|postgres:\/\/|postgresql:\/\/)/.test(databaseUrl)) {
    problems.push(`DATABASE_URL must start with sqlite:, postgres:// or postgresql:// (got "${databaseUrl}")`);
  }
  const logLevel = get('LOG_LEVEL');
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got "${logLevel}")`);
  }
  const publicBaseUrl = get('PUBLIC_BASE_URL');
  if (publicBaseUrl && !/^https?:\/\//.test(publicBaseUrl)) {
    problems.push(`PUBLIC_BASE_URL must be an http(s) URL (got "${publicBaseUrl}")`);
  }
  const natsUrl = get('NATS_URL');
  if (natsUrl && !/^(nats|tls):\/\//.test(natsUrl)) {
    problems.push(`NATS_URL must start with nats:// or tls:// (got "${natsUrl}")`);
  }
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(get('NATS_STREAM'))) {
    problems.push(`NATS_STREAM must be 1-64 letters, digits, _ or - (got "${get('NATS_STREAM')}")`);
  }
  const redisUrl = get('REDIS_URL');
  if (redisUrl && !/^rediss?:\/\//.test(redisUrl)) {
    problems.push(`REDIS_URL must start with redis:// or rediss:// (got "${redisUrl}")`);
  }
  const redisKeyPrefix = get('REDIS_KEY_PREFIX');
  if (!/^[\x21-\x7e]{1,64}$/.test(redisKeyPrefix)) {
    problems.push(`REDIS_KEY_PREFIX must be 1-64 printable ASCII characters (got "${redisKeyPrefix}")`);
  }
  const trustProxy = parseTrustProxy(get('TRUST_PROXY'));
  if (trustProxy === undefined) {
    problems.push(
      `TRUST_PROXY must be false, true, a hop count or a comma-separated list of addresses or CIDRs (got "${get('TRUST_PROXY')}")`,
    );
  }
  const limit = (key: string): RateLimitSpec | null => {
    const spec = parseRateLimit(get(key));
    if (spec === undefined) {
      problems.push(`${key} must be N/<n>s, N/<n>m or N/<n>h (a window of at most 24 h), or off (got "${get(key)}")`);
      return null;
    }
    return spec;
  };
  const limits = (name: string) => ({
    address: limit(`RATE_LIMIT_${name}_PER_ADDRESS`),
    site: limit(`RATE_LIMIT_${name}_PER_SITE`),
  });
  const rateLimits: RateLimitsConfig = {
    tokens: limits('TOKENS'),
    creates: limits('CREATES'),
    votes: limits('VOTES'),
    reports: limits('REPORTS'),
    signins: limits('SIGNINS'),
  };
  const corsRaw = get('CORS_ORIGINS').trim();
  const corsOrigins =
    corsRaw === '*'
      ? ('*' as const)
      : corsRaw
          .split(',')
          .map((o) => o.trim())
          .filter(Boolean);
  if (corsOrigins !== '*' && (corsOrigins.length === 0 || corsOrigins.some((o) => !/^https?:\/\/[^/\s]+$/.test(o)))) {
    problems.push(
      `CORS_ORIGINS must be * or a comma-separated list of http(s)://host[:port] origins (got "${corsRaw}")`,
    );
  }
  const config: Config = {
    port: int('PORT', 0, 65535),
    host: get('HOST'),
    databaseUrl,
    logLevel: logLevel as Config['logLevel'],
    bodyLimitBytes: int('BODY_LIMIT_BYTES', 1024, 64 * 1024 * 1024),
    bulkBodyLimitBytes: int('BULK_BODY_LIMIT_BYTES', 1024, 256 * 1024 * 1024),
    uploadBodyLimitBytes: int('UPLOAD_BODY_LIMIT_BYTES', 1024, 1024 * 1024 * 1024),
    trashRetentionDays: int('TRASH_RETENTION_DAYS', 0, 3650),
    visitorTokenTtlSeconds: int('VISITOR_TOKEN_TTL_SECONDS', 60, 30 * 86_400),
    jobPollIntervalMs: int('JOB_POLL_INTERVAL_MS', 10, 3_600_000),
    publicBaseUrl: publicBaseUrl || undefined,
    webhookPollIntervalMs: int('WEBHOOK_POLL_INTERVAL_MS', 5, 3_600_000),
    webhookBatchSize: int('WEBHOOK_BATCH_SIZE', 1, 1000),
    webhookTimeoutMs: int('WEBHOOK_TIMEOUT_MS', 10, 300_000),
    webhookRetryBaseMs: int('WEBHOOK_RETRY_BASE_MS', 1, 86_400_000),
    webhookRetryMaxMs: int('WEBHOOK_RETRY_MAX_MS', 1, 86_400_000),
    webhookRetryWindowMs: int('WEBHOOK_RETRY_WINDOW_MS', 1, 30 * 86_400_000),
    natsUrl: natsUrl || undefined,
    natsStream: get('NATS_STREAM'),
    redisUrl: redisUrl || undefined,
    redisKeyPrefix,
    trustProxy: trustProxy ?? false,
    rateLimits,
    metricsPort: get('METRICS_PORT') === '' ? undefined : int('METRICS_PORT', 0, 65535),
    metricsHost: get('METRICS_HOST'),
    outboxRetentionDays: int('OUTBOX_RETENTION_DAYS', 0, 3650),
    userAuditRetentionDays: int('USER_AUDIT_RETENTION_DAYS', 0, 3650),
    corsOrigins,
    databaseStatementTimeoutMs: int('DATABASE_STATEMENT_TIMEOUT_MS', 0, 86_400_000),
    databaseLockTimeoutMs: int('DATABASE_LOCK_TIMEOUT_MS', 1, 600_000),
    databaseConnectTimeoutMs: int('DATABASE_CONNECT_TIMEOUT_MS', 1, 600_000),
    databasePoolTimeoutMs: int('DATABASE_POOL_TIMEOUT_MS', 1, 600_000),
    databaseStartupTimeoutMs: int('DATABASE_STARTUP_TIMEOUT_MS', 0, 86_400_000),
    sqliteCacheMb: int('SQLITE_CACHE_MB', 1, 65_536),
    sqliteMmapMb: int('SQLITE_MMAP_MB', 0, 1_048_576),
    sqliteWriterThread: flag('SQLITE_WRITER_THREAD'),
    pageCacheEntries: int('PAGE_CACHE_ENTRIES', 0, 10_000_000),
    pageCacheMb: int('PAGE_CACHE_MB', 1, 65_536),
    heapGrowthPercent: int('HEAP_GROWTH_PERCENT', 0, 300),
    sessionIdleSeconds: int('SESSION_IDLE_SECONDS', 60, 30 * 86_400),
    sessionMaxSeconds: int('SESSION_MAX_SECONDS', 60, 90 * 86_400),
    signInMaxFailures: int('SIGN_IN_MAX_FAILURES', 1, 1000),
    signInLockoutSeconds: int('SIGN_IN_LOCKOUT_SECONDS', 1, 86_400),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
