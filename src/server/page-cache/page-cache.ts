/**
 * The in-process cache of serialized public reads (docs/adr/0012-public-read-cache.md): the bytes of an answer
 * that is the same for every caller of its shape, with their ETag, kept until a review of its entity changes.
 *
 * What keeps an entry current:
 * - **This process's writes**: every committed review write (reviews/unit-of-work.ts) drops the entries of the
 *   entities it touched, after its commit and before its caller gets an answer, so the next read renders afresh.
 * - **Other processes** (the CLI, another instance): through the change signal. Its epoch is read before every hit
 *   (SQLite: `PRAGMA data_version`, which moves on any other connection's commit, so everything is dropped; PostgreSQL:
 *   moves on a site change or a reconnection), and on PostgreSQL each write's `NOTIFY` names its entities. While the
 *   signal cannot vouch (PostgreSQL listener not connected), nothing is served from memory or kept.
 * - **A read racing a write**: a render that began before a drop (in this process, or before the epoch moved) is
 *   served to its caller but not kept, so it cannot put back what it read before the change.
 */
import type { ChangeSignal } from '../db/change-signal.ts';
import { etagOf } from '../embed/embed.rules.ts';

/** A serialized answer. */
export interface Page {
  body: Buffer;
  /** Strong validator of `body` (the same bytes give the same tag on every instance). */
  etag: string;
}

/** What a render produced: the body, and whose entity it shows (what drops it). */
export interface Rendered {
  body: string;
  siteId: string;
  entityId: string;
}

/** How a read was answered, for /metrics: from memory, rendered and kept, or rendered while caching was off. */
export type Outcome = 'hit' | 'miss' | 'bypass';

export interface PageCache {
  /**
   * The page for `key`: from memory while it is current, otherwise `render`ed (and kept if nothing changed
   * meanwhile). `kind` labels the outcome in /metrics. Errors of `render` reach the caller; nothing is kept.
   */
  read(kind: string, key: string, render: () => Promise<Rendered>): Promise<Page>;
  /**
   * The page for `key` if it is in memory and current, without rendering (undefined otherwise, counted as nothing:
   * the caller then reads it through `read`, which counts the outcome).
   */
  hit(kind: string, key: string): Page | undefined;
  /** Drops the pages of these entities of a site (null: of every entity of the site), for a committed change. */
  forget(siteId: string, entityIds: readonly string[] | null): void;
  /** Entries and bytes held now. */
  size(): { entries: number; bytes: number };
}

export interface PageCacheOptions {
  signal: ChangeSignal;
  /** Bounds; when either is passed, the least recently used entries go first. */
  maxEntries?: number;
  maxBytes?: number;
  /** Told of each read's outcome (metrics). */
  count?: (kind: string, outcome: Outcome) => void;
}

interface Entry extends Page {
  entity: string;
  siteId: string;
}

const entityKey = (siteId: string, entityId: string) => `${siteId}\u0000${entityId}`;

export function createPageCache(opts: PageCacheOptions): PageCache {
  const maxEntries = opts.maxEntries ?? 10_000;
  const maxBytes = opts.maxBytes ?? 64 * 1024 * 1024;
  const count = opts.count ?? (() => {});
  /** In least-recently-used order: a hit moves its entry to the end. */
  const entries = new Map<string, Entry>();
  /** The keys of each entity's entries, so a write drops exactly those. */
  const byEntity = new Map<string, Set<string>>();
  let bytes = 0;
  /** The signal's epoch the entries were kept under. */
  let seen: number | undefined;
  /** Moves on every drop: a render that began before one is not kept. */
  let generation = 0;

  function remove(key: string): void {
    const entry = entries.get(key);
    if (!entry) return;
    entries.delete(key);
    bytes -= entry.body.length;
    const keys = byEntity.get(entry.entity);
    keys?.delete(key);
    if (keys?.size === 0) byEntity.delete(entry.entity);
  }

  function clear(): void {
    generation++;
    entries.clear();
    byEntity.clear();
    bytes = 0;
  }

  function keep(key: string, rendered: Rendered, page: Page): void {
    if (page.body.length > maxBytes) return;
    remove(key);
    while (entries.size >= maxEntries || bytes + page.body.length > maxBytes) {
      const oldest = entries.keys().next();
      if (oldest.done) break;
      remove(oldest.value);
    }
    const entity = entityKey(rendered.siteId, rendered.entityId);
    entries.set(key, { ...page, entity, siteId: rendered.siteId });
    bytes += page.body.length;
    let keys = byEntity.get(entity);
    if (!keys) {
      keys = new Set();
      byEntity.set(entity, keys);
    }
    keys.add(key);
  }

  /**
   * The signal's epoch, after dropping everything it says may have changed; undefined while it cannot vouch for
   * anything (then nothing is held).
   */
  function vouched(): number | undefined {
    const epoch = opts.signal.epoch();
    if (epoch === undefined) {
      // Changes made elsewhere cannot be seen: serve nothing from memory and keep nothing.
      if (entries.size > 0 || seen !== undefined) {
        clear();
        seen = undefined;
      }
      return undefined;
    }
    if (epoch !== seen) {
      clear();
      seen = epoch;
    }
    return epoch;
  }

  /** The entry of `key`, moved to the recent end and counted as a hit. */
  function touch(kind: string, key: string): Entry | undefined {
    const hit = entries.get(key);
    if (hit) {
      entries.delete(key);
      entries.set(key, hit);
      count(kind, 'hit');
    }
    return hit;
  }

  return {
    async read(kind, key, render) {
      const epoch = vouched();
      if (epoch === undefined) {
        count(kind, 'bypass');
        return toPage(await render());
      }
      const hit = touch(kind, key);
      if (hit) return hit;
      const began = generation;
      const rendered = await render();
      const page = toPage(rendered);
      // Kept only if nothing was dropped while it rendered, here (generation) or elsewhere (epoch); a change landing
      // after this point drops it like any other entry.
      if (began === generation && opts.signal.epoch() === epoch) keep(key, rendered, page);
      count(kind, 'miss');
      return page;
    },
    hit(kind, key) {
      return vouched() === undefined ? undefined : touch(kind, key);
    },
    forget(siteId, entityIds) {
      generation++;
      if (entityIds === null) {
        for (const [key, entry] of entries) if (entry.siteId === siteId) remove(key);
        return;
      }
      for (const id of entityIds) {
        const keys = byEntity.get(entityKey(siteId, id));
        if (keys) for (const key of [...keys]) remove(key);
      }
    },
    size: () => ({ entries: entries.size, bytes }),
  };
}

function toPage(rendered: Rendered): Page {
  return { body: ownBytes(rendered.body), etag: etagOf(rendered.body) };
}

/**
 * `text` as UTF-8 in memory of its own. `Buffer.from` puts a short string (under 4 KB) in a slice of a shared 8 KB
 * pool, and a kept slice keeps its whole pool alive, so what the cache holds would depend on what else the process
 * allocated beside each answer, not on the bytes it counts against PAGE_CACHE_MB (at worst 8 KB for a summary of a
 * hundred bytes).
 */
function ownBytes(text: string): Buffer {
  const body = Buffer.allocUnsafeSlow(Buffer.byteLength(text));
  body.write(text);
  return body;
}

/** `cache.read`, or a plain render when there is no cache (turned off, or an app assembled without one). */
export async function readPage(
  cache: PageCache | undefined,
  kind: string,
  key: string,
  render: () => Promise<Rendered>,
): Promise<Page> {
  return cache ? cache.read(kind, key, render) : toPage(await render());
}
