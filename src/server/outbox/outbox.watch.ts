/**
 * What the outbox's readers in this process share: the horizon up to which they may read (PostgreSQL; SQLite needs
 * none, see events-feed.service.ts) and wake-ups when events were committed, so a long-poll or the webhook worker
 * reads again at once instead of polling. Wake-ups come from the change signal's connection (PostgreSQL `LISTEN`,
 * SQLite's in-process trigger and `data_version`); without one, waiters fall back to a short timer.
 */
import type { Kysely } from 'kysely';
import type { ChangeSignal, OutboxListener } from '../db/change-signal.ts';
import type { Dialect } from '../db/database.ts';
import type { Database } from '../db/schema.ts';
import type { Clock } from '../deps.ts';
import { createOutboxHorizon, type HorizonLog } from './outbox.horizon.ts';

/** How long a waiter sleeps between reads when wake-ups arrive: a safety net for a wake-up that was lost. */
export const FALLBACK_POLL_MS = 3_000;
/** How long it sleeps when nothing can wake it (no change signal): the old polling. */
export const UNSIGNALLED_POLL_MS = 200;

export interface OutboxWatch {
  /**
   * The highest position readers may read up to, computed after this call; null when every visible position may be
   * read (SQLite: one writer at a time, so positions become visible in order).
   */
  horizon(): Promise<number | null>;
  /**
   * Starts watching one site for a reader that is about to read: commits from now on count, so one landing between
   * the read and the wait is not missed. Dispose it when done.
   */
  watch(siteId: string): OutboxWaiter;
  /** Calls `listener` after every commit that appended events (site id, or null for "any site"). */
  subscribe(listener: OutboxListener): () => void;
  /** How long a waiter should sleep at most before reading again when nothing wakes it. */
  readonly fallbackMs: number;
  /** How many readers are waiting right now (long-polls between reads). */
  waiting(): number;
  /** Where to log a horizon held back for long. */
  setLog(log: HorizonLog): void;
  /** Stops listening to the change signal; waiters still waiting wake at their timers. */
  close(): void;
}

export interface OutboxWaiter {
  /**
   * Resolves when events of the watched site were committed since the last wait (or since `watch`), after `ms`, or
   * when `signal` aborts. With `anySite`, a commit for any site also wakes it: a reader held back by the horizon
   * waits for whichever transaction fills the gap.
   */
  wait(ms: number, opts?: { anySite?: boolean; signal?: AbortSignal | undefined }): Promise<void>;
  dispose(): void;
}

interface Watcher {
  siteId: string;
  /** Set when the site's events (or any site's, null) were committed since the last wait returned. */
  hit: boolean;
  /** The count of all commits seen when the last wait returned. */
  seen: number;
  wake: (() => void) | undefined;
}

/** The watch of one process over its database; `changes` supplies the wake-ups. */
export function createOutboxWatch(deps: {
  db: Kysely<Database>;
  dialect: Dialect;
  clock?: Clock;
  changes?: Pick<ChangeSignal, 'onOutboxEvents'> | undefined;
}): OutboxWatch {
  const horizon = deps.dialect === 'postgres' ? createOutboxHorizon(deps.db, deps.clock) : undefined;
  const bySite = new Map<string, Set<Watcher>>();
  const all = new Set<Watcher>();
  /** The watchers waiting with `anySite` right now. */
  const anySite = new Set<Watcher>();
  const listeners = new Set<OutboxListener>();
  let commits = 0;
  let parked = 0;

  function committed(siteId: string | null): void {
    commits++;
    if (siteId === null) {
      for (const w of all) {
        w.hit = true;
        w.wake?.();
      }
    } else {
      for (const w of bySite.get(siteId) ?? []) {
        w.hit = true;
        w.wake?.();
      }
      for (const w of [...anySite]) w.wake?.();
    }
    for (const l of listeners) l(siteId);
  }
  const onOutboxEvents = deps.changes?.onOutboxEvents;
  const unsubscribe = onOutboxEvents ? onOutboxEvents(committed) : undefined;
  const fallbackMs = unsubscribe ? FALLBACK_POLL_MS : UNSIGNALLED_POLL_MS;

  return {
    horizon: async () => (horizon ? horizon.current() : null),
    fallbackMs,
    waiting: () => parked,
    watch(siteId) {
      const w: Watcher = { siteId, hit: false, seen: commits, wake: undefined };
      all.add(w);
      let set = bySite.get(siteId);
      if (!set) {
        set = new Set();
        bySite.set(siteId, set);
      }
      set.add(w);
      return {
        wait(ms, opts = {}) {
          const due = () => w.hit || (opts.anySite === true && commits !== w.seen) || opts.signal?.aborted === true;
          const settle = () => {
            w.hit = false;
            w.seen = commits;
            w.wake = undefined;
            anySite.delete(w);
          };
          if (due()) {
            settle();
            return Promise.resolve();
          }
          return new Promise<void>((resolve) => {
            const timer = setTimeout(done, ms);
            function done() {
              clearTimeout(timer);
              opts.signal?.removeEventListener('abort', done);
              if (w.wake === done) parked--;
              settle();
              resolve();
            }
            if (opts.anySite === true) anySite.add(w);
            parked++;
            w.wake = done;
            opts.signal?.addEventListener('abort', done, { once: true });
          });
        },
        dispose() {
          w.wake?.();
          all.delete(w);
          const s = bySite.get(siteId);
          s?.delete(w);
          if (s?.size === 0) bySite.delete(siteId);
        },
      };
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    setLog(log) {
      horizon?.setLog(log);
    },
    close() {
      unsubscribe?.();
      listeners.clear();
    },
  };
}
