/**
 * Handlers of the webhooks admin operations (catalogue: `src/contract/operations/webhooks.ts`): registrations, the
 * delivery log with redelivery, and the public key that verifies `wix`-format deliveries.
 */
import type { Handlers } from '../http/route.ts';
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

export const webhookHandlers = {
  createWebhook: (deps, req) => createWebhook(deps, req.principal.siteId, req.body.webhook),
  listWebhooks: async (deps, req) => ({ webhooks: await listWebhooks(deps, req.principal.siteId) }),
  getWebhookPublicKey: async (deps, req) => ({ publicKey: await getPublicKey(deps, req.principal.siteId) }),
  getWebhook: async (deps, req) => ({ webhook: await getWebhook(deps, req.principal.siteId, req.params.webhookId) }),
  updateWebhook: async (deps, req) => ({
    webhook: await updateWebhook(deps, req.principal.siteId, req.params.webhookId, req.body.webhook),
  }),
  deleteWebhook: async (deps, req) => {
    await deleteWebhook(deps, req.principal.siteId, req.params.webhookId);
    return {};
  },
  listWebhookDeliveries: async (deps, req) =>
    listDeliveries(deps, req.principal.siteId, req.params.webhookId, req.query),
  redeliverWebhook: async (deps, req) => ({
    delivery: await redeliver(deps, req.principal.siteId, req.params.webhookId, req.params.deliveryId),
  }),
} satisfies Partial<Handlers>;
