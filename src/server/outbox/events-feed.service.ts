/**
 * The event feed: a site's outbox read in position order after an opaque position, with an optional bounded
 * long-poll. Positions are the outbox's global, monotonically increasing positions, encoded so clients treat them
 * as opaque. Reading never changes anything and takes no lock, so any instance can serve it and no reader holds up
 * a writer. A position older than the outbox retention (events after it were purged) is refused with
 * 410 FEED_POSITION_EXPIRED rather than skipping them.
 *
 * A position handed out never skips an event that commits later: on PostgreSQL the feed reads only up to the
 * outbox horizon (outbox.horizon.ts, docs/adr/0009-outbox-horizon.md); SQLite has one writer at a time, so its
 * positions become visible in order and every visible one may be read. A waiting long-poll is woken by the commit
 * of an event of its site (outbox.watch.ts), with a slow timer as a safety net.
 */
import type { EventFeedResponse } from '../../contract/index.ts';
import type { DbDeps } from '../deps.ts';
import { AppError, invalid } from '../errors.ts';
import { outboxRepo } from './outbox.repo.ts';
import { eventContext } from './outbox.rules.ts';
import { createOutboxWatch, type OutboxWatch } from './outbox.watch.ts';

/** First and longest wait of a reader held back by the horizon (a gap below its events), between reads. */
const HELD_MIN_MS = 20;
const HELD_MAX_MS = 1_000;

/** What the feed reads with; `outboxWatch` is the process's shared one (without it, each read polls on its own). */
export interface FeedDeps extends Pick<DbDeps, 'db' | 'dialect'> {
  outboxWatch?: OutboxWatch | undefined;
}

export const encodePosition = (n: number): string => `p${n.toString(36)}`;

/** The `after` that starts at the feed's current end: no event committed before the call, none skipped after it. */
export const FEED_END = 'end';

export function decodePosition(s: string | undefined): number {
  if (s === undefined || s === '') return 0;
  const n = /^p[0-9a-z]{1,12}$/.test(s) ? Number.parseInt(s.slice(1), 36) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 0) {
    throw invalid([
      { field: 'query.after', description: 'is not a position this feed issued', violatedRule: 'INVALID_CURSOR' },
    ]);
  }
  return n;
}

/**
 * A site's events after `opts.after` (at most `opts.limit`, default 100), and the position to continue from. With
 * `waitSeconds`, waits that long at most for a first event, returning as soon as one is readable or `signal` aborts.
 * `after: 'end'` starts at the feed's current end (see `endPosition`): only events committed from then on.
 * Throws 400 for a position this feed did not issue and 410 FEED_POSITION_EXPIRED for one the retention passed.
 */
export async function readEvents(
  deps: FeedDeps,
  siteId: string,
  opts: {
    after?: string | undefined;
    limit?: number | undefined;
    waitSeconds?: number | undefined;
    signal?: AbortSignal;
  },
): Promise<EventFeedResponse> {
  const watch = deps.outboxWatch ?? createOutboxWatch(deps);
  try {
    const after = opts.after === FEED_END ? await endPosition(deps, watch, siteId) : decodePosition(opts.after);
    return await readAfter(deps, watch, siteId, after, opts);
  } finally {
    if (!deps.outboxWatch) watch.close();
  }
}

/**
 * Where `after=end` starts: the highest position at or below which every event is final, so an event committed
 * later has a higher one and is read next, and none committed before the call is read again. PostgreSQL: the
 * horizon, computed by a round that starts after this call (ADR 0009); events above a gap that is still open are
 * then read next although they committed first. SQLite: the highest position (positions become visible in order,
 * and AUTOINCREMENT never reuses one). Never below the site's retention mark, which would be refused as expired.
 */
async function endPosition(deps: FeedDeps, watch: OutboxWatch, siteId: string): Promise<number> {
  const horizon = await watch.horizon();
  const end = horizon ?? (await outboxRepo.maxPosition(deps.db));
  return Math.max(end, await outboxRepo.purgedThrough(deps.db, siteId));
}

async function readAfter(
  deps: FeedDeps,
  watch: OutboxWatch,
  siteId: string,
  after: number,
  opts: {
    after?: string | undefined;
    limit?: number | undefined;
    waitSeconds?: number | undefined;
    signal?: AbortSignal;
  },
): Promise<EventFeedResponse> {
  if (opts.after !== undefined && opts.after !== '' && opts.after !== FEED_END) {
    // Retention purged events of this site past `after` (`p0` included: the position of a site's empty feed):
    // reading on would skip them without a word. No `after` reads from the oldest event kept.
    const purged = await outboxRepo.purgedThrough(deps.db, siteId);
    if (after < purged) {
      throw new AppError(
        'gone',
        'FEED_POSITION_EXPIRED',
        'Events after this position were purged by the outbox retention; read again without `after` to start from the oldest event kept',
        { data: { position: opts.after, purgedThrough: encodePosition(purged) } },
      );
    }
  }
  const limit = opts.limit ?? 100;
  const deadline = Date.now() + (opts.waitSeconds ?? 0) * 1000;
  // Watching starts before the first read, so a commit between a read and the wait that follows it still wakes it.
  const waiter = watch.watch(siteId);
  try {
    let held = HELD_MIN_MS;
    for (;;) {
      const horizon = await watch.horizon();
      const rows = await outboxRepo.feedPage(deps.db, siteId, after, limit);
      const ready = horizon === null ? rows : rows.filter((r) => r.position <= horizon);
      const remaining = deadline - Date.now();
      if (ready.length > 0 || remaining <= 0 || opts.signal?.aborted) {
        const last = ready[ready.length - 1];
        return {
          events: ready.map((r) => ({
            position: encodePosition(r.position),
            eventType: r.event_type,
            event: JSON.parse(r.body_json) as Record<string, unknown>,
            ...eventContext(siteId, r.identity_json),
          })),
          position: encodePosition(last ? last.position : after),
        };
      }
      if (rows.length > 0) {
        // Events are visible but a lower position is still in flight: the commit that resolves it may be any
        // site's, and a rolled-back one sends nothing, so look again soon, less often the longer it lasts.
        await waiter.wait(Math.min(held, remaining), { anySite: true, signal: opts.signal });
        held = Math.min(held * 2, HELD_MAX_MS);
      } else {
        held = HELD_MIN_MS;
        await waiter.wait(Math.min(watch.fallbackMs, remaining), { signal: opts.signal });
      }
    }
  } finally {
    waiter.dispose();
  }
}
