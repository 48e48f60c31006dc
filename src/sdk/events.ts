/**
 * Event handlers fed by the admin event feed (`GET /verdict/v1/events`, long-poll): `reviews.onReviewCreated(…)`
 * and its siblings receive the same Velo-shaped events as the official SDK's handlers, in feed order. The feed
 * position is saved through a pluggable store after each event's handlers finish, so a restarted client resumes
 * where it stopped: no event is lost, and an event whose handlers did not all finish is delivered again
 * (at-least-once; dedupe on `metadata._id` if a handler is not idempotent).
 */

import { ENTITY_FQDN, EVENT_TYPES } from '../contract/event-types.ts';
import type { AccountInfo, EventIdentity, EventSlug, ReviewDomainEvent } from '../contract/events.ts';
import type { CallOutput } from '../contract/operations/call.ts';
import type { Transport } from './http.ts';
import { type OptionsOf, text } from './operation-types.ts';
import { reviewFromRest } from './transform.ts';
import type { ModerationStatus, Review } from './types.ts';

/** Event metadata, as the official SDK hands it to handlers (`id` renamed `_id`, `eventTime` a `Date`). */
export interface EventMetadata {
  /** Event id: the same id an event delivered twice carries. */
  _id: string;
  entityFqdn: string;
  slug: EventSlug;
  /** The review id. */
  entityId: string;
  eventTime: Date;
  /** Increases with each event of the same review. */
  entityEventSequence: string;
  triggeredByAnonymizeRequest?: boolean;
  /** The site the event belongs to (Verdict's app instance is the site). */
  instanceId?: string;
  /** Who made the change: `ANONYMOUS_VISITOR`, `MEMBER`, `WIX_USER` (the owner), `APP`, or `UNKNOWN` (Verdict itself). */
  identity?: EventIdentity;
  /** The site (`siteId`) and its owner's account (`accountId`). */
  accountInfo?: AccountInfo;
}

/** The metadata sent beside a domain event: by the feed, a `json` webhook body, or a `wix` JWT. */
export interface EventContextWire {
  instanceId?: string | undefined;
  identity?: EventIdentity | undefined;
  accountInfo?: AccountInfo | undefined;
}

export interface ReviewCreatedEvent {
  entity: Review;
  metadata: EventMetadata;
}
export interface ReviewUpdatedEvent {
  entity: Review;
  metadata: EventMetadata;
  modifiedFields?: Record<string, unknown>;
}
export interface ReviewDeletedEvent {
  entity: Review;
  metadata: EventMetadata;
}
export interface ReviewModerationStatusChangedEvent {
  data: { review: Review; previousModerationStatus: ModerationStatus };
  metadata: EventMetadata;
}
export interface ReviewPublishedEvent {
  data: { review: Review };
  metadata: EventMetadata;
}

/** The Velo event of each slug. */
export interface ReviewEventMap {
  created: ReviewCreatedEvent;
  updated: ReviewUpdatedEvent;
  deleted: ReviewDeletedEvent;
  moderation_status_changed: ReviewModerationStatusChangedEvent;
  review_published: ReviewPublishedEvent;
}

/** A Velo event tagged with its slug. */
export type VeloReviewEvent = { [K in EventSlug]: { slug: K; event: ReviewEventMap[K] } }[EventSlug];

export type EventHandler<E> = (event: E) => void | Promise<void>;

/**
 * The Wix domain-event envelope → the Velo event the official SDK's handler of that slug receives; `context`
 * (instanceId, identity, accountInfo) goes into its metadata, as the official SDK puts it there.
 */
