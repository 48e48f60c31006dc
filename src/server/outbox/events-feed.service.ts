/**
 * The event feed: a site's outbox read in position order after an opaque position, with an optional bounded
 * long-poll. Positions are the outbox's global, monotonically increasing positions, encoded so clients treat them
 * as opaque. Reading never changes anything, so any instance can serve it.
 */
import type { EventFeedResponse } from '../../contract/index.ts';
import type { DbDeps } from '../deps.ts';
import { invalid } from '../errors.ts';

const POLL_MS = 200;

export const encodePosition = (n: number): string => `p${n.toString(36)}`;

export function decodePosition(s: string | undefined): number {
  if (s === undefined || s === '') return 0;
  const n = /^p[0-9a-z]{1,12}$/.test(s) ? Number.parseInt(s.slice(1), 36) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 0) {
    throw invalid([{ field: 'query.after', description: 'is not a position this feed issued', violatedRule: 'INVALID_CURSOR' }]);
  }
  return n;
}

export async function readEvents(
  deps: Pick<DbDeps, 'db'>,
  siteId: string,
  opts: { after?: string | undefined; limit?: number | undefined; waitSeconds?: number | undefined; signal?: AbortSignal },
): Promise<EventFeedResponse> {
  const after = decodePosition(opts.after);
  const limit = opts.limit ?? 100;
  const deadline = Date.now() + (opts.waitSeconds ?? 0) * 1000;
  for (;;) {
    const rows = await deps.db
      .selectFrom('outbox_events')
      .select(['position', 'event_type', 'body_json'])
      .where('site_id', '=', siteId)
      .where('position', '>', after)
      .orderBy('position')
      .limit(limit)
      .execute();
    if (rows.length > 0 || Date.now() >= deadline || opts.signal?.aborted) {
      const last = rows[rows.length - 1];
      return {
        events: rows.map((r) => ({
          position: encodePosition(Number(r.position)),
          eventType: r.event_type,
          event: JSON.parse(r.body_json) as Record<string, unknown>,
        })),
        position: encodePosition(last ? Number(last.position) : after),
      };
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}
