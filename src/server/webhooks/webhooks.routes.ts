/**
 * The webhooks admin API under `/verdict/v1` (owner only): registrations, the delivery log with redelivery, and
 * the public key that verifies `wix`-format deliveries.
 */
import { Type } from 'typebox';
import {
  CreateWebhookRequest,
  CreateWebhookResponse,
  DeliveryParams,
  DeliveryResponse,
  ErrorBody,
  ListDeliveriesQuery,
  ListDeliveriesResponse,
  ListWebhooksResponse,
  PublicKeyResponse,
  UpdateWebhookRequest,
  WebhookIdParams,
  WebhookResponse,
} from '../../contract/index.ts';
import { type RouteDef, route } from '../http/route.ts';
import {
  createWebhook,
  deleteWebhook,
  getPublicKey,
  getWebhook,
  listDeliveries,
  listWebhooks,
  redeliver,
  updateWebhook,
} from './webhooks.service.ts';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };

export const webhookRoutes: RouteDef[] = [
  route({
    operation: 'createWebhook',
    method: 'POST',
    path: '/webhooks',
    summary: 'Register a webhook (URL, event types, format); the response carries the secret, shown only once',
    schema: { body: CreateWebhookRequest, response: { 200: CreateWebhookResponse, ...errors } },
    handler: (deps, req) => createWebhook(deps, req.principal.siteId, req.body.webhook),
  }),
  route({
    operation: 'listWebhooks',
    method: 'GET',
    path: '/webhooks',
    summary: "The site's webhooks, oldest first",
    schema: { response: { 200: ListWebhooksResponse, ...errors } },
    handler: async (deps, req) => ({ webhooks: await listWebhooks(deps, req.principal.siteId) }),
  }),
  route({
    operation: 'getWebhookPublicKey',
    method: 'GET',
    path: '/webhooks/public-key',
    summary: 'Public key (SPKI PEM) verifying wix-format deliveries; generated on first use',
    schema: { response: { 200: PublicKeyResponse, ...errors } },
    handler: async (deps, req) => ({ publicKey: await getPublicKey(deps, req.principal.siteId) }),
  }),
  route({
    operation: 'getWebhook',
    method: 'GET',
    path: '/webhooks/:webhookId',
    summary: 'One webhook',
    schema: { params: WebhookIdParams, response: { 200: WebhookResponse, ...errors } },
    handler: async (deps, req) => ({ webhook: await getWebhook(deps, req.principal.siteId, req.params.webhookId) }),
  }),
  route({
    operation: 'updateWebhook',
    method: 'PATCH',
    path: '/webhooks/:webhookId',
    summary: 'Change the URL, event types, format or secret of a webhook',
    schema: { params: WebhookIdParams, body: UpdateWebhookRequest, response: { 200: WebhookResponse, ...errors } },
    handler: async (deps, req) => ({
      webhook: await updateWebhook(deps, req.principal.siteId, req.params.webhookId, req.body.webhook),
    }),
  }),
  route({
    operation: 'deleteWebhook',
    method: 'DELETE',
    path: '/webhooks/:webhookId',
    summary: 'Delete a webhook with its delivery log',
    schema: { params: WebhookIdParams, response: { 200: Type.Object({}), ...errors } },
    handler: async (deps, req) => {
      await deleteWebhook(deps, req.principal.siteId, req.params.webhookId);
      return {};
    },
  }),
  route({
    operation: 'listWebhookDeliveries',
    method: 'GET',
    path: '/webhooks/:webhookId/deliveries',
    summary: "A webhook's deliveries, newest first: status, attempts, last error",
    schema: {
      params: WebhookIdParams,
      querystring: ListDeliveriesQuery,
      response: { 200: ListDeliveriesResponse, ...errors },
    },
    handler: async (deps, req) => ({
      deliveries: await listDeliveries(deps, req.principal.siteId, req.params.webhookId, {
        status: req.query.status,
        limit: req.query.limit ? Number(req.query.limit) : undefined,
      }),
    }),
  }),
  route({
    operation: 'redeliverWebhook',
    method: 'POST',
    path: '/webhooks/:webhookId/deliveries/:deliveryId/redeliver',
    summary: 'Send one delivery again now, with a fresh retry window',
    schema: { params: DeliveryParams, response: { 200: DeliveryResponse, ...errors } },
    handler: async (deps, req) => ({
      delivery: await redeliver(deps, req.principal.siteId, req.params.webhookId, req.params.deliveryId),
    }),
  }),
];
