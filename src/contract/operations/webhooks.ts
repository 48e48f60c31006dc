/**
 * The webhooks admin operations under `/verdict/v1` (owner only, docs/webhooks.md): registrations, the delivery
 * log with redelivery, and the public key that verifies `wix`-format deliveries.
 */
import { Type } from 'typebox';
import {
  CreateWebhookRequest,
  CreateWebhookResponse,
  DeliveryParams,
  DeliveryResponse,
  ListDeliveriesQuery,
  ListDeliveriesResponse,
  ListWebhooksResponse,
  PublicKeyResponse,
  UpdateWebhookRequest,
  WebhookIdParams,
  WebhookResponse,
} from '../webhooks.ts';
import { type Operation, OWNER } from './define.ts';
import * as routes from './routes.ts';

export const DeleteWebhookResponse = Type.Object({});

const tag = 'webhooks';

export const webhookOperations = {
  createWebhook: {
    ...routes.createWebhook,
    summary: 'Register a webhook (URL, event types, format); the response carries the secret, shown only once',
    tag,
    access: OWNER,
    body: CreateWebhookRequest,
    response: CreateWebhookResponse,
    errors: [],
  },
  listWebhooks: {
    ...routes.listWebhooks,
    summary: "The site's webhooks, oldest first",
    tag,
    access: OWNER,
    response: ListWebhooksResponse,
    errors: [],
  },
  getWebhookPublicKey: {
    ...routes.getWebhookPublicKey,
    summary: 'Public key (SPKI PEM) verifying wix-format deliveries; generated on first use',
    tag,
    access: OWNER,
    response: PublicKeyResponse,
    errors: [],
  },
  getWebhook: {
    ...routes.getWebhook,
    summary: 'One webhook',
    tag,
    access: OWNER,
    params: WebhookIdParams,
    response: WebhookResponse,
    errors: ['WEBHOOK_NOT_FOUND'],
  },
  updateWebhook: {
    ...routes.updateWebhook,
    summary: 'Change the URL, event types, format or secret of a webhook',
    tag,
    access: OWNER,
    params: WebhookIdParams,
    body: UpdateWebhookRequest,
    response: WebhookResponse,
    errors: ['WEBHOOK_NOT_FOUND'],
  },
  deleteWebhook: {
    ...routes.deleteWebhook,
    summary: 'Delete a webhook with its delivery log',
    tag,
    access: OWNER,
    params: WebhookIdParams,
    response: DeleteWebhookResponse,
    errors: ['WEBHOOK_NOT_FOUND'],
  },
  listWebhookDeliveries: {
    ...routes.listWebhookDeliveries,
    summary: "A webhook's deliveries, newest first, cursor paged: status, attempts, last error",
    tag,
    access: OWNER,
    params: WebhookIdParams,
    query: ListDeliveriesQuery,
    response: ListDeliveriesResponse,
    errors: ['WEBHOOK_NOT_FOUND'],
  },
  redeliverWebhook: {
    ...routes.redeliverWebhook,
    summary: 'Send one delivery again now, with a fresh retry window',
    tag,
    access: OWNER,
    params: DeliveryParams,
    response: DeliveryResponse,
    errors: ['WEBHOOK_NOT_FOUND', 'WEBHOOK_DELIVERY_NOT_FOUND'],
  },
} as const satisfies Record<string, Operation>;
