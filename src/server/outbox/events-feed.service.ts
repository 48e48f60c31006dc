/**
 * The event feed: a site's outbox read in position order after an opaque position, with an optional bounded
 * long-poll. Positions are the outbox's global, monotonically increasing positions, encoded so clients treat them
 * as opaque. Reading never changes anything, so any instance can serve it. A position older than the outbox
 * retention (events after it were purged) is refused with 410 FEED_POSITION_EXPIRED rather than skipping them.
 */
import { sql } from 'kysely';
import type { EventFeedResponse } from '../../contract/index.ts';
import type { DbDeps } from '../deps.ts';
import { AppError, invalid } from '../errors.ts';
import { outboxRepo } from './outbox.repo.ts';
import { eventContext } from './outbox.rules.ts';

const POLL_MS = 200;

/** Waits `ms`, or less when `signal` aborts (server shutdown ends long-polls at once). */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

export const encodePosition = (n: number): string => `p${n.toString(36)}`;

export function decodePosition(s: string | undefined): number {
  if (s === undefined || s === '') return 0;
  const n = /^p[0-9a-z]{1,12}$/.test(s) ? Number.parseInt(s.slice(1), 36) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 0) {
    throw invalid([{ field: 'query.after', description: 'is not a position this feed issued', violatedRule: 'INVALID_CURSOR' }]);
  }
  return n;
}

/**
 * The highest position below which no event can still appear. PostgreSQL takes identity positions at insert but
 * shows rows at commit, so a later position can be visible before an earlier one: a SHARE lock waits for every
 * transaction writing the outbox to end, and the maximum read then is safe. It is held only for that one
 * index lookup. SQLite has one writer at a time, so its positions appear in order (no horizon needed).
 */
async function safeHorizon(deps: Pick<DbDeps, 'db' | 'dialect'>): Promise<number | null> {
  if (deps.dialect !== 'postgres') return null;
  return deps.db.transaction().execute(async (trx) => {
    await sql`set local lock_timeout = '5s'`.execute(trx);
    await sql`lock table outbox_events in share mode`.execute(trx);
    const r = await sql<{ m: number | string | null }>`select max(position) as m from outbox_events`.execute(trx);
    return Number(r.rows[0]?.m ?? 0);
  });
}

export async function readEvents(
  deps: Pick<DbDeps, 'db' | 'dialect'>,
  siteId: string,
  opts: { after?: string | undefined; limit?: number | undefined; waitSeconds?: number | undefined; signal?: AbortSignal },
): Promise<EventFeedResponse> {
  const after = decodePosition(opts.after);
  if (opts.after !== undefined && opts.after !== '') {
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
  for (;;) {
    const horizon = await safeHorizon(deps);
    let q = deps.db
      .selectFrom('outbox_events')
      .select(['position', 'event_type', 'body_json', 'identity_json'])
      .where('site_id', '=', siteId)
      .where('position', '>', after);
    if (horizon !== null) q = q.where('position', '<=', horizon);
    const rows = await q.orderBy('position').limit(limit).execute();
    if (rows.length > 0 || Date.now() >= deadline || opts.signal?.aborted) {
      const last = rows[rows.length - 1];
      return {
        events: rows.map((r) => ({
          position: encodePosition(Number(r.position)),
          eventType: r.event_type,
          event: JSON.parse(r.body_json) as Record<string, unknown>,
          ...eventContext(siteId, r.identity_json),
        })),
        position: encodePosition(last ? Number(last.position) : after),
      };
    }
    await pause(POLL_MS, opts.signal);
  }
}
