/**
 * Appends domain events to the outbox, always inside the transaction of the change they describe; and the queries
 * of the event feed and of the retention purge (outbox.retention.ts).
 */
import { sql } from 'kysely';
import type { EventIdentity, Review, ReviewDomainEvent } from '../../contract/index.ts';
import { EVENT_TYPES } from '../../contract/index.ts';
import type { Dialect } from '../db/database.ts';
import type { Executor } from '../db/executor.ts';
import { insertRows } from '../db/insert-rows.ts';
import { eventJson, eventReview } from './outbox.events.ts';

/** Events per insert statement: 9 columns each, far below either driver's bound-parameter limit. */
const CHUNK = 300;

/** The stored row of one event, with the identity of who made the change (JSON) and the review it carries (JSON). */
function outboxRow(siteId: string, e: ReviewDomainEvent, identityJson: string, reviewJson: string) {
  return {
    site_id: siteId,
    id: e.id,
    event_type: EVENT_TYPES[e.slug],
    slug: e.slug,
    entity_id: e.entityId,
    entity_event_sequence: Number(e.entityEventSequence),
    body_json: eventJson(e, reviewJson),
    identity_json: identityJson,
    created_at: e.eventTime,
  };
}

export type OutboxRow = ReturnType<typeof outboxRow>;

/**
 * The stored rows of events, in order, with the identity of who made the change (JSON). Each review the events carry
 * is serialised once, however many of them carry it (a create's three events carry the same one).
 */
export function outboxRows(siteId: string, events: readonly ReviewDomainEvent[], identityJson: string): OutboxRow[] {
  const serialised = new Map<Review, string>();
  return events.map((e) => {
    const review = eventReview(e);
    let json = serialised.get(review);
    if (json === undefined) {
      json = JSON.stringify(review);
      serialised.set(review, json);
    }
    return outboxRow(siteId, e, identityJson, json);
  });
}

