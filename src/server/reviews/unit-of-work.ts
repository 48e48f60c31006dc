/**
 * The review unit of work: the one path by which any review is created, changed or removed — create, bulk create,
 * edits, replies, moderation (by hand, by a bulk job, by the report threshold and by the rules), delete, restore,
 * purge, votes, reports, GDPR erasure and import. A writer states what changes; the unit of work locks the rows,
 * derives everything that follows from the change, writes it all in one transaction, retries that transaction on
 * a write conflict, and runs after-commit callbacks once it has committed.
 *
 * A review's count of open abuse reports (`open_reports`) is written by the writer that changes the reports (report,
 * dismissal, erasure), as a patch of a change to the review it has locked, in the same unit of work.
 *
 * What it derives, so no writer computes it on its own: the summary deltas of every entity a change touches, the
 * relevance score (`score()`), the revision and the per-review event sequence, the outbox events (appended in the
 * transaction with `outboxRepo.append`) and the moderation audit entries.
 *
 * Lock order — the same for every writer, so two writers never wait on each other in a cycle:
 *   1. review rows, by id (`lock`, one sorted statement; PostgreSQL `FOR UPDATE`, SQLite's `BEGIN IMMEDIATE`
 *      already excludes every other writer). Rows a writer inserts are new and lock nothing anyone else holds.
 *   2. rows that belong to a locked review (its votes and reports), only once the review is locked;
 *   3. entity summaries, once, just before commit, in (namespace, entityId) order (`applySummaryDeltas`);
 *   4. append-only rows (outbox events, audit entries), which no other writer waits for.
 * A writer that finds it needs a review it did not lock (an erasure racing a new vote) does not lock it out of
 * order: it calls `retry()` and the whole transaction runs again, with the full set locked up front.
 *
 * New reviews written on their own (`insertReviews`: a create, a bulk create's batch) need nothing read back between
 * their statements, so they take a shorter path with the same effects: on PostgreSQL one statement in its own
 * implicit transaction (docs/adr/0016-one-statement-create-on-postgresql.md), on SQLite shared multi-row inserts with
 * the other inserts of their group commit.
 *
 * Conflicts are retried here and nowhere else: PostgreSQL serialization failures (40001) and deadlocks (40P01),
 * and SQLite's BUSY_SNAPSHOT (a snapshot that went stale before its write). A plain SQLITE_BUSY or a PostgreSQL lock
 * timeout (55P03) is not retried: it means another writer held the lock for the whole configured timeout, and
 * waiting that long again would multiply the wait the operator chose; it answers 503 as before.
 */
import { sql } from 'kysely';
import type { EventIdentity, Media, Review, ReviewDomainEvent } from '../../contract/index.ts';
import { announceEntities, entityPayload } from '../db/change-signal.ts';
import type { Executor } from '../db/executor.ts';
import type { ModerationAuditRow, ReviewRow, ReviewRowPatch } from '../db/schema.ts';
import { inSavepoint } from '../db/writer-thread.ts';
import { type DbDeps, iso } from '../deps.ts';
import { type AuditDecision, appendAudit, auditRow } from '../moderation/moderation.service.ts';
import { buildEvents, type EventSpec } from '../outbox/outbox.events.ts';
import { outboxRepo, outboxRows } from '../outbox/outbox.repo.ts';
import { modifiedFields } from '../outbox/outbox.rules.ts';
import { SUMMARY_UPSERT_SQL, summaryRow } from '../summaries/summaries.repo.ts';
import { contribution, mergeDeltas, type SummaryDelta, summaryDeltas } from '../summaries/summaries.rules.ts';
import { applySummaryDeltas, orderedDeltas } from '../summaries/summaries.service.ts';
import { insertStatement } from './insert-statement.ts';
import { toReview } from './reviews.mapper.ts';
import { reviewsRepo } from './reviews.repo.ts';
import { score } from './reviews.rules.ts';

/** What happened in a committed review write, for after-commit hooks (cache invalidation, waking feed readers). */
export interface CommittedWrite {
  siteId: string;
  /** Reviews inserted, changed or removed. */
  reviewIds: readonly string[];
  /**
   * The entities (entity ids, in any namespace) whose reviews were inserted, changed, moved or removed: the cached
   * public pages of exactly these are stale (page-cache/).
   */
  entityIds: readonly string[];
  /** Outbox events appended. */
  events: number;
}

/**
 * Reactions to committed writes, wired once in the composition root. Each hook runs after every committed review
 * write, in order; it must not throw (the write has committed and its caller gets its answer whatever a hook does),
 * and an error one throws anyway goes to `onError`.
 */
export interface WriteHooks {
  /**
   * What this process's announcements of changed entities carry (db/change-signal.ts `origin`), so its own
   * listener skips the writes these hooks have already applied.
   */
  readonly origin?: string;
  readonly afterCommit: readonly ((write: CommittedWrite) => void)[];
  onError(err: unknown): void;
}

