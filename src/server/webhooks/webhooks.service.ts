/**
 * Webhook admin operations: register, list, read, update and delete webhooks, list a webhook's deliveries,
 * redeliver one, and the site's public key. Secrets are stored as given (they are needed to sign) and returned
 * only by createWebhook; the private key is never returned.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import {
  type CreateWebhookRequest,
  DELIVERIES_DEFAULT_LIMIT,
  type DeliveryStatus,
  type ListDeliveriesQuery,
  type PageMetadata,
  type UpdateWebhookRequest,
  type Webhook,
  type WebhookDelivery,
} from '../../contract/index.ts';
import type { WebhookDeliveryRow, WebhookRow } from '../db/schema.ts';
import { type DbDeps, iso } from '../deps.ts';
import { AppError, invalid } from '../errors.ts';
import { listPage } from '../query/list-cursor.ts';
import type { SiteCache } from '../sites/site-cache.ts';
import { deliveriesRepo, webhooksRepo } from './webhooks.repo.ts';
import { maskSecret, urlViolations } from './webhooks.rules.ts';
import { generateSiteKeyPair } from './webhooks.signing.ts';

const webhookNotFound = () => new AppError('not_found', 'WEBHOOK_NOT_FOUND', 'Webhook not found');

export function toWebhook(row: WebhookRow): Webhook {
  return {
    id: row.id,
    url: row.url,
    eventTypes: JSON.parse(row.event_types_json) as Webhook['eventTypes'],
    format: row.format,
    ...(row.app_id !== null ? { appId: row.app_id } : {}),
    secretHint: maskSecret(row.secret),
    createdDate: row.created_at,
    updatedDate: row.updated_at,
  };
}

export function toDelivery(row: WebhookDeliveryRow): WebhookDelivery {
  return {
    id: row.id,
    webhookId: row.webhook_id,
    eventId: row.event_id,
    eventType: row.event_type as WebhookDelivery['eventType'],
    status: row.status,
    attempts: row.attempts,
    lastStatus: row.last_status,
    lastError: row.last_error,
    nextAttemptDate: row.status === 'PENDING' ? row.next_attempt_at : null,
    deliveredDate: row.delivered_at,
    createdDate: row.created_at,
  };
}

/** Registers a webhook; the response is the only one that carries the secret. */
export async function createWebhook(
  deps: DbDeps,
  siteId: string,
  input: CreateWebhookRequest['webhook'],
): Promise<{ webhook: Webhook; secret: string }> {
  const violations = urlViolations(input.url, 'webhook.url');
  if (violations.length > 0) throw invalid(violations);
  const now = iso(deps.clock());
  const secret = input.secret ?? `whsec_${randomBytes(24).toString('base64url')}`;
  const row: WebhookRow = {
    site_id: siteId,
    id: randomUUID(),
    url: input.url,
    event_types_json: JSON.stringify(input.eventTypes),
    format: input.format,
    secret,
    app_id: input.appId ?? null,
    created_at: now,
    updated_at: now,
  };
  await webhooksRepo.insert(deps.db, row);
  return { webhook: toWebhook(row), secret };
}

export async function listWebhooks(deps: DbDeps, siteId: string): Promise<Webhook[]> {
  return (await webhooksRepo.list(deps.db, siteId)).map(toWebhook);
}

export async function getWebhook(deps: DbDeps, siteId: string, id: string): Promise<Webhook> {
  const row = await webhooksRepo.get(deps.db, siteId, id);
  if (!row) throw webhookNotFound();
  return toWebhook(row);
}

