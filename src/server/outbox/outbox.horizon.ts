/**
 * The outbox horizon on PostgreSQL: the highest position at or below which every event is final — committed and
 * visible, or never to appear. Positions are drawn at insert but become visible at commit, so a reader that moved
 * past a visible position could skip a lower one still in flight. Readers (the event feed, the webhook fan-out)
 * read only up to the horizon, and nothing here takes a lock or makes a writer wait. The argument is in
 * docs/adr/0009-outbox-horizon.md; in short, the horizon moves in two ways:
 *
 * 1. Contiguity: when every position just above it is visible, those rows are committed, so final: the horizon moves
 *    to the end of that unbroken run at once. This is the common case.
 * 2. A fence for gaps (a transaction still in flight, or a rolled-back one that left a hole): at snapshot S1 note V,
 *    the highest visible position, then take a transaction id N of our own (assigned after S1, so greater than the
 *    id of every transaction that had one at S1). Every position below V was drawn before V's transaction
 *    committed, so before S1, by a transaction that already had its id (the outbox's statement trigger assigns it
 *    before any position is drawn): its id is below N. Once a snapshot's xmin passes N, all of them have ended, so
 *    V is final. The fence is checked once more at once (it usually resolves then), and at every later round.
 *
 * The first round starts from the webhook fan-out's cursor, which only ever passes final positions.
 *
 * A transaction that has written something and stays open holds the fence (not the contiguity) back: see
 * {@link HELD_WARN_MS} for how that shows. One horizon per process serves all its readers; concurrent requests
 * share one round of queries.
 */
import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.ts';
import { type Clock, systemClock } from '../deps.ts';
import { deliveriesRepo } from '../webhooks/webhooks.repo.ts';

/** Rows above the horizon read per round to find the unbroken run. */
const SCAN = 1000;

/** How long the fence may be held back before the horizon logs which transactions hold it. */
export const HELD_WARN_MS = 30_000;

export interface HorizonLog {
  warn(obj: object, msg: string): void;
}

export interface OutboxHorizon {
  /**
   * A fresh horizon: computed by a round of queries that starts after this call (so it covers every commit made
   * before it, unless a lower position is still in flight). It only ever rises.
   */
  current(): Promise<number>;
  /** Where to log a horizon held back for long (set when the server's logger exists). */
  setLog(log: HorizonLog): void;
}

/** Parses `pg_current_snapshot()::text` ("xmin:xmax:xip,…") down to its xmin. */
function snapshotXmin(text: string): bigint {
  return BigInt(text.slice(0, text.indexOf(':')));
}

/** The horizon of the outbox reached through `db` (PostgreSQL); `clock` times how long a fence is held. */
export function createOutboxHorizon(db: Kysely<Database>, clock: Clock = systemClock): OutboxHorizon {
  const now = () => clock().getTime();
  let safe: number | undefined;
  /** The pending fence: `position` is final once a snapshot's xmin is above `xid`; taken at `since` (ms). */
  let fence: { position: number; xid: bigint; since: number } | undefined;
  let warned = false;
  let log: HorizonLog | undefined;

  async function round(): Promise<number> {
    // The webhook fan-out's cursor never passes a final position, so it is a sound start for the unbroken run.
    let h = safe ?? (await deliveriesRepo.fanOutCursor(db));
    const r = await sql<{ snap: string; v: number | string | null; next: string }>`
      select pg_current_snapshot()::text as snap,
             (select max(position) from outbox_events) as v,
             array_to_string(array(
               select position from outbox_events where position > ${h} order by position limit ${SCAN}
             ), ',') as next`.execute(db);
    const row = r.rows[0];
    if (!row) return h;
    if (fence && snapshotXmin(row.snap) > fence.xid) h = Math.max(h, fence.position);
    for (const p of row.next === '' ? [] : row.next.split(',').map(Number)) {
      if (p !== h + 1) break;
      h = p;
    }
    // Resolved, or passed by the unbroken run: the fence is done.
    if (fence && h >= fence.position) {
      fence = undefined;
      warned = false;
    }
    const visible = row.v === null ? 0 : Number(row.v);
    if (!fence && visible > h) {
      const x = await sql<{ n: string }>`select pg_current_xact_id()::text as n`.execute(db);
      fence = { position: visible, xid: BigInt(x.rows[0]?.n ?? '0'), since: now() };
      // Usually nothing older is still running (the gap was a rollback, or its writer has committed since): then a
      // fresh snapshot resolves the fence at once, and a reader that does not wait still gets what was committed.
      const y = await sql<{ snap: string }>`select pg_current_snapshot()::text as snap`.execute(db);
      const again = y.rows[0];
      if (again && snapshotXmin(again.snap) > fence.xid) {
        h = fence.position;
        fence = undefined;
      }
    }
    safe = h;
    if (fence && !warned && now() - fence.since > HELD_WARN_MS) {
      warned = true;
      await reportHolders(fence.since);
    }
    return h;
  }

  /** Names the oldest open transactions that hold an id: one of them holds the fence back. */
  async function reportHolders(since: number): Promise<void> {
    if (!log) return;
    try {
      const r = await sql<{ pid: number; application_name: string; state: string | null; xact_start: string | null }>`
        select pid, application_name, state, xact_start::text as xact_start from pg_stat_activity
        where backend_xid is not null and pid <> pg_backend_pid()
        order by xact_start limit 5`.execute(db);
      log.warn(
        { heldForMs: now() - since, horizon: safe, oldestTransactions: r.rows },
        'outbox horizon held back by an open transaction: event feed reads and webhook fan-out past it wait until it ends',
      );
    } catch {
      // A diagnostic only: the next round tries nothing more, the horizon goes on as before.
    }
  }

  let running: Promise<number> | undefined;
  let queued: Promise<number> | undefined;
  function current(): Promise<number> {
    if (!running) {
      running = round().finally(() => {
        running = undefined;
      });
      return running;
    }
    // A round already under way may have read before the caller's commit: the caller gets the next one, which
    // everyone arriving meanwhile shares.
    queued ??= running
      .catch(() => undefined)
      .then(() => {
        queued = undefined;
        return current();
      });
    return queued;
  }

  return {
    current,
    setLog(l) {
      log = l;
    },
  };
}