export function toVeloEvent(e: ReviewDomainEvent, context: EventContextWire = {}): VeloReviewEvent {
  const metadata: EventMetadata = {
    ...(context.instanceId !== undefined ? { instanceId: context.instanceId } : {}),
    ...(context.identity !== undefined ? { identity: context.identity } : {}),
    ...(context.accountInfo !== undefined ? { accountInfo: context.accountInfo } : {}),
    _id: e.id,
    entityFqdn: e.entityFqdn,
    slug: e.slug,
    entityId: e.entityId,
    eventTime: new Date(e.eventTime),
    entityEventSequence: e.entityEventSequence,
    ...(e.triggeredByAnonymizeRequest !== undefined
      ? { triggeredByAnonymizeRequest: e.triggeredByAnonymizeRequest }
      : {}),
  };
  switch (e.slug) {
    case 'created':
      return { slug: e.slug, event: { entity: reviewFromRest(e.createdEvent.entity), metadata } };
    case 'updated':
      return {
        slug: e.slug,
        event: {
          entity: reviewFromRest(e.updatedEvent.currentEntity),
          metadata,
          ...(e.updatedEvent.modifiedFields ? { modifiedFields: e.updatedEvent.modifiedFields } : {}),
        },
      };
    case 'deleted':
      return { slug: e.slug, event: { entity: reviewFromRest(e.deletedEvent.deletedEntity), metadata } };
    case 'moderation_status_changed':
      return {
        slug: e.slug,
        event: {
          data: {
            review: reviewFromRest(e.actionEvent.body.review),
            previousModerationStatus: e.actionEvent.body.previousModerationStatus,
          },
          metadata,
        },
      };
    case 'review_published':
      return { slug: e.slug, event: { data: { review: reviewFromRest(e.actionEvent.body.review) }, metadata } };
  }
}

const SLUGS: readonly EventSlug[] = ['created', 'updated', 'deleted', 'moderation_status_changed', 'review_published'];

/** The slug of a Wix event type (`wix.reviews.v1.review_created` → `created`), or undefined for another type. */
export const slugOfEventType = (eventType: string): EventSlug | undefined =>
  SLUGS.find((slug) => EVENT_TYPES[slug] === eventType);

type HandlerSets = { [K in EventSlug]: Set<EventHandler<ReviewEventMap[K]>> };

/** Registered handlers per slug; dispatch runs them one after another, in registration order. */
export class ReviewEventHandlers {
  private readonly handlers: HandlerSets = {
    created: new Set(),
    updated: new Set(),
    deleted: new Set(),
    moderation_status_changed: new Set(),
    review_published: new Set(),
  };

  /** Registers a handler; returns the function that removes it. */
  on<K extends EventSlug>(slug: K, handler: EventHandler<ReviewEventMap[K]>): () => void {
    const set: Set<EventHandler<ReviewEventMap[K]>> = this.handlers[slug];
    set.add(handler);
    return () => {
      set.delete(handler);
    };
  }

  /** Runs every handler of the event's slug; the first handler error rejects (later handlers do not run). */
  async dispatch(domainEvent: ReviewDomainEvent, context: EventContextWire = {}): Promise<void> {
    const velo = toVeloEvent(domainEvent, context);
    switch (velo.slug) {
      case 'created':
        return runAll(this.handlers.created, velo.event);
      case 'updated':
        return runAll(this.handlers.updated, velo.event);
      case 'deleted':
        return runAll(this.handlers.deleted, velo.event);
      case 'moderation_status_changed':
        return runAll(this.handlers.moderation_status_changed, velo.event);
      case 'review_published':
        return runAll(this.handlers.review_published, velo.event);
    }
  }
}

async function runAll<E>(handlers: Set<EventHandler<E>>, event: E): Promise<void> {
  for (const h of [...handlers]) await h(event);
}

/** Where the feed position is kept between runs. */
export interface PositionStore {
  load(): Promise<string | undefined>;
  save(position: string): Promise<void>;
}

/** A position store in memory: resumes across `stop()`/`start()` of one process only. */
export function memoryPositionStore(initial?: string): PositionStore {
  let position = initial;
  return {
    load: async () => position,
    save: async (p) => {
      position = p;
    },
  };
}

export interface EventFeedOptions {
  /** Where the position is loaded from and saved to (default: in memory). Use `filePositionStore` from `verdict/sdk/node` to survive restarts. */
  store?: PositionStore;
  /** With no stored position: deliver every event since the site began (`beginning`, default) or only new ones (`end`). */
  startAt?: 'beginning' | 'end';
  /** Long-poll wait per request, 0-25 seconds (default 25). */
  waitSeconds?: number;
  /** Events per request, 1-100 (default 100). */
  limit?: number;
  /** Pause after an error before trying again (default 1000 ms). */
  retryDelayMs?: number;
  /** Called with every error (network, server, or a handler's); the feed retries from the last saved position. */
  onError?: (error: unknown) => void;
}

