/**
 * Where each operation of the catalogue is served: its HTTP method and canonical path, as plain data. This is the
 * runtime half of the catalogue (`index.ts` adds schemas, errors and access): the typed `call()` client, the SDK
 * and the widget import it, so it must stay free of TypeBox. One `export const` per operation, so a bundle that
 * calls a few operations (the widget) carries only those rows. The export name is the operation name.
 *
 * Paths are Fastify templates (`:reviewId`). A path under a prefix of `API_PREFIXES` (`paths.ts`) is also served
 * under that prefix's aliases (`/_api/reviews/v1/…`).
 */
import type { OperationRoute } from './paths.ts';

// ── Wix Reviews (docs/wix-api.md §4) ──────────────────────────────────────────────────────────────────────────────
export const createReview = { method: 'POST', path: '/reviews/v1/reviews' } as const satisfies OperationRoute;
export const createReviewAndContact = {
  method: 'POST',
  path: '/reviews/v1/reviews/contact',
} as const satisfies OperationRoute;
export const queryReviews = { method: 'POST', path: '/reviews/v1/reviews/query' } as const satisfies OperationRoute;
export const countReviews = { method: 'POST', path: '/reviews/v1/reviews/count' } as const satisfies OperationRoute;
export const getReview = { method: 'GET', path: '/reviews/v1/reviews/:reviewId' } as const satisfies OperationRoute;
export const updateReview = {
  method: 'PATCH',
  path: '/reviews/v1/reviews/:reviewId',
} as const satisfies OperationRoute;
export const updateReviewContent = {
  method: 'PUT',
  path: '/reviews/v1/reviews/content/:reviewId',
} as const satisfies OperationRoute;
export const deleteReview = {
  method: 'DELETE',
  path: '/reviews/v1/reviews/:reviewId',
} as const satisfies OperationRoute;
export const setReply = {
  method: 'PATCH',
  path: '/reviews/v1/reviews/:reviewId/reply',
} as const satisfies OperationRoute;
export const removeReply = {
  method: 'DELETE',
  path: '/reviews/v1/reviews/:reviewId/reply',
} as const satisfies OperationRoute;
export const updateModerationStatus = {
  method: 'PATCH',
  path: '/reviews/v1/reviews/:reviewId/moderate',
} as const satisfies OperationRoute;
export const bulkCreateReview = {
  method: 'POST',
  path: '/reviews/v1/bulk/reviews/create',
} as const satisfies OperationRoute;
export const bulkDeleteReviews = {
  method: 'POST',
  path: '/reviews/v1/bulk/reviews/delete',
} as const satisfies OperationRoute;
export const bulkUpdateModerationStatus = {
  method: 'POST',
  path: '/reviews/v1/bulk/reviews/moderate',
} as const satisfies OperationRoute;

// ── Contacts v4 subset (docs/wix-api.md §12) ─────────────────────────────────────────────────────────────────────
export const createContact = { method: 'POST', path: '/contacts/v4/contacts' } as const satisfies OperationRoute;
export const queryContacts = { method: 'POST', path: '/contacts/v4/contacts/query' } as const satisfies OperationRoute;
export const getContact = { method: 'GET', path: '/contacts/v4/contacts/:contactId' } as const satisfies OperationRoute;

// ── Visitor tokens (docs/product.md §2) ──────────────────────────────────────────────────────────────────────────
export const createAccessToken = { method: 'POST', path: '/oauth2/token' } as const satisfies OperationRoute;

// ── Verdict: jobs, event feed, rating summaries, member tokens, site settings, metrics ──────────────────────────
export const getJob = { method: 'GET', path: '/verdict/v1/jobs/:jobId' } as const satisfies OperationRoute;
export const readEvents = { method: 'GET', path: '/verdict/v1/events' } as const satisfies OperationRoute;
export const getRatingSummary = {
  method: 'GET',
  path: '/verdict/v1/ratings/summary',
} as const satisfies OperationRoute;
export const batchRatingSummaries = {
  method: 'POST',
  path: '/verdict/v1/ratings/summaries',
} as const satisfies OperationRoute;
export const createMemberToken = {
  method: 'POST',
  path: '/verdict/v1/members/tokens',
} as const satisfies OperationRoute;
export const getSiteSettings = { method: 'GET', path: '/verdict/v1/site/settings' } as const satisfies OperationRoute;
export const updateSiteSettings = {
  method: 'PUT',
  path: '/verdict/v1/site/settings',
} as const satisfies OperationRoute;
export const readMetrics = { method: 'GET', path: '/metrics' } as const satisfies OperationRoute;

// ── Verdict: webhooks (docs/webhooks.md) ─────────────────────────────────────────────────────────────────────────
export const createWebhook = { method: 'POST', path: '/verdict/v1/webhooks' } as const satisfies OperationRoute;
export const listWebhooks = { method: 'GET', path: '/verdict/v1/webhooks' } as const satisfies OperationRoute;
export const getWebhookPublicKey = {
  method: 'GET',
  path: '/verdict/v1/webhooks/public-key',
} as const satisfies OperationRoute;
export const getWebhook = { method: 'GET', path: '/verdict/v1/webhooks/:webhookId' } as const satisfies OperationRoute;
export const updateWebhook = {
  method: 'PATCH',
  path: '/verdict/v1/webhooks/:webhookId',
} as const satisfies OperationRoute;
export const deleteWebhook = {
  method: 'DELETE',
  path: '/verdict/v1/webhooks/:webhookId',
} as const satisfies OperationRoute;
export const listWebhookDeliveries = {
  method: 'GET',
  path: '/verdict/v1/webhooks/:webhookId/deliveries',
} as const satisfies OperationRoute;
export const redeliverWebhook = {
  method: 'POST',
  path: '/verdict/v1/webhooks/:webhookId/deliveries/:deliveryId/redeliver',
} as const satisfies OperationRoute;