/** What the unit of work needs: the database, the clock and, in a server, the after-commit hooks. */
export interface WriteDeps extends DbDeps {
  writeHooks?: WriteHooks;
}

/**
 * One change to a review: the columns to write, whether it is an edit (revision + 1), the events it emits and the
 * moderation decision to audit, if it is one. Revision, event sequence and relevance are derived, never given.
 */
export interface ReviewChange {
  patch: ReviewRowPatch;
  bumpRevision: boolean;
  events: EventSpec[];
  audit?: AuditDecision;
}

/**
 * A review to insert: its row (revision 1; `event_sequence` and `relevance_rank` are derived), the events its
 * creation emits (none for an import without events) and the moderation decision to audit, if any.
 */
export interface NewReview {
  row: ReviewRow;
  events: readonly EventSpec[];
  audit?: AuditDecision;
}

/** The transaction of one unit of work, as a writer sees it. */
export interface ReviewWrite {
  /** The transaction, for the writer's own module's repository (votes, reports, contacts of an import). */
  readonly db: Executor;
  readonly siteId: string;
  /** The time of this attempt: every timestamp the write stores. */
  readonly now: string;
  readonly nowDate: Date;
  /** Locks reviews of the site (see the lock order) and returns those in `state`, by id. */
  lock(ids: readonly string[], state?: 'live' | 'deleted' | 'any'): Promise<Map<string, ReviewRow>>;
  /** Inserts new reviews with their summary deltas, creation events and audit entries. */
  insert(items: readonly NewReview[]): Promise<Review[]>;
  /**
   * Inserts reviews this write will not lock or change again (an import): the same rows, relevance, events and
   * summary changes as `insert`, but nothing is kept of the rows and nothing returned, so a write of a million rows
   * holds their ids and one summary delta per entity, not the rows. On PostgreSQL a chunk is one statement over
   * column arrays.
   */
  append(items: readonly NewReview[]): Promise<void>;
  /** Applies one change to a locked review; returns the review as it now is. */
  change(row: ReviewRow, change: ReviewChange): Promise<Review>;
  /** Applies changes to several locked reviews with one statement per kind of change; results in the same order. */
  changeMany(items: readonly { row: ReviewRow; change: ReviewChange }[]): Promise<Review[]>;
  /**
   * Hard-deletes locked reviews, taking what the live ones counted off their summaries. With `erasure`, each gets
   * a last `deleted` event flagged `triggeredByAnonymizeRequest` carrying the review as `redact` leaves it, and the
   * search index forgets their words at once. The caller deletes its own module's rows about them (votes, reports).
   */
  purge(rows: readonly ReviewRow[], opts?: { erasure?: { redact: (review: Review) => Review } }): Promise<void>;
  /** Runs `fn` after this write commits (never if it rolls back or is retried). */
  afterCommit(fn: () => void): void;
  /** Abandons this attempt and runs the whole write again (the writer found it needs rows it did not lock). */
  retry(): never;
}

/** How a write runs: the site, who acts (the identity its events carry) and how many attempts it may take. */
export interface WriteOptions {
  siteId: string;
  identity: EventIdentity;
  /**
   * Attempts before a conflict reaches the caller (default 5). 1 for work that cannot be run twice, such as an
   * import that consumes its input as it writes.
   */
  attempts?: number;
}

const DEFAULT_ATTEMPTS = 5;
/** Reviews per insert statement: 30 columns each, far below either driver's bound-parameter limit. */
const INSERT_CHUNK = 100;

/** Rows per PostgreSQL insert over column arrays (one parameter per column, whatever the row count). */
const APPEND_CHUNK = 1000;
/** Summary deltas `append` collects before merging them per entity. */
const MERGE_AT = 20_000;

/** Thrown by `retry()`: caught by `runReviewWrite`, never seen by a caller unless the attempts run out. */
class RetryWrite extends Error {
  constructor() {
    super('the write needs rows it did not lock; running it again');
  }
}

/** Driver errors that mean "this transaction lost a race; running it again will do". */
function isConflict(err: unknown): boolean {
  if (err instanceof RetryWrite) return true;
  if (typeof err !== 'object' || err === null) return false;
  const code = (err as { code?: unknown }).code;
  return code === '40001' || code === '40P01' || code === 'SQLITE_BUSY_SNAPSHOT';
}

/**
 * Runs `work` as one unit of work in its own transaction, retrying it on a conflict, then runs the write's
 * after-commit callbacks and the wired hooks. Whatever `work` throws otherwise rolls the transaction back and
 * reaches the caller unchanged (a unique violation, an AppError).
 *
 * On SQLite, writes that arrive while another is running share the next transaction (group commit, see
 * `GroupCommit`): each runs in its own savepoint, so one that fails rolls back only itself, and none is answered
 * before the shared commit.
 */
