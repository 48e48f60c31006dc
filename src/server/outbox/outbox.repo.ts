/** Appends domain events to the outbox, always inside the transaction of the change they describe. */
import type { EventIdentity, ReviewDomainEvent } from '../../contract/index.ts';
import { EVENT_TYPES } from '../../contract/index.ts';
import { insertRows } from '../db/insert-rows.ts';
import type { Executor } from '../sites/sites.repo.ts';

/** Events per insert statement: 9 columns each, far below either driver's bound-parameter limit. */
const CHUNK = 300;

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
    const identityJson = JSON.stringify(identity);
    for (let i = 0; i < events.length; i += CHUNK) {
      const rows = events.slice(i, i + CHUNK).map((e) => ({
        site_id: siteId,
        id: e.id,
        event_type: EVENT_TYPES[e.slug],
        slug: e.slug,
        entity_id: e.entityId,
        entity_event_sequence: Number(e.entityEventSequence),
        body_json: JSON.stringify(e),
        identity_json: identityJson,
        created_at: e.eventTime,
      }));
      await insertRows(db, 'outbox_events', rows, (r) => db.insertInto('outbox_events').values([...r]));
    }
  },
};