export const outboxRepo = {
  /**
   * Appends events in the caller's transaction, in order (so their positions follow the order given), with the
   * identity of who made the change (sent with every later delivery and feed read).
   */
  async append(
    db: Executor,
    siteId: string,
    events: readonly ReviewDomainEvent[],
    identity: EventIdentity,
  ): Promise<void> {
    await outboxRepo.appendRows(db, outboxRows(siteId, events, JSON.stringify(identity)));
  },

  /** Appends stored rows (`outboxRows`) in the caller's transaction, in order, a few hundred per statement. */
  async appendRows(db: Executor, rows: readonly OutboxRow[]): Promise<void> {
    for (let i = 0; i < rows.length; i += CHUNK) {
      await insertRows(db, 'outbox_events', rows.slice(i, i + CHUNK), (r) =>
        db.insertInto('outbox_events').values([...r]),
      );
    }
  },

  /**
   * The stored events of these entities (reviews), through the `(site_id, entity_id)` index: what an erasure
   * redacts in place.
   */
  async ofEntities(
    db: Executor,
    siteId: string,
    entityIds: readonly string[],
  ): Promise<{ id: string; body_json: string; identity_json: string | null }[]> {
    const out: { id: string; body_json: string; identity_json: string | null }[] = [];
    for (let i = 0; i < entityIds.length; i += CHUNK) {
      out.push(...(await outboxRepo.ofEntitiesQuery(db, siteId, entityIds.slice(i, i + CHUNK)).execute()));
    }
    return out;
  },

  /** The query `ofEntities` runs for one chunk (exposed so tests can check its plan). */
  ofEntitiesQuery: (db: Executor, siteId: string, entityIds: readonly string[]) =>
    db
      .selectFrom('outbox_events')
      .select(['id', 'body_json', 'identity_json'])
      .where('site_id', '=', siteId)
      .where('entity_id', 'in', [...entityIds]),

  /**
   * Replaces the body and identity of stored events (erasure), keeping their ids, positions and sequences; one
   * statement per chunk of events (`with v(...) as (values ...) update ... from v`).
   */
  async rewrite(
    db: Executor,
    siteId: string,
    events: readonly { id: string; body_json: string; identity_json: string | null }[],
  ): Promise<void> {
    for (let i = 0; i < events.length; i += CHUNK) {
      const values = sql.join(
        events
          .slice(i, i + CHUNK)
          .map((e) => sql`(cast(${e.id} as text), cast(${e.body_json} as text), cast(${e.identity_json} as text))`),
      );
      await sql`with v (id, body_json, identity_json) as (values ${values})
        update outbox_events set body_json = v.body_json, identity_json = v.identity_json
        from v where outbox_events.site_id = ${siteId} and outbox_events.id = v.id`.execute(db);
    }
  },

  /**
   * Takes the purge claim for this transaction: one instance purges at a time. PostgreSQL: a transaction-scoped
   * advisory lock, keyed by schema (several Verdict schemas may share a database); false when another instance holds
   * it. SQLite: always true (one server per file, and the transaction already holds the write lock).
   */
  async claimPurge(tx: Executor, dialect: Dialect): Promise<boolean> {
    if (dialect !== 'postgres') return true;
    const r = await sql<{ ok: boolean }>`
      select pg_try_advisory_xact_lock(hashtext(current_schema() || '.verdict_outbox_purge')) as ok`.execute(tx);
    return r.rows[0]?.ok === true;
  },

  /** Up to `limit` events in position order after `after` and at most `upTo` (all sites). */
  async after(
    db: Executor,
    after: number,
    upTo: number,
    limit: number,
  ): Promise<{ position: number; site_id: string; created_at: string }[]> {
    const rows = await db
      .selectFrom('outbox_events')
      .select(['position', 'site_id', 'created_at'])
      .where('position', '>', after)
      .where('position', '<=', upTo)
      .orderBy('position')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ ...r, position: Number(r.position) }));
  },

  async deletePositions(db: Executor, positions: readonly number[]): Promise<void> {
    if (positions.length === 0) return;
    await db.deleteFrom('outbox_events').where('position', 'in', positions).execute();
  },

  /** Raises the site's purged-through mark to `position` (never lowers it). */
  async markPurged(db: Executor, siteId: string, position: number, now: string): Promise<void> {
    await db
      .insertInto('outbox_purged')
      .values({ site_id: siteId, position, updated_at: now })
      .onConflict((oc) =>
        oc.column('site_id').doUpdateSet({
          position: sql`case when excluded.position > outbox_purged.position then excluded.position else outbox_purged.position end`,
          updated_at: now,
        }),
      )
      .execute();
  },

  /**
   * Up to `limit` of the site's events after `after`, in position order, with no upper bound: the feed keeps those
   * at or below its horizon and learns from the others that it is held back.
   */
  async feedPage(
    db: Executor,
    siteId: string,
    after: number,
    limit: number,
  ): Promise<{ position: number; event_type: string; body_json: string; identity_json: string | null }[]> {
    const rows = await db
      .selectFrom('outbox_events')
      .select(['position', 'event_type', 'body_json', 'identity_json'])
      .where('site_id', '=', siteId)
      .where('position', '>', after)
      .orderBy('position')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ ...r, position: Number(r.position) }));
  },

  /** The highest position of any site's events, or 0 when there is none (SQLite's end of the feed). */
  async maxPosition(db: Executor): Promise<number> {
    const r = await db
      .selectFrom('outbox_events')
      .select((eb) => eb.fn.max('position').as('max'))
      .executeTakeFirst();
    return Number(r?.max ?? 0);
  },

  /** The highest position purged from the site's events, or 0 when none was. */
  async purgedThrough(db: Executor, siteId: string): Promise<number> {
    const r = await db.selectFrom('outbox_purged').select('position').where('site_id', '=', siteId).executeTakeFirst();
    return Number(r?.position ?? 0);
  },
};
