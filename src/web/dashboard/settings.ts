/**
 * `<vd-settings>` (owner only): when reviews are held for moderation, how many reports send a published review back,
 * and the webhooks with their recent deliveries (status, last error, redeliver).
 */
import { css, html, LitElement, nothing, type TemplateResult } from 'lit';
import type { SiteSettings, Webhook, WebhookDelivery } from '../../contract/index.ts';
import { type DashboardApi, describeError } from './api.ts';
import { when } from './format.ts';
import type { DashboardUser } from './session.ts';
import { shared } from './styles.ts';

type Mode = SiteSettings['moderation']['mode'];
const MODES: readonly { mode: Mode; label: string }[] = [
  { mode: 'APPROVE_ALL', label: 'Publish every review at once (moderation off)' },
  { mode: 'HOLD_ALL', label: 'Hold every review until someone approves it' },
  { mode: 'HOLD_RATINGS', label: 'Hold reviews with the ratings chosen below' },
];

/** The part of a webhook's delivery log read so far: "Load more" reads the next page after it. */
interface DeliveryLog {
  items: WebhookDelivery[];
  next: string | null;
  loading: boolean;
}

/** Deliveries per page of a webhook's log. */
const DELIVERIES_PAGE_SIZE = 20;

export class VdSettings extends LitElement {
  static override styles = [
    shared,
    css`
      fieldset { border: 1px solid #d8d8d4; border-radius: 0.4rem; margin: 0 0 0.75rem; padding: 0.5rem 0.75rem; }
      legend { font-weight: 600; }
      .choice { display: flex; align-items: center; gap: 0.5rem; min-height: 2.25rem; }
      .choice input { width: 1.25rem; height: 1.25rem; min-height: 0; margin: 0; display: inline-block; }
      .choice label { font-weight: 400; }
      .narrow { max-width: 14rem; }
    `,
  ];
  static override properties = {
    site: { state: true },
    threshold: { state: true },
    webhooks: { state: true },
    deliveries: { state: true },
    messages: { state: true },
  };

  declare api: DashboardApi;
  declare user: DashboardUser;
  declare site: SiteSettings | undefined;
  declare threshold: number | undefined;
  declare webhooks: Webhook[] | undefined;
  /** Deliveries of the webhooks whose list is open, by webhook id. */
  /** Each open delivery log: the deliveries read so far (newest first), the next page's cursor, a page loading. */
  declare deliveries: Record<string, DeliveryLog | 'loading'>;
  /** The outcome of the last action of each section. */
  declare messages: Record<string, { kind: 'status' | 'error'; text: string }>;

  constructor() {
    super();
    this.deliveries = {};
    this.messages = {};
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
  }

  private say(section: string, kind: 'status' | 'error', text: string): void {
    this.messages = { ...this.messages, [section]: { kind, text } };
  }

  private async load(): Promise<void> {
    await Promise.all([
      this.api.call('getSiteSettings').then(
        (r) => (this.site = r.settings),
        (err) => this.say('moderation', 'error', `Could not load: ${describeError(err)}`),
      ),
      this.api.call('getEngagementSettings').then(
        (r) => (this.threshold = r.settings.reportThreshold),
        (err) => this.say('reports', 'error', `Could not load: ${describeError(err)}`),
      ),
      this.api.call('listWebhooks').then(
        (r) => (this.webhooks = r.webhooks),
        (err) => {
          this.webhooks = [];
          this.say('webhooks', 'error', `Could not load: ${describeError(err)}`);
        },
      ),
    ]);
  }

  private async saveModeration(e: SubmitEvent): Promise<void> {
    e.preventDefault();
    const data = new FormData(e.target as HTMLFormElement);
    const mode = String(data.get('mode')) as Mode;
    const heldRatings = data.getAll('held').map(Number);
    if (mode === 'HOLD_RATINGS' && heldRatings.length === 0) {
      this.say('moderation', 'error', 'Choose at least one rating to hold, or pick another option.');
      return;
    }
    try {
      const r = await this.api.call('updateSiteSettings', {
        body: { settings: { moderation: { mode, heldRatings: mode === 'HOLD_RATINGS' ? heldRatings : [] } } },
      });
      this.site = r.settings;
      this.say('moderation', 'status', 'Moderation settings saved. They apply to reviews written from now on.');
    } catch (err) {
      this.say('moderation', 'error', `Not saved: ${describeError(err)}`);
    }
  }

