/**
 * The site owner's modules beside `reviews`: webhooks and their deliveries, moderation rules (their preview and saved
 * versions) and audit, the trash, abuse reports, privacy (export and erase a person's data), site and engagement
 * settings, and the metrics scrape.
 * Each function is one operation of the catalogue, in its REST shape (`id`, ISO date strings): arguments and answers
 * are typed from the catalogue, and the function only places its arguments in the request. They need an admin key
 * (some also accept an app key with the right scope, see docs/sdk.md); from a visitor or member client, wrap them
 * in `elevate()`.
 */
import type { CallOutput } from '../contract/operations/call.ts';
import type { Transport } from './http.ts';
import { type BodyOf, type OptionsOf, text } from './operation-types.ts';

export interface WebhookDeliveriesModule {
  /**
   * A webhook's deliveries, newest first, with status, attempts and last error; filter by `status`. Cursor paged:
   * `metadata.cursors.next` as `cursor` reads the next page (in the same status).
   */
  list(
    webhookId: string,
    options?: OptionsOf<'listWebhookDeliveries', 'limit'>,
  ): Promise<CallOutput<'listWebhookDeliveries'>>;
  /** Sends one delivery again now, with a fresh retry window. */
  redeliver(webhookId: string, deliveryId: string): Promise<CallOutput<'redeliverWebhook'>>;
}

export interface WebhooksModule {
  /** Registers a webhook; the answer's `secret` signs `json` deliveries and is shown only this once. */
  create(webhook: BodyOf<'createWebhook'>['webhook']): Promise<CallOutput<'createWebhook'>>;
  /** The site's webhooks, oldest first. */
  list(): Promise<CallOutput<'listWebhooks'>>;
  get(webhookId: string): Promise<CallOutput<'getWebhook'>>;
  /** Changes the fields given (URL, event types, format, secret, app id). */
  update(webhookId: string, changes: BodyOf<'updateWebhook'>['webhook']): Promise<CallOutput<'updateWebhook'>>;
  /** Deletes a webhook with its delivery log. */
  delete(webhookId: string): Promise<CallOutput<'deleteWebhook'>>;
  /** The PEM public key that verifies `wix`-format deliveries (`verifyWixWebhook`). */
  getPublicKey(): Promise<CallOutput<'getWebhookPublicKey'>>;
  deliveries: WebhookDeliveriesModule;
}

export interface ModerationRuleVersionsModule {
  /** The saved versions of a namespace's rules, newest first; `metadata.cursors.next` as `cursor` pages on. */
  list(
    namespace: string,
    options?: Omit<OptionsOf<'listModerationRuleVersions', 'before' | 'limit'>, 'namespace'>,
  ): Promise<CallOutput<'listModerationRuleVersions'>>;
  /** One saved version of a namespace's rules (MODERATION_RULES_VERSION_NOT_FOUND when there is none). */
  get(namespace: string, version: number): Promise<CallOutput<'getModerationRuleVersion'>>;
}

export interface ModerationRulesModule {
  /** A namespace's rules (derived from the site setting until rules are saved), with their version. */
  get(namespace: string): Promise<CallOutput<'getModerationRules'>>;
  /** Replaces a namespace's rules; with `expectedVersion`, only if it is still current (else REVISION_MISMATCH). */
  update(request: BodyOf<'updateModerationRules'>): Promise<CallOutput<'updateModerationRules'>>;
  /** The status a sample review would get from the given rules (the current ones when none), and the rule that matched. */
  preview(request: BodyOf<'previewModerationRules'>): Promise<CallOutput<'previewModerationRules'>>;
  versions: ModerationRuleVersionsModule;
}

export interface ModerationAuditModule {
  /** Moderation decisions, oldest first, by review and/or time range (`from`, `to`: ISO dates), cursor paged. */
  query(options?: OptionsOf<'queryModerationAudit', 'limit'>): Promise<CallOutput<'queryModerationAudit'>>;
}

export interface ModerationModule {
  rules: ModerationRulesModule;
  audit: ModerationAuditModule;
}

export interface TrashModule {
  /** Deleted reviews, most recently deleted first, each with the date it is purged for good; cursor paged. */
  list(options?: OptionsOf<'listTrash', 'limit'>): Promise<CallOutput<'listTrash'>>;
  /** Restores a deleted review (REVIEW_ALREADY_EXISTS when its author has written a new one of the entity). */
  restore(reviewId: string): Promise<CallOutput<'restoreReview'>>;
}