export async function runReviewWrite<T>(
  deps: WriteDeps,
  opts: WriteOptions,
  work: (w: ReviewWrite) => Promise<T>,
): Promise<T> {
  if (deps.dialect === 'sqlite' && !deps.db.isTransaction) return groupCommitOf(deps.db).run(deps, opts, work);
  return retryingConflicts(opts, async () => {
    let write: Write | undefined;
    const result = await deps.db.transaction().execute(async (trx) => {
      write = new Write(trx, deps, opts);
      const value = await work(write);
      await write.finish();
      return value;
    });
    if (write) afterCommit(deps, write);
    return result;
  });
}

/** Runs `attempt` again after a conflict (`isConflict`), up to the write's attempts; any other error goes through. */
async function retryingConflicts<T>(opts: WriteOptions, attempt: () => Promise<T>): Promise<T> {
  const attempts = opts.attempts ?? DEFAULT_ATTEMPTS;
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (err) {
      if (!isConflict(err) || n >= attempts) throw err;
      // A short random pause, so two writers that collided do not collide again in step.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * n));
    }
  }
}

/**
 * Inserts new reviews as one unit of work: the same rows, events, audit entries, summary changes, announcement and
 * hooks as `runReviewWrite` with `w.insert(items)`. On PostgreSQL, outside a transaction, it is written by one
 * statement in its own implicit transaction (`insert-statement.ts`), shared with the inserts that queue beside it
 * (`InsertBatches`): a create needs nothing read back between its inserts. On SQLite it joins the group commit.
 */
export async function insertReviews(
  deps: WriteDeps,
  opts: WriteOptions,
  items: readonly NewReview[],
): Promise<Review[]> {
  if (items.length === 0) return [];
  if (deps.dialect === 'sqlite' && !deps.db.isTransaction) return groupCommitOf(deps.db).insert(deps, opts, items);
  if (deps.dialect !== 'postgres' || deps.db.isTransaction || items.length > INSERT_CHUNK) {
    return runReviewWrite(deps, opts, (w) => w.insert(items));
  }
  return insertBatchesOf(deps.db).insert(deps, opts, items);
}

/** An insert of new reviews on PostgreSQL waiting for (or written by) a batch statement. */
interface PendingInsert {
  deps: WriteDeps;
  opts: WriteOptions;
  items: readonly NewReview[];
  resolve(reviews: Review[]): void;
  reject(err: unknown): void;
}

/** Batch statements of one PostgreSQL handle that may run at once; inserts queue while they do. */
const BATCHES_IN_FLIGHT = 2;

/**
 * Batches of concurrent inserts on PostgreSQL (docs/adr/0016-one-statement-create-on-postgresql.md, amendment).
 * Inserts of one site that queue together are written by one statement (`insert-statement.ts`): their rows, events
 * and audit entries in the order they arrived, their summary changes merged per entity, one announcement. Each
 * statement is its own implicit transaction, so a batch shares one commit, one WAL flush and one `NOTIFY`, which
 * PostgreSQL serializes across all notifying transactions up to the end of their commit. At most
 * `BATCHES_IN_FLIGHT` batches run at once; inserts that arrive meanwhile wait for the next, gathered as the SQLite
 * group commit gathers its writers (`gather`). A batch that fails on a row's data (`isRowError`) is split in
 * halves, each written the same way, so only the insert that fails gets the error; a conflict (deadlock,
 * serialization failure) runs the same statement again; any other failure is every insert's answer.
 */
class InsertBatches {
  readonly #queue: PendingInsert[] = [];
  #inFlight = 0;
  #scheduled = false;
  /** How many inserts the last batch held: how many concurrent writers there are, as far as this process knows. */
  #lastBatch = 0;

