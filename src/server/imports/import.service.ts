/**
 * `verdict import`: writes reviews read from another platform's export (docs/product.md §8), in one pass over the file:
 * each chunk of rows is checked against the file so far and the database, then written (`--dry-run` only checks).
 * Re-running a file creates nothing new: a row's review id is derived from its source identity, and ids already
 * present are skipped.
 *
 * What an import writes differs from `bulkCreateReview` on purpose: the rows keep their source status, date, reply
 * and verified flag (moderation rules are not applied to reviews that were already live elsewhere, so no audit entry
 * is written either). Rows are written through the review unit of work's batch insert, so summaries, relevance and
 * event sequences follow the same rules as every other write. Per-review events are one option, `events`, off by
 * default: a migration of a million old reviews is not a million "review created" notifications for webhook
 * consumers, and a consumer that needs the imported reviews reads them once through the API. With `events: true`
 * each imported review emits one `created` event (sequence 1), as a site that mirrors reviews elsewhere may want.
 *
 * A large import into a small database rebuilds the review indexes instead of maintaining them row by row: one
 * transaction drops them, appends the rows, builds the indexes and the search index again and commits, so readers
 * see the old state or the new one, never a table without its indexes (see docs/performance.md for why). On
 * PostgreSQL the dropped indexes lock the table until the commit: readers of `reviews` wait for the import.
 */
import { GUID_PATTERN, UNKNOWN_IDENTITY } from '../../contract/index.ts';
import { normalizeEmail } from '../contacts/contacts.service.ts';
import type { Db } from '../db/database.ts';
import type { Executor } from '../db/executor.ts';
import type { ContactRow, ReviewRow } from '../db/schema.ts';
import { type DbDeps, iso } from '../deps.ts';
import { digest } from '../digest.ts';
import { isUniqueViolation } from '../errors.ts';
import { timeOrderedId } from '../ids.ts';
import type { EventSpec } from '../outbox/outbox.events.ts';
import { contentFingerprint } from '../reviews/reviews.rules.ts';
import { type ReviewWrite, runReviewWrite } from '../reviews/unit-of-work.ts';
import type { ImportRecord, ImportRow, RowError } from './import.formats.ts';
import { importRepo } from './import.repo.ts';

/** Rows checked or written per round of database work: one transaction each, unless the indexes are rebuilt. */
const CHUNK = 1000;
/**
 * Rows per round of an SQLite index rebuild, whose rounds share one transaction. A round's rows stay alive until it
 * is written, and the young generation's collections copy what is alive: at 1,000,000 reviews a quarter of the rows
 * per round took the rows phase from 41 to 34 s (garbage collection 11 → 5 s of the importing thread's profile).
 * PostgreSQL keeps rounds of {@link CHUNK}: there rounds of 250 measured 3–5 % slower (four times the statements,
 * each a round trip).
 */
const SQLITE_REBUILD_CHUNK = 250;
/** Errors kept in the report; every error still reaches `onError`, and `failed` counts them all. */
const REPORT_ERRORS = 1000;

export interface ImportProgress {
  phase: 'checking' | 'writing' | 'indexing';
  /** Rows read so far. */
  rows: number;
}

export interface EntityCheck {
  namespace: string;
  entityId: string;
  /** Published reviews of the entity in the file, and their average rating. */
  file: { count: number; average: number };
  /** The entity's summary in Verdict after the import (reviews that were there before count too). */
  verdict: { count: number; average: number };
}

export interface ImportReport {
  dryRun: boolean;
  rowsRead: number;
  created: number;
  /** Rows whose review is already in Verdict (an earlier run of the same file). */
  skipped: number;
  failed: number;
  /** The first errors; `failed` counts every one. */
  errors: RowError[];
  /** Entities in the file, and how many of them agree with Verdict's summary after the import. */
  entities: number;
  matching: number;
  /** Entities whose published count or average differ from the file (at most 100), for the operator to look at. */
  mismatches: EntityCheck[];
  /** Whether the review indexes were rebuilt after the rows were appended (SQLite, large import). */
  indexesRebuilt: boolean;
}

