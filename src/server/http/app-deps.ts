/** Everything the HTTP layer needs, assembled by the composition root. */
import type { Authenticator } from '../auth/authenticate.ts';
import type { Config } from '../config.ts';
import type { ChangeSignal } from '../db/change-signal.ts';
import type { JobsDeps } from '../jobs/jobs.service.ts';
import type { RateLimits } from '../limits/rate-limits.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { OutboxWatch } from '../outbox/outbox.watch.ts';
import type { PageCache } from '../page-cache/page-cache.ts';
import type { ReviewsDeps } from '../reviews/reviews.service.ts';
import type { UsersConfig } from '../users/users.service.ts';

export interface AppDeps extends ReviewsDeps, JobsDeps {
  auth: Authenticator;
  config: Pick<
    Config,
    'bodyLimitBytes' | 'bulkBodyLimitBytes' | 'uploadBodyLimitBytes' | 'logLevel' | 'trashRetentionDays' | 'trustProxy'
  > &
    UsersConfig &
    Partial<Pick<Config, 'metricsPort' | 'corsOrigins'>>;
  /** Per-address and per-site budgets of token minting, creates, votes and reports (shared through Redis if set). */
  limits: RateLimits;
  /** Request durations are recorded here; `/metrics` is served on the main port unless `config.metricsPort` is set. */
  metrics?: Metrics;
  /**
   * Aborted when the server starts closing, so long-polls answer at once instead of holding shutdown. Wired with the
   * rest: like every dependency it is set when the object is built and never assigned afterwards.
   */
  shutdown?: AbortSignal;
  /** The event feed's horizon and wake-ups, shared with the webhook worker. */
  outboxWatch?: OutboxWatch;
  /** Serialized public reads (first pages, summaries, the widget page); absent when turned off. */
  pageCache?: PageCache;
  /**
   * What other processes changed (the caches above read it); each request starts a new reading of it, so a request
   * sees every commit made before it started.
   */
  changes?: Pick<ChangeSignal, 'renew'>;
}