/** The feed's answer, typed from the catalogue (`readEvents`). */
type FeedAnswer = CallOutput<'readEvents'>;

/**
 * The feed carries each event as a JSON object; the events of the reviews entity are the Wix domain events this
 * SDK dispatches (checked by their entity and slug, so another entity's event is skipped, not misread).
 */
function isReviewEvent(e: Record<string, unknown>): e is Record<string, unknown> & ReviewDomainEvent {
  return e.entityFqdn === ENTITY_FQDN && typeof e.slug === 'string' && (SLUGS as readonly string[]).includes(e.slug);
}

/**
 * The event feed of a client: reads it and feeds the registered handlers until stopped, or reads it page by page.
 * A plain object of standalone functions (destructure freely), like the other modules.
 */
export interface EventFeed {
  /** The position after the last event whose handlers all finished. */
  readonly position: string | undefined;
  readonly running: boolean;
  /**
   * Loads the stored position and starts delivering events; resolves once running. Needs admin credentials (an
   * admin key, or an app key with reviews.read_private or reviews.manage). Throws if already running.
   */
  start(options?: EventFeedOptions): Promise<void>;
  /**
   * Stops after the event being handled (if any); resolves when the feed has stopped. A long-poll in flight is
   * not aborted: stop() waits for it (at most `waitSeconds`) and drops its answer, which the next start() reads again.
   */
  stop(): Promise<void>;
  /**
   * One page of the feed, for replay and backfill: the events after `after` (from the beginning without it), in
   * REST shape with their positions, and the position to continue from; with `waitSeconds`, waits that long for a
   * first event. Reads with the admin credentials, as `start()` does.
   */
  read(options?: OptionsOf<'readEvents', 'limit' | 'waitSeconds'>): Promise<FeedAnswer>;
}

/** The feed over `transport` (the admin credentials, looked up at each start or read), dispatching to `handlers`. */
export function eventFeed(transport: () => Transport, handlers: ReviewEventHandlers): EventFeed {
  let loop: Promise<void> | undefined;
  let abort: AbortController | undefined;
  let current: string | undefined;

  const run = async (t: Transport, store: PositionStore, options: EventFeedOptions, signal: AbortSignal) => {
    const waitSeconds = String(options.waitSeconds ?? 25);
    const limit = String(options.limit ?? 100);
    while (!signal.aborted) {
      try {
        // stop() lets a long-poll in flight finish (within waitSeconds) rather than abort it, and drops its answer:
        // a request aborted mid-flight can keep the server's connection, and so its shutdown, hanging.
        const res: FeedAnswer = await t.call('readEvents', { query: { after: current, limit, waitSeconds } });
        for (const e of res.events) {
          if (signal.aborted) return;
          if (slugOfEventType(e.eventType) && isReviewEvent(e.event)) await handlers.dispatch(e.event, e);
          current = e.position;
          await store.save(e.position);
        }
      } catch (err) {
        if (signal.aborted) return;
        options.onError?.(err);
        await pause(options.retryDelayMs ?? 1000, signal);
      }
    }
  };

  return {
    get position() {
      return current;
    },
    get running() {
      return loop !== undefined;
    },
    async start(options = {}) {
      if (loop) throw new Error('The event feed is already running; call stop() first');
      const t = transport();
      const store = options.store ?? memoryPositionStore();
      const controller = new AbortController();
      let position = await store.load();
      if (position === undefined && options.startAt === 'end') {
        position = await endPosition(t);
        await store.save(position);
      }
      current = position;
      abort = controller;
      loop = run(t, store, options, controller.signal);
    },
    async stop() {
      abort?.abort();
      await loop;
      loop = undefined;
      abort = undefined;
    },
    read: (options = {}) =>
      transport().call('readEvents', {
        query: { ...options, limit: text(options.limit), waitSeconds: text(options.waitSeconds) },
      }),
  };
}

async function endPosition(transport: Transport): Promise<string> {
  let after: string | undefined;
  for (;;) {
    const res = await transport.call('readEvents', { query: { after, limit: '100', waitSeconds: '0' } });
    if (res.events.length === 0) return res.position;
    after = res.position;
  }
}

const pause = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