  insert(deps: WriteDeps, opts: WriteOptions, items: readonly NewReview[]): Promise<Review[]> {
    return new Promise<Review[]>((resolve, reject) => {
      this.#queue.push({ deps, opts, items, resolve, reject });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#scheduled || this.#inFlight >= BATCHES_IN_FLIGHT || this.#queue.length === 0) return;
    // Inserts whose requests were read in this turn of the event loop join the batch.
    this.#scheduled = true;
    gather(
      () => this.#queue.length,
      this.#lastBatch,
      () => this.#start(),
    );
  }

  #start(): void {
    this.#scheduled = false;
    while (this.#queue.length > 0 && this.#inFlight < BATCHES_IN_FLIGHT) {
      const batch = this.#take();
      this.#lastBatch = batch.length;
      this.#inFlight++;
      void this.#write(batch).finally(() => {
        this.#inFlight--;
        this.#schedule();
      });
    }
  }

  /** The first queued insert and those of the same site and origin after it, up to `INSERT_CHUNK` reviews. */
  #take(): PendingInsert[] {
    const first = this.#queue[0] as PendingInsert;
    const origin = first.deps.writeHooks?.origin;
    const batch: PendingInsert[] = [];
    let reviews = 0;
    for (let i = 0; i < this.#queue.length; ) {
      const p = this.#queue[i] as PendingInsert;
      const fits = reviews + p.items.length <= INSERT_CHUNK || batch.length === 0;
      if (fits && p.opts.siteId === first.opts.siteId && p.deps.writeHooks?.origin === origin) {
        batch.push(p);
        reviews += p.items.length;
        this.#queue.splice(i, 1);
      } else {
        i++;
      }
    }
    return batch;
  }

  /** Writes a batch and settles each of its inserts; never rejects. */
  async #write(batch: readonly PendingInsert[]): Promise<void> {
    const first = batch[0] as PendingInsert;
    let written: ReturnType<typeof batchStatement>;
    try {
      written = batchStatement(batch);
      if (written.statement) {
        const attempts = Math.min(...batch.map((p) => p.opts.attempts ?? DEFAULT_ATTEMPTS));
        const statement = written.statement;
        // A statement that fails wrote nothing (its implicit transaction rolled back): it can be sent again.
        await retryingConflicts({ ...first.opts, attempts }, () => first.deps.db.executeQuery(statement));
      }
    } catch (err) {
      if (batch.length > 1 && isRowError(err)) {
        const half = Math.ceil(batch.length / 2);
        await this.#write(batch.slice(0, half));
        await this.#write(batch.slice(half));
      } else {
        for (const p of batch) p.reject(err);
      }
      return;
    }
    if (!written.statement) {
      // A row lacks one of its table's columns: each insert takes the transactional path on its own.
      for (const p of batch) {
        await runReviewWrite(p.deps, p.opts, (w) => w.insert(p.items)).then(p.resolve, p.reject);
      }
      return;
    }
    for (const { p, rows, reviews, events } of written.prepared) {
      runHooks(p.deps, [], insertedWrite(p.opts.siteId, rows, events.length));
      p.resolve(reviews);
    }
  }
}

/**
 * The statement of a batch (undefined when a row lacks a column of its table) and what each insert writes. The
 * batch's inserts share a site and an origin (`InsertBatches`).
 */
function batchStatement(batch: readonly PendingInsert[]) {
  const first = batch[0] as PendingInsert;
  const siteId = first.opts.siteId;
  const prepared = batch.map((p) => {
    const nowDate = p.deps.clock();
    const now = iso(nowDate);
    return { p, now, ...prepareNew(siteId, p.items, nowDate, now) };
  });
  // The summaries carry the time of the last insert, the value the inserts one by one would leave.
  let at = '';
  for (const x of prepared) if (x.now > at) at = x.now;
  const entityIds = [...new Set(prepared.flatMap((x) => x.rows.map((r) => r.entity_id)))];
  const statement = insertStatement(
    [
      { table: 'reviews', rows: prepared.flatMap((x) => x.rows) },
      {
        table: 'outbox_events',
        rows: prepared.flatMap((x) => outboxRows(siteId, x.events, JSON.stringify(x.p.opts.identity))),
      },
      { table: 'moderation_audit', rows: prepared.flatMap((x) => x.audit) },
      {
        table: 'entity_summaries',
        rows: orderedDeltas(prepared.flatMap((x) => x.deltas)).map((d) => summaryRow(siteId, d, at)),
        suffix: SUMMARY_UPSERT_SQL,
      },
    ],
    entityPayload(siteId, entityIds, first.deps.writeHooks?.origin),
  );
  return { statement, prepared };
}

/**
 * PostgreSQL errors caused by the data of a row (SQLSTATE classes 22, data exception, and 23, integrity constraint
 * violation: a second live review of one author, say): splitting the batch finds the insert they belong to. Anything
 * else (connection, timeout, resources) would fail every half alike, and is answered to the whole batch.
 */
function isRowError(err: unknown): boolean {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
}

/** One insert batcher per database handle. */
const insertBatchesOf = perHandle(() => new InsertBatches());

/** Writes per shared SQLite transaction at most; the rest wait for the next one. */
const GROUP_MAX = 64;
/**
 * How a group waits for writes still on their way (see `gather`): for at most `ns` nanoseconds, and only while fewer
 * writes have queued than the last group held, or than `writers`. It adds at most `ns` to a write's latency, and only
 * when the last group shows concurrent writers; `writers` keeps a large group (c=100) from waiting for a crowd that
 * is already queuing. Measured in docs/performance.md (Round 5, "Group commit gathers its writers"). Tests widen
 * `ns` so the event loop of a loaded machine cannot outlast it.
 */
export const groupGathering = { ns: 300_000n, writers: 16 };

/**
 * Calls `start` on a later turn of the event loop: the next one, or, while fewer writes have queued than the last
 * group held (`queued()` against `lastGroup`, at most `groupGathering.writers`), one more turn (which reads the
 * sockets again), for at most `groupGathering.ns`. Concurrent writers answered together come back together, but
 * their next requests arrive over a few hundred microseconds; without the wait a group took the one or two that were
 * there, and paid a commit for each few. A lone writer (last group of one) never waits.
 */
