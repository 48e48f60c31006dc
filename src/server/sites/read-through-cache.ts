/**
 * A bounded in-process cache in front of one database read, kept honest by a change signal (db/change-signal.ts):
 * every hit first asks the signal whether another process changed something, and everything is dropped when it did.
 * Only values found are kept, so something created elsewhere is seen at once.
 */
import type { ChangeSignal } from '../db/change-signal.ts';

export interface ReadThroughCache<V> {
  /** The cached value, or the database's (kept for next time only if nothing changed while it was read). */
  get(key: string): Promise<V | undefined>;
  /**
   * Drops the entries `drop` selects, for a change this process made. A read already under way is not kept, so it
   * cannot put back what it read before the change.
   */
  forget(drop: (value: V) => boolean): void;
}

export interface ReadThroughOptions<V> {
  load: (key: string) => Promise<V | undefined>;
  signal: ChangeSignal;
  /** The bound: when full, the entry stored first is dropped. */
  maxEntries: number;
  /**
   * How long an entry may be served at most. The signal covers every change Verdict makes; this bounds what it
   * cannot see, such as a row changed by hand on PostgreSQL without a notification.
   */
  ttlMs: number;
}

export function createReadThroughCache<V>(opts: ReadThroughOptions<V>): ReadThroughCache<V> {
  const entries = new Map<string, { value: V; until: number }>();
  /** The signal's epoch the entries were read under. */
  let seen: number | undefined;
  /** Moves on every `forget`: a read that began before one is not stored. */
  let generation = 0;

  return {
    async get(key) {
      const epoch = opts.signal.epoch();
      if (epoch === undefined) {
        // The signal cannot vouch for anything: read through, and keep nothing, not even what was read before.
        entries.clear();
        seen = undefined;
        return opts.load(key);
      }
      if (epoch !== seen) {
        entries.clear();
        seen = epoch;
      }
      const now = Date.now();
      const hit = entries.get(key);
      if (hit && hit.until > now) return hit.value;
      const began = generation;
      const value = await opts.load(key);
      // Kept only if nothing changed while it was read, in another process (epoch) or in this one (generation).
      // A change landing after this point still drops it: `forget` removes it, or the next get sees a new epoch.
      if (value !== undefined && began === generation && opts.signal.epoch() === epoch) {
        entries.delete(key);
        if (entries.size >= opts.maxEntries) {
          const oldest = entries.keys().next();
          if (!oldest.done) entries.delete(oldest.value);
        }
        entries.set(key, { value, until: now + opts.ttlMs });
      }
      return value;
    },
    forget(drop) {
      generation++;
      for (const [key, entry] of entries) if (drop(entry.value)) entries.delete(key);
    },
  };
}