export interface ImportOptions {
  siteId: string;
  /** The file's format: part of each row's source identity. */
  format: string;
  dryRun?: boolean;
  /** Rebuild the review indexes instead of maintaining them: `auto` decides by the sizes (SQLite only). */
  rebuildIndexes?: boolean | 'auto';
  /** About how many rows the file holds (the CLI estimates it from the file's size): weighs the index rebuild. */
  expectedRows?: number;
  /**
   * Whether each imported review emits a `created` event (to webhooks, NATS and the event feed). Default false: a
   * migration of old reviews is not news for consumers (see the file comment).
   */
  events?: boolean;
  onError?: (error: RowError) => void;
  onProgress?: (progress: ImportProgress) => void;
}

/**
 * The review id of an imported row: the review date's milliseconds in the place a UUIDv7 keeps its time (so rows
 * land in date order at the end of the id index, as generated ids do), then 74 bits of a hash of the site and the
 * row's source identity, with the UUIDv8 version and RFC 4122 variant bits. The same row of the same file gives the
 * same id on every run.
 */
export function importedReviewId(siteId: string, sourceId: string, reviewDate: string): string {
  const ms = Math.max(0, Math.min(Date.parse(reviewDate), 0xffffffffffff));
  const time = ms.toString(16).padStart(12, '0');
  const h = digest('sha256', `${siteId}\u0000${sourceId}`, 'hex');
  const variant = ((Number.parseInt(h.slice(3, 4), 16) & 0x3) | 0x8).toString(16);
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-8${h.slice(0, 3)}-${variant}${h.slice(4, 7)}-${h.slice(7, 19)}`;
}

const GUID = new RegExp(GUID_PATTERN);

/**
 * A row's review id: a source id that is a GUID already (a Verdict or Wix review id) is kept, so code that stored
 * review ids keeps working after the move; any other is derived from the format and the source id.
 */
function reviewIdOf(siteId: string, format: string, r: ImportRecord): string {
  return GUID.test(r.sourceId)
    ? r.sourceId.toLowerCase()
    : importedReviewId(siteId, `${format}:${r.sourceId}`, r.reviewDate);
}

interface Checked {
  record: ImportRecord;
  id: string;
}

const slotOf = (namespace: string, entityId: string, author: string) =>
  digest('sha1', `${namespace}\u0000${entityId}\u0000${author}`, 'base64');

const authorOf = (r: ImportRecord): string | null =>
  r.contactId ? `c:${r.contactId}` : r.authorEmail ? `e:${normalizeEmail(r.authorEmail)}` : null;

const conflict = (r: ImportRecord, description: string): RowError => ({
  line: r.line,
  sourceId: r.sourceId,
  violations: [{ field: 'author', description, violatedRule: 'ALREADY_EXISTS' }],
});

/**
 * Which contacts of the site exist, and which contact holds an email: asked of the database chunk by chunk, or, in an
 * index rebuild, of the site's contacts read once and kept up to date with the contacts the run creates.
 */
interface ContactLookup {
  /** The ids among `ids` that are contacts of the site. */
  known(db: Executor, ids: readonly string[]): Promise<Set<string>>;
  /** The contact holding each of these normalized emails, where one does (a new map the caller may change). */
  holders(db: Executor, emails: readonly string[]): Promise<Map<string, string>>;
  /** Contacts the run has just created. */
  add(rows: readonly ContactRow[]): void;
}

function databaseContacts(siteId: string): ContactLookup {
  return {
    known: async (db, ids) => new Set((await importRepo.contactsById(db, siteId, ids)).map((c) => c.id)),
    holders: async (db, emails) =>
      new Map(
        (await importRepo.contactsByEmail(db, siteId, emails)).flatMap((c) =>
          c.email_normalized === null ? [] : [[c.email_normalized, c.id] as const],
        ),
      ),
    add() {},
  };
}

/**
 * The site's contacts, read once. For a run that holds the write lock until it commits (an index rebuild): on SQLite
 * no other writer adds a contact meanwhile; on PostgreSQL one that does with an email the run also creates makes the
 * import fail on the unique email and roll back, as the per-chunk lookup could too, in a narrower window. Looking
 * contacts up chunk by chunk instead reads, on PostgreSQL, a table grown inside the import's transaction that no
 * `ANALYZE` has seen, and the plan of the lookup degrades as it grows.
 */
async function siteContacts(db: Executor, siteId: string): Promise<ContactLookup> {
  const ids = new Set<string>();
  const byEmail = new Map<string, string>();
  const add = (rows: readonly { id: string; email_normalized: string | null }[]) => {
    for (const c of rows) {
      ids.add(c.id);
      if (c.email_normalized !== null) byEmail.set(c.email_normalized, c.id);
    }
  };
  add(await importRepo.siteContacts(db, siteId));
  return {
    known: async (_db, want) => new Set(want.filter((id) => ids.has(id))),
    holders: async (_db, emails) => {
      const out = new Map<string, string>();
      for (const e of emails) {
        const id = byEmail.get(e);
        if (id !== undefined) out.set(e, id);
      }
      return out;
    },
    add,
  };
}

/**
 * The checks of one run, chunk by chunk: a row's review already in Verdict (skipped), a row repeating an earlier
 * one, an author's second review of one entity (in the file, or live in Verdict). Keeps the counts, the first errors
 * and the file's published count and rating sum per entity.
 */
class Checker {
  rowsRead = 0;
  valid = 0;
  skipped = 0;
  failed = 0;
  readonly errors: RowError[] = [];
  readonly fileStats = new Map<string, { namespace: string; entityId: string; count: number; sum: number }>();
  readonly #slots = new Set<string>();
  /**
   * The ids this run wrote, when every review of the site is one (the site had none when the run took the write
   * lock): then which ids exist is answered here, not by the database (see `answerFromRun`).
   */
  #written: Set<string> | undefined;
  /** Normalized email → the contact id a row of this run named with it. */
  readonly #emailOwners = new Map<string, string>();
  /** How the checks and the writes find contacts: by query unless a rebuild read them all (`readContacts`). */
  contacts: ContactLookup;

  /**
   * @param runAt the update time of every row this run writes (their creation time is the source's, when it has
   *   one): a review already present with this update time was written by this run, so its row repeats an earlier
   *   one of the file (rather than an earlier run's).
   */
  constructor(
    private readonly siteId: string,
    private readonly format: string,
    private readonly runAt: string,
    private readonly onError: ((e: RowError) => void) | undefined,
  ) {
    this.contacts = databaseContacts(siteId);
  }

  /** From now on, contacts are answered from the site's contacts read now (see `siteContacts`). */
  async readContacts(db: Executor): Promise<void> {
    this.contacts = await siteContacts(db, this.siteId);
  }

  #repeats(r: ImportRecord): void {
    this.fail({
      line: r.line,
      sourceId: r.sourceId,
      violations: [{ field: 'id', description: 'repeats a row earlier in the file', violatedRule: 'DUPLICATE' }],
    });
  }

  fail(e: RowError): void {
    this.failed++;
    if (this.errors.length < REPORT_ERRORS) this.errors.push(e);
    this.onError?.(e);
  }

  /** Counts a row read; returns it with its review id when it is a record to check, or undefined (an error). */
  read(row: ImportRow): Checked | undefined {
    this.rowsRead++;
    if (!row.ok) {
      this.fail(row.error);
      return undefined;
    }
    const r = row.record;
    if (r.status === 'APPROVED') {
      const key = `${r.namespace}\u0000${r.entityId}`;
      const s = this.fileStats.get(key) ?? { namespace: r.namespace, entityId: r.entityId, count: 0, sum: 0 };
      s.count++;
      s.sum += r.rating;
      this.fileStats.set(key, s);
    }
    return { record: r, id: reviewIdOf(this.siteId, this.format, r) };
  }

  /** Marks slots held in Verdict before the run (the index rebuild reads them all up front). */
  holdSlots(slots: Iterable<{ namespace: string; entity_id: string; author: string }>): void {
    for (const s of slots) this.#slots.add(slotOf(s.namespace, s.entity_id, s.author));
  }

  /**
   * From now on, which ids exist is answered from the ids this run writes, not by the database. Only for a run that
   * holds the write lock of a site without reviews (an index rebuild into a new site): every review of the site is
   * then one of this run's. On PostgreSQL the per-chunk lookup would read a table that grows by the whole file
   * inside one transaction, which no `ANALYZE` has seen: its plan turned into a scan per chunk (200,000 rows:
   * 143 s of lookups).
   */
  answerFromRun(): void {
    this.#written = new Set();
  }

  async #present(db: DbDeps['db'], chunk: readonly Checked[]): Promise<Map<string, string>> {
    if (this.#written) {
      const written = this.#written;
      return new Map(chunk.flatMap((c) => (written.has(c.id) ? [[c.id, this.runAt] as const] : [])));
    }
    const ids = chunk.map((c) => c.id);
    return new Map((await importRepo.existingIds(db, this.siteId, ids)).map((r) => [r.id, r.updated_at]));
  }

  /**
   * The rows of `chunk` to write. `db` answers which ids exist (unless `answerFromRun`) and, unless the slots were
   * all read up front (`slotsFromDb` false), which authors' slots are live.
   */
  async check(db: DbDeps['db'], chunk: readonly Checked[], slotsFromDb: boolean): Promise<Checked[]> {
    const present = await this.#present(db, chunk);
    const inChunk = new Set<string>();
    const fresh = chunk.filter((c) => {
      const updatedAt = present.get(c.id);
      if (inChunk.has(c.id) || updatedAt === this.runAt) {
        this.#repeats(c.record);
        return false;
      }
      inChunk.add(c.id);
      if (updatedAt === undefined) return true;
      this.skipped++;
      return false;
    });
    const carried = await this.#contactEmails(db, fresh);
    const taken = new Set<string>();
    if (slotsFromDb) {
      const contactIds = [...new Set(carried.flatMap((c) => (c.record.contactId ? [c.record.contactId] : [])))];
      const emails = [
        ...new Set(
          carried.flatMap((c) =>
            !c.record.contactId && c.record.authorEmail ? [normalizeEmail(c.record.authorEmail)] : [],
          ),
        ),
      ];
      for (const s of await importRepo.liveSlots(db, this.siteId, contactIds, emails)) {
        taken.add(slotOf(s.namespace, s.entity_id, s.author));
      }
    }
    const out: Checked[] = [];
    for (const c of carried) {
      const r = c.record;
      const author = authorOf(r);
      if (author) {
        const slot = slotOf(r.namespace, r.entityId, author);
        if (taken.has(slot)) {
          this.fail(conflict(r, 'already has a live review of this entity in Verdict'));
          continue;
        }
        if (this.#slots.has(slot)) {
          this.fail(conflict(r, 'has another review of this entity in Verdict or earlier in the file'));
          continue;
        }
        this.#slots.add(slot);
      }
      out.push(c);
    }
    for (const c of out) this.#written?.add(c.id);
    this.valid += out.length;
    return out;
  }

  /**
   * Rows that name a contact by id and carry an email: when the contact is not in Verdict yet, it is created with
   * that email, which must not belong to another contact (in Verdict, or named earlier in the file). Such a row is
   * an error rather than a review whose author loses its email. A contact already in Verdict stays as it is.
   */
  async #contactEmails(db: DbDeps['db'], rows: readonly Checked[]): Promise<Checked[]> {
    const named = rows.filter((c) => c.record.contactId && c.record.authorEmail);
    if (named.length === 0) return [...rows];
    const ids = [...new Set(named.map((c) => c.record.contactId as string))];
    const known = await this.contacts.known(db, ids);
    const emails = [
      ...new Set(
        named.flatMap((c) =>
          known.has(c.record.contactId as string) ? [] : [normalizeEmail(c.record.authorEmail as string)],
        ),
      ),
    ];
    const holders = await this.contacts.holders(db, emails);
    const refused = new Set<Checked>();
    for (const c of named) {
      const id = c.record.contactId as string;
      if (known.has(id)) continue;
      const email = normalizeEmail(c.record.authorEmail as string);
      const holder = holders.get(email) ?? this.#emailOwners.get(email);
      if (holder !== undefined && holder !== id) {
        refused.add(c);
        this.fail({
          line: c.record.line,
          sourceId: c.record.sourceId,
          violations: [
            {
              field: 'author',
              description:
                'names a new contact with an email that another contact has, in Verdict or earlier in the file',
              violatedRule: 'ALREADY_EXISTS',
            },
          ],
        });
        continue;
      }
      this.#emailOwners.set(email, id);
    }
    return rows.filter((c) => !refused.has(c));
  }
}

/** The rows read, in chunks, each row counted by the checker; errors in the file are reported as they are read. */
async function* chunksOf(rows: AsyncIterable<ImportRow>, checker: Checker, size = CHUNK): AsyncGenerator<Checked[]> {
  let chunk: Checked[] = [];
  for await (const row of rows) {
    const c = checker.read(row);
    if (c) chunk.push(c);
    if (chunk.length >= size) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length > 0) yield chunk;
}

/**
 * The review row of an imported record: its source status, dates (creation too, when the source has it), reply,
 * flags and vote counts, revision 1.
 */
function reviewRow(siteId: string, id: string, r: ImportRecord, contactId: string | null, now: string): ReviewRow {
  return {
    site_id: siteId,
    id,
    namespace: r.namespace,
    entity_id: r.entityId,
    contact_id: contactId,
    author_name: r.authorName,
    title: r.title,
    body: r.body,
    media_json: JSON.stringify(r.media),
    rating: r.rating,
    reply_message: r.reply?.message ?? null,
    reply_created_at: r.reply ? (r.reply.date ?? now) : null,
    reply_updated_at: r.reply ? (r.reply.date ?? now) : null,
    found_helpful: r.votes?.helpful ?? 0,
    found_unhelpful: r.votes?.unhelpful ?? 0,
    // As a vote keeps it (engagement/votes.service.ts): helpful minus unhelpful. Relevance is scored by the unit of
    // work's insert from these counts, like every other write's.
    helpfulness: (r.votes?.helpful ?? 0) - (r.votes?.unhelpful ?? 0),
    moderation_status: r.status,
    manually_changed: 0,
    revision: 1,
    verified: r.verified ? 1 : 0,
    origin_type: 'ORGANIC',
    origin_app_id: null,
    review_date: r.reviewDate,
    // Derived by the unit of work.
    relevance_rank: 0,
    open_reports: 0,
    publish_count: r.status === 'APPROVED' ? 1 : 0,
    event_sequence: 0,
    content_hash: contentFingerprint({
      namespace: r.namespace,
      entityId: r.entityId,
      contactId,
      title: r.title,
      body: r.body,
      media: r.media,
      rating: r.rating,
    }),
    created_at: r.createdDate ?? now,
    // Always the import time: how the checks tell a row this run wrote from one an earlier run wrote.
    updated_at: now,
    deleted_at: null,
  };
}

/** The contact of each email in `records`: found by normalized email, or created with the row's author name. */
async function contactsFor(
  db: DbDeps['db'],
  siteId: string,
  records: readonly ImportRecord[],
  now: string,
  contacts: ContactLookup,
): Promise<Map<string, string>> {
  const wanted = new Map<string, ImportRecord>();
  for (const r of records) {
    if (!r.contactId && r.authorEmail) {
      const e = normalizeEmail(r.authorEmail);
      if (!wanted.has(e)) wanted.set(e, r);
    }
  }
  if (wanted.size === 0) return new Map();
  const byEmail = await contacts.holders(db, [...wanted.keys()]);
  const created: ContactRow[] = [];
  for (const [e, r] of wanted) {
    if (byEmail.has(e)) continue;
    const id = timeOrderedId();
    byEmail.set(e, id);
    created.push({
      site_id: siteId,
      id,
      name: r.authorName,
      name_first: r.authorName,
      name_last: null,
      email: (r.authorEmail as string).trim(),
      email_normalized: e,
      created_at: now,
      updated_at: now,
    });
  }
  await importRepo.insertContacts(db, created);
  contacts.add(created);
  return byEmail;
}

/**
 * The contacts rows name by id that are not in Verdict yet, created with the row's email and contact name: what a
 * Verdict export holds about them, so a move to another database keeps them. A row with neither names no contact
 * that existed (a visitor's id, an id the API was given), and none is created. The checks made sure the email is free.
 */
async function namedContacts(
  db: DbDeps['db'],
  siteId: string,
  records: readonly ImportRecord[],
  now: string,
  contacts: ContactLookup,
): Promise<void> {
  const wanted = new Map<string, ImportRecord>();
  for (const r of records) {
    if (r.contactId && (r.authorEmail || r.contactName) && !wanted.has(r.contactId)) wanted.set(r.contactId, r);
  }
  if (wanted.size === 0) return;
  for (const id of await contacts.known(db, [...wanted.keys()])) wanted.delete(id);
  const created = [...wanted].map(([id, r]): ContactRow => {
    const first = r.contactName?.first ?? null;
    const last = r.contactName?.last ?? null;
    const email = r.authorEmail?.trim() || null;
    return {
      site_id: siteId,
      id,
      name: [first, last].filter((x) => x !== null).join(' ') || null,
      name_first: first,
      name_last: last,
      email,
      email_normalized: email === null ? null : normalizeEmail(email),
      created_at: now,
      updated_at: now,
    };
  });
  await importRepo.insertContacts(db, created);
  contacts.add(created);
}

/**
 * Writes one chunk of checked records in the caller's unit of work: their contacts, then the reviews through the unit
 * of work's batch insert (summary deltas; `created` events only when the import asks for them).
 */
async function writeChunk(
  w: ReviewWrite,
  chunk: readonly Checked[],
  nowDate: Date,
  events: readonly EventSpec[],
  lookup: ContactLookup,
): Promise<void> {
  const now = iso(nowDate);
  const records = chunk.map((c) => c.record);
  await namedContacts(w.db, w.siteId, records, now, lookup);
  const contacts = await contactsFor(w.db, w.siteId, records, now, lookup);
  await w.append(
    chunk.map(({ record: r, id }) => ({
      row: reviewRow(
        w.siteId,
        id,
        r,
        r.contactId ?? (r.authorEmail ? (contacts.get(normalizeEmail(r.authorEmail)) ?? null) : null),
        now,
      ),
      events,
    })),
  );
}

/**
 * One unit of work of the import. Run once, never retried: its checks keep the run's bookkeeping (counts, slots
 * seen), so a replay would count rows twice; a conflict fails the import, and running the file again is safe.
 */
const importWrite = <T>(deps: DbDeps, siteId: string, work: (w: ReviewWrite) => Promise<T>): Promise<T> =>
  runReviewWrite(deps, { siteId, identity: UNKNOWN_IDENTITY, attempts: 1 }, work);

/**
 * Imports `rows` in one pass. Returns the reconciliation report; row errors go to `onError` as they are found and
 * never stop the import.
 */
export async function importReviews(
  deps: DbDeps & Partial<Pick<Db, 'optimize' | 'bulkWrite'>>,
  rows: AsyncIterable<ImportRow>,
  opts: ImportOptions,
): Promise<ImportReport> {
  const nowDate = deps.clock();
  const checker = new Checker(opts.siteId, opts.format, iso(nowDate), opts.onError);
  const rebuild = !opts.dryRun && (await shouldRebuild(deps, opts));
  const events: EventSpec[] = opts.events ? [{ slug: 'created' }] : [];
  let written = 0;
  const progress = (phase: ImportProgress['phase']) => opts.onProgress?.({ phase, rows: checker.rowsRead });

  if (opts.dryRun) {
    for await (const chunk of chunksOf(rows, checker)) {
      await checker.check(deps.db, chunk, true);
      progress('checking');
    }
  } else if (rebuild) {
    const bulk = deps.bulkWrite ?? (<T>(work: () => Promise<T>) => work());
    await bulk(() =>
      importWrite(deps, opts.siteId, async (w) => {
        // The slot lookups need the indexes about to be dropped: every live slot of the site is read first.
        checker.holdSlots(await importRepo.allLiveSlots(w.db, opts.siteId));
        const saved = await importRepo.dropReviewIndexes(w.db, deps.dialect);
        // After the drop: on PostgreSQL it holds the table's exclusive lock, so no other writer adds a review now.
        if (!(await importRepo.siteHasReviews(w.db, opts.siteId))) checker.answerFromRun();
        await checker.readContacts(w.db);
        for await (const chunk of chunksOf(rows, checker, deps.dialect === 'sqlite' ? SQLITE_REBUILD_CHUNK : CHUNK)) {
          const fresh = await checker.check(w.db, chunk, false);
          await writeChunk(w, fresh, nowDate, events, checker.contacts);
          written += fresh.length;
          progress('writing');
        }
        progress('indexing');
        try {
          await importRepo.restoreReviewIndexes(w.db, deps.dialect, saved);
        } catch (err) {
          if (!isUniqueViolation(err)) throw err;
          // The checks keep one review per author and entity, by contact id or by email; a file that names one
          // author both ways can still hold two. The transaction rolls back: nothing is imported.
          throw new Error(
            "two rows of the file are one author's reviews of one entity (named once by contact id, once by email); nothing was imported. Run again with --keep-indexes to have those rows reported by line",
            { cause: err },
          );
        }
      }),
    );
  } else {
    for await (const chunk of chunksOf(rows, checker)) {
      let fresh: Checked[] = [];
      try {
        await importWrite(deps, opts.siteId, async (w) => {
          fresh = await checker.check(w.db, chunk, true);
          await writeChunk(w, fresh, nowDate, events, checker.contacts);
        });
        written += fresh.length;
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
        // PostgreSQL: a writer beside the import took an author's slot after the check. Row by row, so only the
        // rows that collide fail.
        for (const one of fresh) {
          try {
            await importWrite(deps, opts.siteId, (w) => writeChunk(w, [one], nowDate, events, checker.contacts));
            written++;
          } catch (e) {
            if (!isUniqueViolation(e)) throw e;
            checker.valid--;
            checker.fail(conflict(one.record, 'was taken by a review written while the import ran'));
          }
        }
      }
      progress('writing');
    }
  }
  if (written > 0) await deps.optimize?.();
  return report(deps, opts, checker, rebuild, written);
}

/**
 * Rebuilding sorts every row of the table, existing and new; maintaining costs a random write per new row per
 * index, several times as much per row (docs/performance.md): rebuild unless the table is far larger than the file.
 */
async function shouldRebuild(deps: DbDeps, opts: ImportOptions): Promise<boolean> {
  if (opts.rebuildIndexes !== undefined && opts.rebuildIndexes !== 'auto') return opts.rebuildIndexes;
  const existing = await importRepo.reviewCount(deps.db);
  return existing <= 4 * Math.max(opts.expectedRows ?? 0, 2_500);
}

async function report(
  deps: DbDeps,
  opts: ImportOptions,
  checker: Checker,
  rebuilt: boolean,
  written: number,
): Promise<ImportReport> {
  const stats = [...checker.fileStats.values()];
  const summaries = opts.dryRun ? new Map() : await importRepo.summaries(deps.db, opts.siteId, stats);
  const mismatches: EntityCheck[] = [];
  let matching = 0;
  for (const s of stats) {
    const v = summaries.get(`${s.namespace}\u0000${s.entityId}`) ?? { count: 0, sum: 0 };
    const check: EntityCheck = {
      namespace: s.namespace,
      entityId: s.entityId,
      file: { count: s.count, average: round2(s.sum / s.count) },
      verdict: { count: v.count, average: v.count ? round2(v.sum / v.count) : 0 },
    };
    if (check.file.count === check.verdict.count && check.file.average === check.verdict.average) matching++;
    else if (mismatches.length < 100) mismatches.push(check);
  }
  return {
    dryRun: opts.dryRun === true,
    rowsRead: checker.rowsRead,
    created: opts.dryRun ? checker.valid : written,
    skipped: checker.skipped,
    failed: checker.failed,
    errors: checker.errors,
    entities: stats.length,
    matching: opts.dryRun ? 0 : matching,
    mismatches: opts.dryRun ? [] : mismatches,
    indexesRebuilt: rebuilt,
  };
}

const round2 = (n: number) => Math.round(n * 100) / 100;