function gather(queued: () => number, lastGroup: number, start: () => void): void {
  const since = process.hrtime.bigint();
  const wanted = Math.min(lastGroup, groupGathering.writers);
  const check = () => {
    if (queued() < wanted && process.hrtime.bigint() - since < groupGathering.ns) setImmediate(check);
    else start();
  };
  setImmediate(check);
}

/** A review write waiting for (or running in) a shared SQLite transaction. */
interface Queued {
  deps: WriteDeps;
  opts: WriteOptions;
  work: (w: ReviewWrite) => Promise<unknown>;
  /** Set for an insert of new reviews (`insertReviews`): written with the inserts queued next to it. */
  inserts?: readonly NewReview[];
  attempt: number;
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

/** A write of a group that succeeded: its value, and the hooks to run once the group has committed. */
interface Done {
  item: Queued;
  value: unknown;
  hooks(): void;
}

/** What a group's writes came to: succeeded, failed on their own, or to run again in the next transaction. */
interface Outcome {
  committed: Done[];
  failed: { item: Queued; err: unknown }[];
  again: Queued[];
}

/**
 * Group commit on SQLite. SQLite has one writer at a time, and most of a small write's cost is its commit: the
 * pages of every B-tree it touched appended to the WAL (and later checkpointed), about 34 per create. Writes that
 * arrive while a transaction is running queue up; when it has committed, the queued writes (up to `GROUP_MAX`) run
 * one after another in one transaction, each inside its own savepoint:
 * - a write that throws is rolled back to its savepoint, alone; a conflict (`retry()`) runs again in the next
 *   transaction, up to its attempts;
 * - nobody is answered before the shared commit: results, errors, after-commit callbacks and hooks are settled
 *   only once the transaction has committed (or, for everyone in it, failed to);
 * - events get their positions in the order the writes ran, which is the order they arrived;
 * - inserts of new reviews next to each other in the queue share their statements (`insertTogether`).
 * A write that arrives when nothing runs starts a transaction on the next turn of the event loop (`setImmediate`),
 * after the requests already received; when the last group showed concurrent writers, it waits a few more turns,
 * at most `groupGathering.ns`, for as many of them to queue.
 */
class GroupCommit {
  readonly #queue: Queued[] = [];
  #running = false;
  /** How many writes the last group held: how many concurrent writers there are, as far as this process knows. */
  #lastGroup = 0;

  constructor(private readonly db: WriteDeps['db']) {}

  run<T>(deps: WriteDeps, opts: WriteOptions, work: (w: ReviewWrite) => Promise<T>): Promise<T> {
    return this.#enqueue<T>({ deps, opts, work });
  }

  /** Queues an insert of new reviews, which shares its statements with the inserts next to it in the group. */
  insert(deps: WriteDeps, opts: WriteOptions, items: readonly NewReview[]): Promise<Review[]> {
    return this.#enqueue<Review[]>({ deps, opts, work: (w) => w.insert(items), inserts: items });
  }

  #enqueue<T>(write: Pick<Queued, 'deps' | 'opts' | 'work' | 'inserts'>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({
        ...write,
        attempt: 1,
        resolve: resolve as (value: unknown) => void,
        reject,
      });
      if (!this.#running) {
        // better-sqlite3 runs every statement synchronously, so a whole transaction runs without yielding to I/O:
        // writes can only join one if it starts on the next turn of the event loop, after the requests that have
        // already arrived have been read and have reached this point.
        this.#running = true;
        gather(
          () => this.#queue.length,
          this.#lastGroup,
          () => void this.#drain(),
        );
      }
    });
  }

  async #drain(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        const group = this.#queue.splice(0, GROUP_MAX);
        this.#lastGroup = group.length;
        await this.#runGroup(group);
      }
    } finally {
      this.#running = false;
    }
  }

  async #runGroup(group: Queued[]): Promise<void> {
    const outcome: Outcome = { committed: [], failed: [], again: [] };
    const { committed, failed, again } = outcome;
    try {
      await this.db.transaction().execute(async (trx) => {
        for (let i = 0; i < group.length; ) {
          // Inserts queued next to each other are written together; any other write runs on its own.
          let end = i + 1;
          while (group[i]?.inserts && group[end]?.inserts) end++;
          const run = group.slice(i, end);
          if (run[0]?.inserts) await insertTogether(trx, run, outcome);
          else if (run[0]) await runAlone(trx, run[0], outcome);
          i = end;
        }
      });
    } catch (err) {
      // Nothing of the group was committed: every write in it fails with what failed the transaction, except
      // those that had already failed on their own.
      const own = new Map(failed.map((f) => [f.item, f.err]));
      for (const item of group) item.reject(own.get(item) ?? err);
      return;
    }
    for (const { item, value, hooks } of committed) {
      hooks();
      item.resolve(value);
    }
    for (const { item, err } of failed) item.reject(err);
    // Retried writes go first in the next transaction.
    this.#queue.unshift(...again);
  }
}

