/**
 * Webhooks admin API (`/verdict/v1/webhooks`): registrations per site, their delivery log, and the site's public
 * key that verifies `wix`-format deliveries (docs/product.md §7). Secrets are write-only: returned once at creation.
 */
import { type Static, Type } from 'typebox';
import { EVENT_TYPES } from './events.ts';
import { PageCursor, PageLimit, PageMetadata } from './paging.ts';
import { IdParam } from './review.ts';

export const WEBHOOK_EVENT_TYPES = Object.values(EVENT_TYPES);

// Written out rather than mapped from EVENT_TYPES: a union of a mapped array types as `never`, which made every
// typed caller (the SDK's webhooks.create, call('createWebhook')) unable to name an event type.
export const WebhookEventType = Type.Union(
  [
    Type.Literal(EVENT_TYPES.created),
    Type.Literal(EVENT_TYPES.updated),
    Type.Literal(EVENT_TYPES.deleted),
    Type.Literal(EVENT_TYPES.moderation_status_changed),
    Type.Literal(EVENT_TYPES.review_published),
  ],
  { description: 'A Wix review event type.', examples: ['wix.reviews.v1.review_created'] },
);

// An event type missing from the union above is a type error here.
type UnlistedEventType = Exclude<(typeof WEBHOOK_EVENT_TYPES)[number], Static<typeof WebhookEventType>>;
const everyEventTypeListed: [UnlistedEventType] extends [never] ? true : UnlistedEventType = true;
void everyEventTypeListed;

export const WebhookFormat = Type.Union([Type.Literal('wix'), Type.Literal('json')], {
  description:
    '`wix`: the body is a JWT (RS256, the site key pair) that `@wix/sdk` `webhooks.process()` decodes. `json`: the ' +
    'event envelope as JSON, signed with HMAC-SHA256 in the `Verdict-Signature` header (see docs/webhooks.md).',
  examples: ['json'],
});
export type WebhookFormat = Static<typeof WebhookFormat>;

const Url = Type.String({
  minLength: 1,
  maxLength: 2048,
  description: 'http(s) URL that receives POSTs.',
  examples: ['https://example.com/hooks/reviews'],
});
const EventTypes = Type.Array(WebhookEventType, {
  minItems: 1,
  maxItems: WEBHOOK_EVENT_TYPES.length,
  uniqueItems: true,
  description: 'Event types delivered to this webhook.',
});
const Secret = Type.String({
  minLength: 16,
  maxLength: 200,
  pattern: '^[\\x21-\\x7e]+$',
  description: 'HMAC secret of the `json` format (16-200 printable ASCII characters). Generated when omitted.',
  examples: ['whsec_9b1c0f4e2d7a4c3b8e6f5a1d'],
});

const AppId = Type.String({
  minLength: 1,
  maxLength: 100,
  pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]*$',
  description:
    "The receiving app's id (`AppStrategy({ appId })`): `wix`-format JWTs name it as their audience (`aud`). " +
    'Optional; without it the JWT carries no audience.',
  examples: ['6c7c6f5e-0d5b-4d8e-9a55-4f2f3f0d7a11'],
});

export const Webhook = Type.Object({
  id: Type.String({ description: 'Webhook id (GUID).' }),
  url: Url,
  eventTypes: Type.Array(WebhookEventType),
  format: WebhookFormat,
  appId: Type.Optional(AppId),
  secretHint: Type.String({
    description: 'The secret, masked: its first 6 and last 4 characters.',
    examples: ['whsec_…5a1d'],
  }),
  createdDate: Type.String({ description: 'ISO-8601 UTC.' }),
  updatedDate: Type.String({ description: 'ISO-8601 UTC.' }),
});
export type Webhook = Static<typeof Webhook>;

export const CreateWebhookRequest = Type.Object({
  webhook: Type.Object({
    url: Url,
    eventTypes: EventTypes,
    format: WebhookFormat,
    secret: Type.Optional(Secret),
    appId: Type.Optional(AppId),
  }),
});
export type CreateWebhookRequest = Static<typeof CreateWebhookRequest>;
export const CreateWebhookResponse = Type.Object({
  webhook: Webhook,
  secret: Type.String({ description: 'The signing secret, shown only in this response.' }),
});

export const UpdateWebhookRequest = Type.Object({
  webhook: Type.Object({
    url: Type.Optional(Url),
    eventTypes: Type.Optional(EventTypes),
    format: Type.Optional(WebhookFormat),
    secret: Type.Optional(Secret),
    appId: Type.Optional(Type.Union([AppId, Type.Null()], { description: 'A new app id, or null to remove it.' })),
  }),
});
export type UpdateWebhookRequest = Static<typeof UpdateWebhookRequest>;

export const WebhookResponse = Type.Object({ webhook: Webhook });
export const ListWebhooksResponse = Type.Object({ webhooks: Type.Array(Webhook) });
const WebhookId = IdParam('Webhook id (GUID).', { code: 'WEBHOOK_NOT_FOUND', message: 'Webhook not found' });
export const WebhookIdParams = Type.Object({ webhookId: WebhookId });

export const DeliveryStatus = Type.Union([Type.Literal('PENDING'), Type.Literal('DELIVERED'), Type.Literal('DEAD')], {
  description: 'PENDING: waiting for its next attempt. DELIVERED: the receiver answered 2xx. DEAD: retries gave up.',
});
export type DeliveryStatus = Static<typeof DeliveryStatus>;

export const WebhookDelivery = Type.Object({
  id: Type.String({ description: 'Delivery id (GUID).' }),
  webhookId: Type.String(),
  eventId: Type.String({ description: 'The event id receivers dedupe on.' }),
  eventType: WebhookEventType,
  status: DeliveryStatus,
  attempts: Type.Integer({ description: 'Attempts started so far.' }),
  lastStatus: Type.Union([Type.Integer(), Type.Null()], { description: 'HTTP status of the last response, if any.' }),
  lastError: Type.Union([Type.String(), Type.Null()], { description: 'Why the last attempt failed.' }),
  nextAttemptDate: Type.Union([Type.String(), Type.Null()], { description: 'When a PENDING delivery is next tried.' }),
  deliveredDate: Type.Union([Type.String(), Type.Null()]),
  createdDate: Type.String(),
});
export type WebhookDelivery = Static<typeof WebhookDelivery>;

/** Deliveries per page of listWebhookDeliveries unless `limit` says. */
export const DELIVERIES_DEFAULT_LIMIT = 50;
export const ListDeliveriesQuery = Type.Object({
  status: Type.Optional(DeliveryStatus),
  limit: PageLimit(DELIVERIES_DEFAULT_LIMIT),
  cursor: PageCursor,
});
export type ListDeliveriesQuery = Static<typeof ListDeliveriesQuery>;
export const ListDeliveriesResponse = Type.Object({
  deliveries: Type.Array(WebhookDelivery, { description: 'Newest first.' }),
  metadata: PageMetadata,
});
export const DeliveryParams = Type.Object({
  webhookId: WebhookId,
  deliveryId: IdParam('Delivery id (GUID).', {
    code: 'WEBHOOK_DELIVERY_NOT_FOUND',
    message: 'Webhook delivery not found',
  }),
});
export const DeliveryResponse = Type.Object({ delivery: WebhookDelivery });

export const PublicKeyResponse = Type.Object({
  publicKey: Type.String({
    description: 'SPKI PEM of the RS256 key that signs `wix`-format deliveries; pass to AppStrategy({ publicKey }).',
  }),
});
