/** Everything the HTTP layer needs, assembled by the composition root. */
import type { Authenticator } from '../auth/authenticate.ts';
import type { Config } from '../config.ts';
import type { JobsDeps } from '../jobs/jobs.service.ts';
import type { ReviewsDeps } from '../reviews/reviews.service.ts';

export interface AppDeps extends ReviewsDeps, JobsDeps {
  auth: Authenticator;
  config: Pick<Config, 'bodyLimitBytes' | 'bulkBodyLimitBytes' | 'logLevel' | 'trashRetentionDays'> &
    Partial<Pick<Config, 'corsOrigins'>>;
  /** Aborted when the server starts closing, so long-polls answer at once instead of holding shutdown. */
  shutdown?: AbortSignal;
}
