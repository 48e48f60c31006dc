/**
 * Queries on `webhooks`, `webhook_keys`, `webhook_deliveries` and `webhook_fanout`: registrations, the lease-based
 * claim of due deliveries with everything needed to send them (PostgreSQL skips rows another instance is claiming),
 * lease-guarded marks of a batch of outcomes, and the fan-out of new outbox rows into delivery rows.
 */
import { randomUUID } from 'node:crypto';
import { type Insertable, sql } from 'kysely';
import type { Dialect } from '../db/database.ts';
import type { Executor } from '../db/executor.ts';
import type { WebhookDeliveriesTable, WebhookDeliveryRow, WebhookRow } from '../db/schema.ts';

/** The delivery target of the JetStream publisher, beside webhook ids (which are GUIDs). */
export const NATS_TARGET = 'nats';

export interface OutboxRef {
  position: number;
  site_id: string;
  id: string;
  event_type: string;
  created_at: string;
}

/** What recording an attempt changes on its delivery row. */
export type DeliveryOutcome = Pick<
  WebhookDeliveryRow,
  'status' | 'next_attempt_at' | 'last_status' | 'last_error' | 'delivered_at' | 'updated_at'
>;

/** What sending a claimed delivery needs besides its row; null where the row it comes from is missing. */
export interface ClaimContext {
  event_slug: string | null;
  event_body_json: string | null;
  event_identity_json: string | null;
  hook_url: string | null;
  hook_format: WebhookRow['format'] | null;
  hook_secret: string | null;
  hook_app_id: string | null;
  /** The `created_at` of the site's signing key, for `wix`-format webhooks; null for others or before it exists. */
  key_revision: string | null;
}

/** A claimed delivery with what sending it needs. */
export type ClaimedDelivery = WebhookDeliveryRow & ClaimContext;

const NO_CONTEXT: ClaimContext = {
  event_slug: null,
  event_body_json: null,
  event_identity_json: null,
  hook_url: null,
  hook_format: null,
  hook_secret: null,
  hook_app_id: null,
  key_revision: null,
};

const CONTEXT_COLUMNS = sql`e.slug as event_slug, e.body_json as event_body_json, e.identity_json as event_identity_json,
  w.url as hook_url, w.format as hook_format, w.secret as hook_secret, w.app_id as hook_app_id,
  k.created_at as key_revision`;

const CONTEXT_JOINS = sql`
  left join outbox_events e on e.site_id = c.site_id and e.id = c.event_id
  left join webhooks w on w.site_id = c.site_id and w.id = c.webhook_id
  left join webhook_keys k on k.site_id = c.site_id and w.format = 'wix'`;

export const webhooksRepo = {
  insert: async (db: Executor, row: WebhookRow): Promise<void> => {
    await db.insertInto('webhooks').values(row).execute();
  },

  get: (db: Executor, siteId: string, id: string): Promise<WebhookRow | undefined> =>
    db.selectFrom('webhooks').selectAll().where('site_id', '=', siteId).where('id', '=', id).executeTakeFirst(),

  list: (db: Executor, siteId: string): Promise<WebhookRow[]> =>
    db.selectFrom('webhooks').selectAll().where('site_id', '=', siteId).orderBy('created_at').orderBy('id').execute(),

  /** Whether any site has a webhook at all (when none has, fan-out has nothing to do). */
  any: async (db: Executor): Promise<boolean> =>
    (await db.selectFrom('webhooks').select('id').limit(1).executeTakeFirst()) !== undefined,

  listForSites: (db: Executor, siteIds: readonly string[]): Promise<WebhookRow[]> =>
    siteIds.length === 0
      ? Promise.resolve([])
      : db.selectFrom('webhooks').selectAll().where('site_id', 'in', siteIds).execute(),

  update: async (
    db: Executor,
    siteId: string,
    id: string,
    patch: Partial<Omit<WebhookRow, 'site_id' | 'id'>>,
  ): Promise<void> => {
    await db.updateTable('webhooks').set(patch).where('site_id', '=', siteId).where('id', '=', id).execute();
  },

  /** Deletes the webhook and its delivery log; true when it existed. */
  async delete(db: Executor, siteId: string, id: string): Promise<boolean> {
    await db.deleteFrom('webhook_deliveries').where('site_id', '=', siteId).where('webhook_id', '=', id).execute();
    const r = await db.deleteFrom('webhooks').where('site_id', '=', siteId).where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) === 1;
  },

  getKeys: (db: Executor, siteId: string) =>
    db.selectFrom('webhook_keys').selectAll().where('site_id', '=', siteId).executeTakeFirst(),

  /** The private keys of these sites with their revision (`created_at`), for the worker's cache of parsed keys. */
  privateKeysFor: (db: Executor, siteIds: readonly string[]) =>
    siteIds.length === 0
      ? Promise.resolve([])
      : db
          .selectFrom('webhook_keys')
          .select(['site_id', 'private_key_pem', 'created_at'])
          .where('site_id', 'in', siteIds)
          .execute(),

  /** Stores a key pair unless the site has one already (two callers racing keep the first). */
  insertKeysIfAbsent: async (
    db: Executor,
    siteId: string,
    privateKeyPem: string,
    publicKeyPem: string,
    now: string,
  ) => {
    await db
      .insertInto('webhook_keys')
      .values({ site_id: siteId, private_key_pem: privateKeyPem, public_key_pem: publicKeyPem, created_at: now })
      .onConflict((oc) => oc.column('site_id').doNothing())
      .execute();
  },
};