/** Runs one write of a group in its own savepoint: if it throws, it alone is undone. */
async function runAlone(trx: Executor, item: Queued, outcome: Outcome): Promise<void> {
  await sql`savepoint review_write`.execute(trx);
  const write = new Write(trx, item.deps, item.opts);
  try {
    const value = await item.work(write);
    await write.finish();
    await sql`release review_write`.execute(trx);
    outcome.committed.push({ item, value, hooks: () => afterCommit(item.deps, write) });
  } catch (err) {
    // Undo this write only; an error here (the transaction itself is gone) fails the whole group.
    await sql`rollback to review_write`.execute(trx);
    await sql`release review_write`.execute(trx);
    settleFailure(item, err, outcome);
  }
}

function settleFailure(item: Queued, err: unknown, outcome: Outcome): void {
  if (isConflict(err) && item.attempt < (item.opts.attempts ?? DEFAULT_ATTEMPTS)) {
    item.attempt++;
    outcome.again.push(item);
  } else {
    outcome.failed.push({ item, err });
  }
}

/**
 * Writes a run of queued inserts with one multi-row statement per table (reviews, outbox events, audit entries) and
 * one summary upsert per site, in one savepoint: the rows and events in the order the inserts arrived, so events
 * keep their positions in that order. If a statement fails (one author already holds the slot, say), the run is
 * undone and split in halves, each written the same way, down to the insert that fails, which runs again on its own
 * to get its error.
 */
async function insertTogether(trx: Executor, run: readonly Queued[], outcome: Outcome): Promise<void> {
  const prepared = run.map((item) => {
    const nowDate = item.deps.clock();
    const now = iso(nowDate);
    return { item, now, ...prepareNew(item.opts.siteId, item.inserts ?? [], nowDate, now) };
  });
  try {
    // On the SQLite writer thread, one message for all of the run's statements.
    await inSavepoint(trx, (t) => writeNew(t, prepared));
  } catch {
    // A single insert that fails runs again on its own, which answers its own error (the slot's holder, say).
    if (run.length === 1) return runAlone(trx, run[0] as Queued, outcome);
    const half = Math.ceil(run.length / 2);
    await insertTogether(trx, run.slice(0, half), outcome);
    await insertTogether(trx, run.slice(half), outcome);
    return;
  }
  for (const { item, rows, reviews, events } of prepared) {
    const committed = insertedWrite(item.opts.siteId, rows, events.length);
    outcome.committed.push({ item, value: reviews, hooks: () => runHooks(item.deps, [], committed) });
  }
}

/** The statements of `insertTogether`: the rows of every insert, table by table, then the summaries per site. */
async function writeNew(
  trx: Executor,
  prepared: readonly (PreparedNew & { item: Queued; now: string })[],
): Promise<void> {
  await insertReviewRows(
    trx,
    prepared.flatMap((p) => p.rows),
  );
  const outbox = prepared.flatMap((p) =>
    outboxRows(p.item.opts.siteId, p.events, JSON.stringify(p.item.opts.identity)),
  );
  await outboxRepo.appendRows(trx, outbox);
  const audit = prepared.flatMap((p) => p.audit);
  if (audit.length > 0) await appendAudit(trx, audit);
  // One upsert per site, with the time of its last insert (the value the writes one by one would leave).
  const bySite = new Map<string, { deltas: SummaryDelta[]; at: string }>();
  for (const p of prepared) {
    const site = bySite.get(p.item.opts.siteId);
    if (site) {
      site.deltas.push(...p.deltas);
      if (p.now > site.at) site.at = p.now;
    } else {
      bySite.set(p.item.opts.siteId, { deltas: [...p.deltas], at: p.now });
    }
  }
  for (const [siteId, { deltas, at }] of bySite) await applySummaryDeltas(trx, siteId, deltas, at);
}

/** One group committer per database handle. */
const groupCommitOf = perHandle((db) => new GroupCommit(db));

/** A getter of one `T` per database handle, made on first use (tests open several handles in one process). */
function perHandle<T>(make: (db: WriteDeps['db']) => T): (db: WriteDeps['db']) => T {
  const made = new WeakMap<WriteDeps['db'], T>();
  return (db) => {
    let value = made.get(db);
    if (value === undefined) {
      value = make(db);
      made.set(db, value);
    }
    return value;
  };
}

/** What inserting these rows of a site committed, as the hooks are told. */
function insertedWrite(siteId: string, rows: readonly ReviewRow[], events: number): CommittedWrite {
  return {
    siteId,
    reviewIds: rows.map((r) => r.id),
    entityIds: [...new Set(rows.map((r) => r.entity_id))],
    events,
  };
}

function afterCommit(deps: WriteDeps, write: Write): void {
  runHooks(deps, write.callbacks, {
    siteId: write.siteId,
    reviewIds: [...write.touched],
    entityIds: [...write.entities],
    events: write.eventCount,
  });
}