export interface ReportsModule {
  /** A review's abuse reports, oldest first, with the open count; reporters are never named. */
  list(reviewId: string, options?: OptionsOf<'listReviewReports', 'limit'>): Promise<CallOutput<'listReviewReports'>>;
  /** Dismisses a review's open reports: they stop counting toward the threshold. */
  dismiss(reviewId: string): Promise<CallOutput<'dismissReviewReports'>>;
}

export interface PrivacyModule {
  /** Everything held about a person (contact, reviews, votes, reports), as JSON. */
  exportContact(contactId: string): Promise<CallOutput<'exportContact'>>;
  /** Erases a person with their reviews, votes and reports, at once and for good. */
  eraseContact(contactId: string): Promise<CallOutput<'eraseContact'>>;
}

export interface SiteSettingsModule {
  /** The site's moderation setting (the fallback of a namespace without rules). */
  get(): Promise<CallOutput<'getSiteSettings'>>;
  update(settings: BodyOf<'updateSiteSettings'>['settings']): Promise<CallOutput<'updateSiteSettings'>>;
}

export interface EngagementSettingsModule {
  /** The site's engagement settings (the report threshold). */
  get(): Promise<CallOutput<'getEngagementSettings'>>;
  update(settings: BodyOf<'updateEngagementSettings'>['settings']): Promise<CallOutput<'updateEngagementSettings'>>;
}

export interface SettingsModule {
  site: SiteSettingsModule;
  engagement: EngagementSettingsModule;
}

export interface MetricsModule {
  /** This instance's Prometheus metrics, as text (when the server has no separate METRICS_PORT). */
  read(): Promise<CallOutput<'readMetrics'>>;
}

export interface AdminModules {
  webhooks: WebhooksModule;
  moderation: ModerationModule;
  trash: TrashModule;
  reports: ReportsModule;
  privacy: PrivacyModule;
  settings: SettingsModule;
  metrics: MetricsModule;
}

export function adminModules({ call }: Transport): AdminModules {
  return {
    webhooks: {
      create: (webhook) => call('createWebhook', { body: { webhook } }),
      list: () => call('listWebhooks'),
      get: (webhookId) => call('getWebhook', { params: { webhookId } }),
      update: (webhookId, changes) => call('updateWebhook', { params: { webhookId }, body: { webhook: changes } }),
      delete: (webhookId) => call('deleteWebhook', { params: { webhookId } }),
      getPublicKey: () => call('getWebhookPublicKey'),
      deliveries: {
        list: (webhookId, options = {}) =>
          call('listWebhookDeliveries', { params: { webhookId }, query: { ...options, limit: text(options.limit) } }),
        redeliver: (webhookId, deliveryId) => call('redeliverWebhook', { params: { webhookId, deliveryId } }),
      },
    },
    moderation: {
      rules: {
        get: (namespace) => call('getModerationRules', { query: { namespace } }),
        update: (request) => call('updateModerationRules', { body: request }),
        preview: (request) => call('previewModerationRules', { body: request }),
        versions: {
          list: (namespace, options = {}) =>
            call('listModerationRuleVersions', {
              query: { ...options, namespace, before: text(options.before), limit: text(options.limit) },
            }),
          get: (namespace, version) =>
            call('getModerationRuleVersion', { params: { version: String(version) }, query: { namespace } }),
        },
      },
      audit: {
        query: (options = {}) => call('queryModerationAudit', { query: { ...options, limit: text(options.limit) } }),
      },
    },
    trash: {
      list: (options = {}) => call('listTrash', { query: { ...options, limit: text(options.limit) } }),
      restore: (reviewId) => call('restoreReview', { params: { reviewId } }),
    },
    reports: {
      list: (reviewId, options = {}) =>
        call('listReviewReports', { params: { reviewId }, query: { ...options, limit: text(options.limit) } }),
      dismiss: (reviewId) => call('dismissReviewReports', { params: { reviewId } }),
    },
    privacy: {
      exportContact: (contactId) => call('exportContact', { params: { contactId } }),
      eraseContact: (contactId) => call('eraseContact', { params: { contactId } }),
    },
    settings: {
      site: {
        get: () => call('getSiteSettings'),
        update: (settings) => call('updateSiteSettings', { body: { settings } }),
      },
      engagement: {
        get: () => call('getEngagementSettings'),
        update: (settings) => call('updateEngagementSettings', { body: { settings } }),
      },
    },
    metrics: {
      read: () => call('readMetrics'),
    },
  };
}