/**
 * The claim of up to `limit` due deliveries for `worker` until `leaseUntil`, counting the attempt, returning the
 * claimed rows. PostgreSQL skips rows another worker is claiming; SQLite serializes writers anyway.
 */
function claimStatement(dialect: Dialect, worker: string, now: string, leaseUntil: string, limit: number) {
  const lock = dialect === 'postgres' ? sql`for update skip locked` : sql``;
  return sql`
    update webhook_deliveries
    set locked_by = ${worker}, locked_until = ${leaseUntil}, attempts = attempts + 1, updated_at = ${now}
    where (site_id, id) in (
      select site_id, id from webhook_deliveries
      where status = 'PENDING' and next_attempt_at <= ${now} and (locked_until is null or locked_until < ${now})
      order by next_attempt_at limit ${limit} ${lock}
    )
    returning *`;
}

export const deliveriesRepo = {
  /** Up to `limit` deliveries of a webhook, newest first (created_at, id), before the position `before` when given. */
  list: (
    db: Executor,
    siteId: string,
    webhookId: string,
    status: string | undefined,
    before: readonly [string, string] | undefined,
    limit: number,
  ) => {
    let q = db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('site_id', '=', siteId)
      .where('webhook_id', '=', webhookId);
    if (status) q = q.where('status', '=', status as WebhookDeliveryRow['status']);
    if (before) q = q.where((eb) => eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(before[0], before[1])));
    return q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
  },

  get: (db: Executor, siteId: string, webhookId: string, id: string) =>
    db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('site_id', '=', siteId)
      .where('webhook_id', '=', webhookId)
      .where('id', '=', id)
      .executeTakeFirst(),

  /** Makes a delivery due now with a fresh retry window, taking it from any worker holding it. */
  async redeliver(db: Executor, siteId: string, id: string, now: string): Promise<void> {
    await db
      .updateTable('webhook_deliveries')
      .set({
        status: 'PENDING',
        next_attempt_at: now,
        window_started_at: now,
        locked_by: null,
        locked_until: null,
        updated_at: now,
      })
      .where('site_id', '=', siteId)
      .where('id', '=', id)
      .execute();
  },

  /**
   * Claims up to `limit` due deliveries for `worker` until `leaseUntil` and counts the attempt (a delivery whose
   * lease expired, its worker having died between send and mark, is due again: retried, never lost), returning with
   * each delivery what sending it needs, read in the same round: the event (null
   * when it was purged), the webhook (null when deleted, or for the NATS target) and, for `wix`-format webhooks, the
   * revision of the site's signing key (null before the site has one). PostgreSQL does it in one statement; SQLite,
   * which has no `UPDATE` in a `WITH`, in two (the claim, then one read for the whole batch).
   */
  async claimBatch(
    db: Executor,
    dialect: Dialect,
    worker: string,
    now: string,
    leaseUntil: string,
    limit: number,
  ): Promise<ClaimedDelivery[]> {
    const claim = claimStatement(dialect, worker, now, leaseUntil, limit);
    if (dialect === 'postgres') {
      const r = await sql<ClaimedDelivery>`
        with claimed as (${claim})
        select c.*, ${CONTEXT_COLUMNS}
        from claimed c ${CONTEXT_JOINS}`.execute(db);
      return r.rows;
    }
    const claimed = (await sql<WebhookDeliveryRow>`${claim}`.execute(db)).rows;
    if (claimed.length === 0) return [];
    const r = await sql<ClaimContext & { site_id: string; id: string }>`
      select c.site_id, c.id, ${CONTEXT_COLUMNS}
      from webhook_deliveries c ${CONTEXT_JOINS}
      where c.id in (${sql.join(claimed.map((d) => d.id))})`.execute(db);
    const context = new Map(r.rows.map((row) => [`${row.site_id}\u0000${row.id}`, row]));
    return claimed.map((d) => {
      const c = context.get(`${d.site_id}\u0000${d.id}`);
      return { ...d, ...(c ?? NO_CONTEXT), site_id: d.site_id, id: d.id };
    });
  },

  /**
   * Records a batch of outcomes in one statement per 100, each only while its lease is still `worker`'s; returns
   * the keys (`site_id`, NUL, `id`) of those recorded. One missing from it lost its lease, and will be retried.
   */
  async markMany(
    db: Executor,
    worker: string,
    outcomes: readonly { row: Pick<WebhookDeliveryRow, 'site_id' | 'id'>; patch: DeliveryOutcome }[],
  ): Promise<Set<string>> {
    const kept = new Set<string>();
    for (let i = 0; i < outcomes.length; i += 100) {
      // Column names of a VALUES list are column1… on both dialects; every value is bound, integers cast back.
      const values = outcomes
        .slice(i, i + 100)
        .map(
          ({ row, patch }) =>
            sql`(${row.site_id}, ${row.id}, ${patch.status}, ${patch.next_attempt_at}, ${patch.last_status}, ${patch.last_error}, ${patch.delivered_at}, ${patch.updated_at})`,
        );
      const r = await sql<{ site_id: string; id: string }>`
        update webhook_deliveries
        set status = v.column3, next_attempt_at = v.column4, last_status = cast(v.column5 as integer),
            last_error = v.column6, delivered_at = v.column7, updated_at = v.column8,
            locked_by = null, locked_until = null
        from (values ${sql.join(values)}) as v
        where webhook_deliveries.site_id = v.column1 and webhook_deliveries.id = v.column2
          and webhook_deliveries.locked_by = ${worker}
        returning webhook_deliveries.site_id, webhook_deliveries.id`.execute(db);
      for (const k of r.rows) kept.add(`${k.site_id}\u0000${k.id}`);
    }
    return kept;
  },

  /** Whether the outbox holds rows past the fan-out cursor (a cheap check before taking any lock). */
  async outboxAhead(db: Executor): Promise<boolean> {
    const r = await sql<{ cursor: number | string | null; last: number | string | null }>`
      select (select position from webhook_fanout where id = 'outbox') as cursor,
             (select max(position) from outbox_events) as last`.execute(db);
    const row = r.rows[0];
    return row !== undefined && row.last !== null && Number(row.last) > Number(row.cursor ?? 0);
  },

  /**
   * Locks the fan-out cursor for this transaction; undefined when another instance holds it (PostgreSQL) — it is
   * fanning out right now, so this one has nothing to do.
   */
  async lockCursor(tx: Executor, dialect: Dialect): Promise<number | undefined> {
    const lock = dialect === 'postgres' ? sql`for update skip locked` : sql``;
    const r = await sql<{
      position: number | string;
    }>`select position from webhook_fanout where id = 'outbox' ${lock}`.execute(tx);
    const row = r.rows[0];
    return row ? Number(row.position) : undefined;
  },

  /** The highest visible outbox position (SQLite's fan-out bound: there every visible position is final). */
  maxPosition: async (tx: Executor): Promise<number> => {
    const r = await sql<{ m: number | string | null }>`select max(position) as m from outbox_events`.execute(tx);
    return Number(r.rows[0]?.m ?? 0);
  },

  /** Up to `limit` outbox rows after `position` and at most `upTo` (null: no bound), in position order. */
  outboxAfter: async (tx: Executor, position: number, upTo: number | null, limit: number): Promise<OutboxRef[]> => {
    let q = tx
      .selectFrom('outbox_events')
      .select(['position', 'site_id', 'id', 'event_type', 'created_at'])
      .where('position', '>', position);
    if (upTo !== null) q = q.where('position', '<=', upTo);
    const rows = await q.orderBy('position').limit(limit).execute();
    return rows.map((r) => ({ ...r, position: Number(r.position) }));
  },

  async insertMany(tx: Executor, rows: Insertable<WebhookDeliveriesTable>[]): Promise<void> {
    // Chunked to stay under SQLite's bound-parameter limit.
    for (let i = 0; i < rows.length; i += 200) {
      await tx
        .insertInto('webhook_deliveries')
        .values(rows.slice(i, i + 200))
        .onConflict((oc) => oc.columns(['site_id', 'webhook_id', 'event_id']).doNothing())
        .execute();
    }
  },

  async moveCursor(tx: Executor, position: number, now: string): Promise<void> {
    await tx.updateTable('webhook_fanout').set({ position, updated_at: now }).where('id', '=', 'outbox').execute();
  },

  /** Deliveries per status, all sites (for `/metrics`). */
  async countByStatus(db: Executor): Promise<Record<WebhookDeliveryRow['status'], number>> {
    const rows = await db
      .selectFrom('webhook_deliveries')
      .select(['status', (eb) => eb.fn.countAll<number | string>().as('n')])
      .groupBy('status')
      .execute();
    const counts = { PENDING: 0, DELIVERED: 0, DEAD: 0 };
    for (const r of rows) counts[r.status] = Number(r.n);
    return counts;
  },

  /** Outbox rows the fan-out has not reached yet: how many, and when the oldest was written (for `/metrics`). */
  async fanOutLag(db: Executor): Promise<{ count: number; oldest: string | null }> {
    const r = await sql<{ n: number | string; oldest: string | null }>`
      select count(*) as n, min(created_at) as oldest from outbox_events
      where position > coalesce((select position from webhook_fanout where id = 'outbox'), 0)`.execute(db);
    const row = r.rows[0];
    return { count: Number(row?.n ?? 0), oldest: row?.oldest ?? null };
  },

  /** The fan-out cursor, read without a lock: every event at or below it has its delivery rows. */
  async fanOutCursor(db: Executor): Promise<number> {
    const r = await db.selectFrom('webhook_fanout').select('position').where('id', '=', 'outbox').executeTakeFirst();
    return Number(r?.position ?? 0);
  },

  /** Which of these event positions still have a PENDING delivery (the outbox retention keeps those events). */
  async pendingPositions(db: Executor, positions: readonly number[]): Promise<Set<number>> {
    if (positions.length === 0) return new Set();
    const rows = await db
      .selectFrom('webhook_deliveries')
      .select('event_position')
      .distinct()
      .where('event_position', 'in', positions)
      .where('status', '=', 'PENDING')
      .execute();
    return new Set(rows.map((r) => Number(r.event_position)));
  },

  /**
   * Deletes the finished (DELIVERED or DEAD) deliveries of these events, for the outbox retention. A delivery made
   * PENDING again meanwhile (a redelivery) is kept; with its event gone, its next attempt marks it DEAD.
   */
  async deleteFinishedForPositions(db: Executor, positions: readonly number[]): Promise<void> {
    if (positions.length === 0) return;
    await db
      .deleteFrom('webhook_deliveries')
      .where('event_position', 'in', positions)
      .where('status', '<>', 'PENDING')
      .execute();
  },
};

/** A new PENDING delivery of `event` to `target`, due at once. */
export function newDelivery(event: OutboxRef, target: string, now: string): Insertable<WebhookDeliveriesTable> {
  return {
    site_id: event.site_id,
    id: randomUUID(),
    webhook_id: target,
    event_id: event.id,
    event_position: event.position,
    event_type: event.event_type,
    status: 'PENDING',
    attempts: 0,
    next_attempt_at: now,
    window_started_at: now,
    created_at: now,
    updated_at: now,
  };
}