  private async saveThreshold(e: SubmitEvent): Promise<void> {
    e.preventDefault();
    const value = Number(new FormData(e.target as HTMLFormElement).get('threshold'));
    if (!Number.isInteger(value) || value < 1 || value > 1000) {
      this.say('reports', 'error', 'The threshold is a whole number from 1 to 1,000.');
      return;
    }
    try {
      const r = await this.api.call('updateEngagementSettings', { body: { settings: { reportThreshold: value } } });
      this.threshold = r.settings.reportThreshold;
      this.say('reports', 'status', 'Report threshold saved.');
    } catch (err) {
      this.say('reports', 'error', `Not saved: ${describeError(err)}`);
    }
  }

  private async toggleDeliveries(webhookId: string): Promise<void> {
    if (this.deliveries[webhookId]) {
      const { [webhookId]: _closed, ...rest } = this.deliveries;
      this.deliveries = rest;
      return;
    }
    await this.loadDeliveries(webhookId);
  }

  /** Reads the newest page of a webhook's deliveries, or with `more` the page after those shown. */
  private async loadDeliveries(webhookId: string, more = false): Promise<void> {
    const shown = this.deliveries[webhookId];
    const after = more && shown && shown !== 'loading' ? shown : undefined;
    if (more && (!after || after.next === null)) return;
    this.deliveries = { ...this.deliveries, [webhookId]: after ? { ...after, loading: true } : 'loading' };
    try {
      const r = await this.api.call('listWebhookDeliveries', {
        params: { webhookId },
        query: { limit: String(DELIVERIES_PAGE_SIZE), ...(after?.next ? { cursor: after.next } : {}) },
      });
      const items = [...(after?.items ?? []), ...r.deliveries];
      this.deliveries = { ...this.deliveries, [webhookId]: { items, next: r.metadata.cursors.next, loading: false } };
    } catch (err) {
      this.deliveries = {
        ...this.deliveries,
        [webhookId]: after ? { ...after, loading: false } : { items: [], next: null, loading: false },
      };
      this.say('webhooks', 'error', `Could not load the deliveries: ${describeError(err)}`);
    }
  }

  private async redeliver(d: WebhookDelivery): Promise<void> {
    try {
      await this.api.call('redeliverWebhook', { params: { webhookId: d.webhookId, deliveryId: d.id } });
      this.say('webhooks', 'status', `Delivery of ${d.eventType} queued again.`);
      await this.loadDeliveries(d.webhookId);
    } catch (err) {
      this.say('webhooks', 'error', `Could not redeliver: ${describeError(err)}`);
    }
  }

  private message(section: string): TemplateResult | typeof nothing {
    const m = this.messages[section];
    if (!m) return nothing;
    return m.kind === 'error'
      ? html`<div class="error" role="alert">${m.text}</div>`
      : html`<div class="status" role="status">${m.text}</div>`;
  }

  override render(): TemplateResult {
    return html`<h1>Settings</h1>
      ${this.renderModeration()}
      <vd-rules .api=${this.api}></vd-rules>
      ${this.renderReports()} ${this.renderWebhooks()}
      <vd-keys .api=${this.api}></vd-keys>
      <vd-users .api=${this.api} .me=${this.user}></vd-users>`;
  }

  private renderModeration(): TemplateResult {
    const s = this.site;
    return html`<section class="card" aria-labelledby="mod-h">
      <h2 id="mod-h">Moderation</h2>
      ${this.message('moderation')}
      ${
        !s
          ? html`<p role="status">Loading…</p>`
          : html`<form @submit=${(e: SubmitEvent) => this.saveModeration(e)}>
            <fieldset>
              <legend>New reviews</legend>
              ${MODES.map(
                (m) => html`<div class="choice">
                  <input type="radio" id="mode-${m.mode}" name="mode" value=${m.mode} ?checked=${s.moderation.mode === m.mode} />
                  <label for="mode-${m.mode}">${m.label}</label>
                </div>`,
              )}
            </fieldset>
            <fieldset>
              <legend>Ratings to hold</legend>
              <div class="row">
                ${[1, 2, 3, 4, 5].map(
                  (n) => html`<span class="choice">
                    <input type="checkbox" id="held-${n}" name="held" value=${n} ?checked=${s.moderation.heldRatings.includes(n)} />
                    <label for="held-${n}">${n} ${n === 1 ? 'star' : 'stars'}</label>
                  </span>`,
                )}
              </div>
            </fieldset>
            <button class="primary" type="submit">Save moderation settings</button>
          </form>`
      }
    </section>`;
  }

