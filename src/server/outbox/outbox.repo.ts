/** Appends domain events to the outbox, always inside the transaction of the change they describe. */
import type { ReviewDomainEvent } from '../../contract/index.ts';
import { EVENT_TYPES } from '../../contract/index.ts';
import type { Executor } from '../sites/sites.repo.ts';

export const outboxRepo = {
  async append(db: Executor, siteId: string, events: readonly ReviewDomainEvent[]): Promise<void> {
    if (events.length === 0) return;
    await db
      .insertInto('outbox_events')
      .values(
        events.map((e) => ({
          site_id: siteId,
          id: e.id,
          event_type: EVENT_TYPES[e.slug],
          slug: e.slug,
          entity_id: e.entityId,
          entity_event_sequence: Number(e.entityEventSequence),
          body_json: JSON.stringify(e),
          created_at: e.eventTime,
        })),
      )
      .execute();
  },
};