/** Changes the given fields; deliveries not yet made go to the new URL, in the new format, with the new secret. */
export async function updateWebhook(
  deps: DbDeps,
  siteId: string,
  id: string,
  patch: UpdateWebhookRequest['webhook'],
): Promise<Webhook> {
  if (patch.url !== undefined) {
    const violations = urlViolations(patch.url, 'webhook.url');
    if (violations.length > 0) throw invalid(violations);
  }
  return deps.db.transaction().execute(async (tx) => {
    const row = await webhooksRepo.get(tx, siteId, id);
    if (!row) throw webhookNotFound();
    const next: WebhookRow = {
      ...row,
      ...(patch.url !== undefined ? { url: patch.url } : {}),
      ...(patch.eventTypes !== undefined ? { event_types_json: JSON.stringify(patch.eventTypes) } : {}),
      ...(patch.format !== undefined ? { format: patch.format } : {}),
      ...(patch.secret !== undefined ? { secret: patch.secret } : {}),
      ...(patch.appId !== undefined ? { app_id: patch.appId } : {}),
      updated_at: iso(deps.clock()),
    };
    await webhooksRepo.update(tx, siteId, id, {
      url: next.url,
      event_types_json: next.event_types_json,
      format: next.format,
      secret: next.secret,
      app_id: next.app_id,
      updated_at: next.updated_at,
    });
    return toWebhook(next);
  });
}

/** Deletes a webhook with its delivery log; pending deliveries are dropped. */
export async function deleteWebhook(deps: DbDeps, siteId: string, id: string): Promise<void> {
  const existed = await deps.db.transaction().execute((tx) => webhooksRepo.delete(tx, siteId, id));
  if (!existed) throw webhookNotFound();
}

/**
 * A webhook's deliveries, newest first, optionally in one status, paged by a signed cursor (list-cursor.ts) that is
 * bound to the webhook and carries the status filter.
 */
export async function listDeliveries(
  deps: DbDeps & { sites: Pick<SiteCache, 'get'> },
  siteId: string,
  webhookId: string,
  query: ListDeliveriesQuery,
): Promise<{ deliveries: WebhookDelivery[]; metadata: PageMetadata }> {
  if (!(await webhooksRepo.get(deps.db, siteId, webhookId))) throw webhookNotFound();
  const page = await listPage(
    deps,
    siteId,
    {
      list: 'webhookDeliveries',
      scope: webhookId,
      filter: query.status ?? null,
      cursor: query.cursor,
      limit: query.limit ? Number(query.limit) : DELIVERIES_DEFAULT_LIMIT,
      cursorField: 'query.cursor',
    },
    (status: DeliveryStatus | null, before, limit) =>
      deliveriesRepo.list(
        deps.db,
        siteId,
        webhookId,
        status ?? undefined,
        before as [string, string] | undefined,
        limit,
      ),
    (row) => [row.created_at, row.id],
  );
  return { deliveries: page.rows.map(toDelivery), metadata: { count: page.rows.length, cursors: { next: page.next } } };
}

/** Makes one delivery (delivered, dead or pending) due now with a fresh retry window. */
export async function redeliver(
  deps: DbDeps,
  siteId: string,
  webhookId: string,
  deliveryId: string,
): Promise<WebhookDelivery> {
  return deps.db.transaction().execute(async (tx) => {
    const row = await deliveriesRepo.get(tx, siteId, webhookId, deliveryId);
    if (!row) throw new AppError('not_found', 'WEBHOOK_DELIVERY_NOT_FOUND', 'Webhook delivery not found');
    await deliveriesRepo.redeliver(tx, siteId, deliveryId, iso(deps.clock()));
    const after = await deliveriesRepo.get(tx, siteId, webhookId, deliveryId);
    return toDelivery(after ?? row);
  });
}

/** The site's signing key pair, generated on first use; `created_at` is its revision. */
export async function siteKeys(
  deps: DbDeps,
  siteId: string,
): Promise<{ private_key_pem: string; public_key_pem: string; created_at: string }> {
  const existing = await webhooksRepo.getKeys(deps.db, siteId);
  if (existing) return existing;
  const pair = await generateSiteKeyPair();
  await webhooksRepo.insertKeysIfAbsent(deps.db, siteId, pair.privateKeyPem, pair.publicKeyPem, iso(deps.clock()));
  const stored = await webhooksRepo.getKeys(deps.db, siteId);
  if (!stored) throw new Error('webhook keys vanished after insert');
  return stored;
}

/** The SPKI PEM that verifies this site's `wix`-format deliveries. */
export async function getPublicKey(deps: DbDeps, siteId: string): Promise<string> {
  return (await siteKeys(deps, siteId)).public_key_pem;
}