  private renderReports(): TemplateResult {
    return html`<section class="card" aria-labelledby="rep-h">
      <h2 id="rep-h">Reports</h2>
      ${this.message('reports')}
      ${
        this.threshold === undefined
          ? html`<p role="status">Loading…</p>`
          : html`<form @submit=${(e: SubmitEvent) => this.saveThreshold(e)}>
            <div class="narrow">
              <label for="threshold">Reports that send a published review back to moderation</label>
              <input id="threshold" name="threshold" type="number" min="1" max="1000" step="1" .value=${String(this.threshold)} />
            </div>
            <p></p>
            <button class="primary" type="submit">Save threshold</button>
          </form>`
      }
    </section>`;
  }

  private renderWebhooks(): TemplateResult {
    const hooks = this.webhooks;
    return html`<section class="card" aria-labelledby="hooks-h">
      <h2 id="hooks-h">Webhooks</h2>
      ${this.message('webhooks')}
      ${
        hooks === undefined
          ? html`<p role="status">Loading…</p>`
          : hooks.length === 0
            ? html`<p class="muted">No webhooks. Register one with <code>POST /verdict/v1/webhooks</code> (see the API reference at <a href="/docs">/docs</a>).</p>`
            : html`<ul>
              ${hooks.map((h) => {
                const deliveries = this.deliveries[h.id];
                return html`<li>
                  <p><strong class="pre">${h.url}</strong> <span class="muted">(${h.format}, ${h.eventTypes.length} event types, secret ${h.secretHint})</span></p>
                  <button aria-expanded=${deliveries ? 'true' : 'false'} @click=${() => this.toggleDeliveries(h.id)}>
                    ${deliveries ? 'Hide deliveries' : 'Show recent deliveries'}
                  </button>
                  ${
                    deliveries === 'loading'
                      ? html`<p role="status">Loading…</p>`
                      : deliveries
                        ? this.renderDeliveries(h.id, deliveries)
                        : nothing
                  }
                </li>`;
              })}
            </ul>`
      }
    </section>`;
  }

  private renderDeliveries(webhookId: string, log: DeliveryLog): TemplateResult {
    const deliveries = log.items;
    if (deliveries.length === 0) return html`<p class="muted">Nothing delivered yet.</p>`;
    return html`<div class="scroll" aria-busy=${log.loading ? 'true' : 'false'}>
      <table>
        <caption class="sr-only">Recent deliveries, newest first</caption>
        <thead>
          <tr><th scope="col">Event</th><th scope="col">Status</th><th scope="col">Attempts</th><th scope="col">Last error</th><th scope="col">Created</th><th scope="col"><span class="sr-only">Action</span></th></tr>
        </thead>
        <tbody>
          ${deliveries.map(
            (d) => html`<tr>
              <td>${d.eventType}</td>
              <td>${d.status}${d.lastStatus !== null ? ` (HTTP ${d.lastStatus})` : ''}</td>
              <td>${d.attempts}</td>
              <td>${d.lastError ?? '—'}</td>
              <td>${when(d.createdDate)}</td>
              <td>${d.status === 'PENDING' ? nothing : html`<button @click=${() => this.redeliver(d)}>Redeliver</button>`}</td>
            </tr>`,
          )}
        </tbody>
      </table>
    </div>
    ${
      log.next !== null
        ? html`<button ?disabled=${log.loading} @click=${() => this.loadDeliveries(webhookId, true)}>
          ${log.loading ? 'Loading…' : 'Load older deliveries'}
        </button>`
        : nothing
    }`;
  }
}