/** Runs a committed write's own callbacks, then the wired hooks (unless it changed nothing). */
function runHooks(deps: WriteDeps, callbacks: readonly (() => void)[], committed: CommittedWrite): void {
  const report =
    deps.writeHooks?.onError ?? ((err: unknown) => process.emitWarning(`after-commit callback failed: ${String(err)}`));
  for (const fn of callbacks) {
    try {
      fn();
    } catch (err) {
      report(err);
    }
  }
  if (committed.reviewIds.length === 0 && committed.events === 0) return;
  for (const hook of deps.writeHooks?.afterCommit ?? []) {
    try {
      hook(committed);
    } catch (err) {
      report(err);
    }
  }
}

const media = (row: ReviewRow): Media[] => JSON.parse(row.media_json) as Media[];

/** Inserts review rows, `INSERT_CHUNK` per statement. */
async function insertReviewRows(db: Executor, rows: readonly ReviewRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
    await reviewsRepo.insertBatch(db, rows.slice(i, i + INSERT_CHUNK));
  }
}

/** What inserting new reviews writes: their rows, the reviews as answered, events, audit entries, summary deltas. */
interface PreparedNew {
  rows: ReviewRow[];
  reviews: Review[];
  events: ReviewDomainEvent[];
  audit: ModerationAuditRow[];
  deltas: SummaryDelta[];
}

/** Derives what new reviews write (event sequence, relevance, events, audit, deltas), whichever path writes it. */
function prepareNew(siteId: string, items: readonly NewReview[], nowDate: Date, now: string): PreparedNew {
  const rows = items.map((item) => {
    const row: ReviewRow = { ...item.row, event_sequence: item.events.length };
    row.relevance_rank = score(row, nowDate, media(row));
    return row;
  });
  const reviews = rows.map((row) => toReview(row, nowDate));
  return {
    rows,
    reviews,
    events: reviews.flatMap((review, i) => buildEvents(review, items[i]?.events ?? [], 1, now)),
    audit: items.flatMap((item, i) => (item.audit ? [auditRow(siteId, rows[i]?.id ?? '', item.audit, now)] : [])),
    deltas: rows.flatMap((row) => summaryDeltas(null, contribution(row))),
  };
}

class Write implements ReviewWrite {
  readonly siteId: string;
  readonly nowDate: Date;
  readonly now: string;
  readonly callbacks: (() => void)[] = [];
  readonly touched = new Set<string>();
  /** The entities of the touched reviews, before and after each change (an edit may move a review). */
  readonly entities = new Set<string>();
  eventCount = 0;
  /** The current state of every review this write locked or inserted, by id. */
  readonly #rows = new Map<string, ReviewRow>();
  /** Summary deltas, written once before commit (lock order step 3). */
  #deltas: SummaryDelta[] = [];

  constructor(
    readonly db: Executor,
    private readonly deps: WriteDeps,
    private readonly opts: WriteOptions,
  ) {
    this.siteId = opts.siteId;
    this.nowDate = deps.clock();
    this.now = iso(this.nowDate);
  }

  async lock(ids: readonly string[], state: 'live' | 'deleted' | 'any' = 'live'): Promise<Map<string, ReviewRow>> {
    const rows = await reviewsRepo.lock(this.db, this.deps.dialect, this.siteId, ids, state);
    const out = new Map<string, ReviewRow>();
    for (const row of rows) {
      // A row this write already changed is returned as it now is, not as the database had it before.
      const current = this.#rows.get(row.id) ?? row;
      this.#rows.set(row.id, current);
      out.set(row.id, current);
    }
    return out;
  }

  async insert(items: readonly NewReview[]): Promise<Review[]> {
    if (items.length === 0) return [];
    const { rows, reviews, events, audit, deltas } = prepareNew(this.siteId, items, this.nowDate, this.now);
    await insertReviewRows(this.db, rows);
    for (const row of rows) {
      this.#rows.set(row.id, row);
      this.touched.add(row.id);
      this.entities.add(row.entity_id);
    }
    this.#deltas.push(...deltas);
    await this.#append(events, audit);
    return reviews;
  }