// ── Verdict: moderation rules and audit ──────────────────────────────────────────────────────────────────────────
export const getModerationRules = {
  method: 'GET',
  path: '/verdict/v1/moderation/rules',
} as const satisfies OperationRoute;
export const updateModerationRules = {
  method: 'PUT',
  path: '/verdict/v1/moderation/rules',
} as const satisfies OperationRoute;
export const queryModerationAudit = {
  method: 'GET',
  path: '/verdict/v1/moderation/audit',
} as const satisfies OperationRoute;

export const previewModerationRules = {
  method: 'POST',
  path: '/verdict/v1/moderation/rules/preview',
} as const satisfies OperationRoute;
export const listModerationRuleVersions = {
  method: 'GET',
  path: '/verdict/v1/moderation/rules/versions',
} as const satisfies OperationRoute;
export const getModerationRuleVersion = {
  method: 'GET',
  path: '/verdict/v1/moderation/rules/versions/:version',
} as const satisfies OperationRoute;

// ── Verdict: the owner's data — API keys, import and export, insights ────────────────────────────────────────────
export const listApiKeys = { method: 'GET', path: '/verdict/v1/keys' } as const satisfies OperationRoute;
export const createApiKey = { method: 'POST', path: '/verdict/v1/keys' } as const satisfies OperationRoute;
export const revokeApiKey = { method: 'DELETE', path: '/verdict/v1/keys/:keyId' } as const satisfies OperationRoute;
export const startImport = { method: 'POST', path: '/verdict/v1/imports' } as const satisfies OperationRoute;
export const exportReviews = { method: 'GET', path: '/verdict/v1/exports' } as const satisfies OperationRoute;
export const getInsights = { method: 'GET', path: '/verdict/v1/insights' } as const satisfies OperationRoute;

// ── Verdict: engagement and data care (docs/engagement.md) ───────────────────────────────────────────────────────
export const castVote = {
  method: 'POST',
  path: '/verdict/v1/reviews/:reviewId/votes',
} as const satisfies OperationRoute;
export const reportReview = {
  method: 'POST',
  path: '/verdict/v1/reviews/:reviewId/reports',
} as const satisfies OperationRoute;
export const listReviewReports = {
  method: 'GET',
  path: '/verdict/v1/reviews/:reviewId/reports',
} as const satisfies OperationRoute;
export const dismissReviewReports = {
  method: 'POST',
  path: '/verdict/v1/reviews/:reviewId/reports/dismiss',
} as const satisfies OperationRoute;
export const listTrash = { method: 'GET', path: '/verdict/v1/trash' } as const satisfies OperationRoute;
export const restoreReview = {
  method: 'POST',
  path: '/verdict/v1/reviews/:reviewId/restore',
} as const satisfies OperationRoute;
export const eraseContact = {
  method: 'POST',
  path: '/verdict/v1/contacts/:contactId/erase',
} as const satisfies OperationRoute;
export const exportContact = {
  method: 'GET',
  path: '/verdict/v1/contacts/:contactId/export',
} as const satisfies OperationRoute;
export const getEngagementSettings = {
  method: 'GET',
  path: '/verdict/v1/engagement/settings',
} as const satisfies OperationRoute;
export const updateEngagementSettings = {
  method: 'PUT',
  path: '/verdict/v1/engagement/settings',
} as const satisfies OperationRoute;

// ── The review page: public, no credentials ──────────────────────────────────────────────────────────────────────
export const getReviewPage = { method: 'GET', path: '/verdict/v1/embed/reviews' } as const satisfies OperationRoute;
export const getReviewFragment = {
  method: 'GET',
  path: '/verdict/v1/embed/reviews.html',
} as const satisfies OperationRoute;
export const getProductJsonLd = {
  method: 'GET',
  path: '/verdict/v1/embed/reviews.jsonld',
} as const satisfies OperationRoute;

// ── Dashboard: sign-in, sessions and users (docs/adr/0014) ──────────────────────────────────────────────────────
export const signIn = { method: 'POST', path: '/verdict/v1/dashboard/sign-in' } as const satisfies OperationRoute;
export const getSession = { method: 'GET', path: '/verdict/v1/dashboard/session' } as const satisfies OperationRoute;
export const signOut = { method: 'POST', path: '/verdict/v1/dashboard/sign-out' } as const satisfies OperationRoute;
export const changePassword = {
  method: 'POST',
  path: '/verdict/v1/dashboard/password',
} as const satisfies OperationRoute;
export const listUsers = { method: 'GET', path: '/verdict/v1/dashboard/users' } as const satisfies OperationRoute;
export const createUser = { method: 'POST', path: '/verdict/v1/dashboard/users' } as const satisfies OperationRoute;
export const updateUser = {
  method: 'PATCH',
  path: '/verdict/v1/dashboard/users/:userId',
} as const satisfies OperationRoute;
export const deleteUser = {
  method: 'DELETE',
  path: '/verdict/v1/dashboard/users/:userId',
} as const satisfies OperationRoute;
export const listSessions = {
  method: 'GET',
  path: '/verdict/v1/dashboard/sessions',
} as const satisfies OperationRoute;
export const endSession = {
  method: 'DELETE',
  path: '/verdict/v1/dashboard/sessions/:sessionId',
} as const satisfies OperationRoute;
export const queryUserAudit = {
  method: 'GET',
  path: '/verdict/v1/dashboard/audit',
} as const satisfies OperationRoute;
