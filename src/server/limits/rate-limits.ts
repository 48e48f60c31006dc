/**
 * The rate limits of one deployment (docs/rate-limits.md): for each limited action a fixed-window budget per client
 * network and per site, counted by `rate-limiter-flexible`. With a Redis client the counts live in Redis and every
 * instance shares them; while Redis is unreachable (not connected, or a command slower than its timeout) each
 * instance falls back to its own in-memory counts, the library's insurance limiter, so a request is never failed
 * or held up by Redis. A command that times out on a connection that still looks open makes the client reconnect,
 * so a dead network path costs one command timeout, not one per request. Without Redis the counts are in memory,
 * per instance. Built once by the composition root.
 */
import type { Redis } from 'ioredis';
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { LimitedAction, RateLimitSpec, RateLimitsConfig } from '../config.ts';
import { type LimitPolicy, type LimitState, retryAfterSeconds } from './limits.rules.ts';

/** The two things a budget is counted against. */
export type LimitScope = 'address' | 'site';

/** The keys one request is counted under: its client network, its site, or both. */
export type LimitKeys = Partial<Record<LimitScope, string>>;

export type LimitOutcome =
  | { allowed: true; states: LimitState[] }
  | { allowed: false; states: LimitState[]; retryAfterSeconds: number };

export interface RateLimits {
  /** The configured policies of an action (both scopes, those switched off left out), for `RateLimit-Policy`. */
  policies(action: LimitedAction): LimitPolicy[];
  /**
   * Counts one request of `action` against each scope named in `keys`, address first; stops at the first scope
   * over its budget (so a refused address does not use up its site's budget). Never rejects.
   */
  take(action: LimitedAction, keys: LimitKeys): Promise<LimitOutcome>;
  /** True while counts are shared through Redis (false without Redis, or while it is unreachable). */
  shared(): boolean;
}

export interface RateLimitsDeps {
  config: RateLimitsConfig;
  /** Prefix of the Redis keys (`<prefix>rl:<action>:<scope>:<key>`). */
  keyPrefix: string;
  redis?: Redis;
  log: { warn(obj: object, msg: string): void };
}

interface Limiter {
  policy: LimitPolicy;
  counter: RateLimiterAbstract;
}

const SCOPES: readonly LimitScope[] = ['address', 'site'];

const policyName = (action: LimitedAction, scope: LimitScope) => `${action}-per-${scope}`;

/** The in-memory insurance limiter; it tells `onUse` each time Redis failed to answer and it counted instead. */
class FallbackLimiter extends RateLimiterMemory {
  constructor(
    opts: ConstructorParameters<typeof RateLimiterMemory>[0],
    private readonly onUse: () => void,
  ) {
    super(opts);
  }

  override consume(
    key: string | number,
    points?: number,
    options?: { [key: string]: unknown },
  ): Promise<RateLimiterRes> {
    this.onUse();
    return super.consume(key, points, options);
  }
}

/** Builds the limiters of every configured action and scope. */
export function createRateLimits(deps: RateLimitsDeps): RateLimits {
  const limiters = new Map<string, Limiter>();
  const redis = deps.redis;
  // Used while the connection looks ready means a command timed out: drop the connection (it reconnects in the
  // background), so the following requests go straight to memory instead of each waiting for its own timeout.
  const onFallback = () => {
    if (redis?.status === 'ready') redis.disconnect(true);
  };
  const make = (action: LimitedAction, scope: LimitScope, spec: RateLimitSpec): RateLimiterAbstract => {
    const base = {
      points: spec.points,
      duration: spec.windowSeconds,
      keyPrefix: `${deps.keyPrefix}rl:${action}:${scope}`,
    };
    if (!redis) return new RateLimiterMemory(base);
    return new RateLimiterRedis({
      ...base,
      storeClient: redis,
      // Not connected: straight to the insurance limiter instead of a command that would wait or fail.
      rejectIfRedisNotReady: true,
      insuranceLimiter: new FallbackLimiter(base, onFallback),
    });
  };
  for (const action of Object.keys(deps.config) as LimitedAction[]) {
    for (const scope of SCOPES) {
      const spec = deps.config[action][scope];
      if (spec)
        limiters.set(`${action}:${scope}`, {
          policy: { name: policyName(action, scope), spec },
          counter: make(action, scope, spec),
        });
    }
  }

  return {
    policies(action) {
      return SCOPES.flatMap((scope) => limiters.get(`${action}:${scope}`)?.policy ?? []);
    },

    async take(action, keys) {
      const states: LimitState[] = [];
      for (const scope of SCOPES) {
        const key = keys[scope];
        const limiter = limiters.get(`${action}:${scope}`);
        if (key === undefined || !limiter) continue;
        let res: RateLimiterRes;
        let allowed = true;
        try {
          res = await limiter.counter.consume(key);
        } catch (err) {
          if (!(err instanceof RateLimiterRes)) {
            // Neither Redis nor the insurance limiter answered: let the request through rather than fail it.
            deps.log.warn({ err, action, scope }, 'rate limiter failed; request let through uncounted');
            continue;
          }
          res = err;
          allowed = false;
        }
        states.push({
          policy: limiter.policy.name,
          remaining: res.remainingPoints,
          resetSeconds: Math.ceil(res.msBeforeNext / 1000),
        });
        if (!allowed) return { allowed: false, states, retryAfterSeconds: retryAfterSeconds(res.msBeforeNext) };
      }
      return { allowed: true, states };
    },

    shared() {
      return deps.redis?.status === 'ready';
    },
  };
}