  async append(items: readonly NewReview[]): Promise<void> {
    if (items.length === 0) return;
    const rows = items.map((item) => {
      const row: ReviewRow = { ...item.row, event_sequence: item.events.length };
      row.relevance_rank = score(row, this.nowDate, media(row));
      return row;
    });
    if (this.deps.dialect === 'postgres') {
      for (let i = 0; i < rows.length; i += APPEND_CHUNK) {
        await reviewsRepo.insertArrays(this.db, rows.slice(i, i + APPEND_CHUNK));
      }
    } else {
      for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
        await reviewsRepo.insertBatch(this.db, rows.slice(i, i + INSERT_CHUNK));
      }
    }
    for (const row of rows) {
      this.touched.add(row.id);
      this.entities.add(row.entity_id);
      this.#deltas.push(...summaryDeltas(null, contribution(row)));
    }
    // Merged as they come, so a long write holds one delta per entity rather than one per row.
    if (this.#deltas.length > MERGE_AT) this.#deltas = mergeDeltas(this.#deltas);
    const withEvents = rows.flatMap((row, i) => ((items[i]?.events.length ?? 0) > 0 ? [{ row, item: items[i] }] : []));
    await this.#append(
      withEvents.flatMap(({ row, item }) => buildEvents(toReview(row, this.nowDate), item?.events ?? [], 1, this.now)),
      items.flatMap((item, i) => (item.audit ? [auditRow(this.siteId, rows[i]?.id ?? '', item.audit, this.now)] : [])),
    );
  }

  change(row: ReviewRow, change: ReviewChange): Promise<Review> {
    return this.changeMany([{ row, change }]).then((reviews) => reviews[0] as Review);
  }

  async changeMany(items: readonly { row: ReviewRow; change: ReviewChange }[]): Promise<Review[]> {
    const updates: { id: string; set: ReviewRowPatch }[] = [];
    const events: ReturnType<typeof buildEvents> = [];
    const audit: ReturnType<typeof auditRow>[] = [];
    const reviews: Review[] = [];
    for (const { row, change } of items) {
      this.#ownLock(row);
      const next: ReviewRow = {
        ...row,
        ...(change.patch as Partial<ReviewRow>),
        revision: row.revision + (change.bumpRevision ? 1 : 0),
        event_sequence: row.event_sequence + change.events.length,
      };
      next.relevance_rank = score(next, this.nowDate, media(next));
      updates.push({
        id: row.id,
        set: {
          ...change.patch,
          revision: next.revision,
          event_sequence: next.event_sequence,
          relevance_rank: next.relevance_rank,
        },
      });
      this.#rows.set(row.id, next);
      this.touched.add(row.id);
      this.entities.add(row.entity_id).add(next.entity_id);
      this.#deltas.push(...summaryDeltas(contribution(row), contribution(next)));
      const review = toReview(next, this.nowDate);
      reviews.push(review);
      if (change.events.length > 0) {
        events.push(
          ...buildEvents(review, change.events, row.event_sequence + 1, this.now, {
            modifiedFields: modifiedFields(toReview(row, this.nowDate), review),
          }),
        );
      }
      if (change.audit) audit.push(auditRow(this.siteId, row.id, change.audit, this.now));
    }
    await reviewsRepo.updateMany(this.db, this.deps.dialect, this.siteId, updates);
    await this.#append(events, audit);
    return reviews;
  }

  async purge(
    rows: readonly ReviewRow[],
    opts: { erasure?: { redact: (review: Review) => Review } } = {},
  ): Promise<void> {
    if (rows.length === 0) return;
    for (const row of rows) {
      this.#ownLock(row);
      this.#deltas.push(...summaryDeltas(contribution(row), null));
      this.#rows.delete(row.id);
      this.touched.add(row.id);
      this.entities.add(row.entity_id);
    }
    const erasure = opts.erasure;
    if (erasure) {
      await this.#append(
        rows.flatMap((row) =>
          buildEvents(
            erasure.redact(toReview(row, this.nowDate)),
            [{ slug: 'deleted' }],
            row.event_sequence + 1,
            this.now,
            {
              anonymize: true,
            },
          ),
        ),
        [],
      );
    }
    await reviewsRepo.remove(
      this.db,
      this.siteId,
      rows.map((r) => r.id),
    );
    if (erasure) await reviewsRepo.mergeSearchIndex(this.db, this.deps.dialect);
  }

  afterCommit(fn: () => void): void {
    this.callbacks.push(fn);
  }

  retry(): never {
    throw new RetryWrite();
  }

  /**
   * Writes what was derived last: the summaries (lock order step 3), and on PostgreSQL the notification that tells
   * other instances which entities' cached pages to drop, sent when this transaction commits.
   */
  async finish(): Promise<void> {
    await applySummaryDeltas(this.db, this.siteId, this.#deltas, this.now);
    await announceEntities(this.db, this.deps.dialect, this.siteId, [...this.entities], this.deps.writeHooks?.origin);
  }

  /** A change must start from the row as this write locked (or last changed) it, or its deltas would be wrong. */
  #ownLock(row: ReviewRow): void {
    if (this.#rows.get(row.id) !== row) {
      throw new Error(`review ${row.id} changed without its lock, or from a stale copy of its row`);
    }
  }

  async #append(events: ReturnType<typeof buildEvents>, audit: ReturnType<typeof auditRow>[]): Promise<void> {
    if (events.length > 0) {
      await outboxRepo.append(this.db, this.siteId, events, this.opts.identity);
      this.eventCount += events.length;
    }
    if (audit.length > 0) await appendAudit(this.db, audit);
  }
}
