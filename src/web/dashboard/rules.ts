/**
 * `<vd-rules>` (owner): the ordered moderation rules of one namespace — first match wins — with add, remove, move
 * up/down, and save guarded by the version read (a concurrent edit is a conflict to reload, not an overwrite).
 */
import { css, html, LitElement, nothing, type TemplateResult } from 'lit';
import type {
  ModerationPreview,
  ModerationRules,
  ModerationRulesVersionSummary,
  RuleType,
} from '../../contract/moderation.ts';
import { ApiError, type DashboardApi, describeError } from './api.ts';
import { when } from './format.ts';
import { type DraftRule, move, newDraft, RULE_LABEL, RULE_TYPES, toDraft, toInput } from './rules.rules.ts';
import { shared } from './styles.ts';

/** Saved versions per page. */
const VERSIONS_PAGE_SIZE = 10;

export class VdRules extends LitElement {
  static override styles = [
    shared,
    css`
      ol { padding-left: 1.5rem; }
      li.rule { margin-bottom: 0.75rem; padding: 0.75rem; border: 1px solid #d8d8d4; border-radius: 0.4rem; }
      .choice { display: inline-flex; align-items: center; gap: 0.35rem; margin-right: 0.75rem; font-weight: 400; }
      .choice input { display: inline-block; width: 1.25rem; height: 1.25rem; min-height: 0; margin: 0; }
      .narrow { max-width: 26rem; }
    `,
  ];
  static override properties = {
    namespace: { state: true },
    stored: { state: true },
    drafts: { state: true },
    message: { state: true },
    busy: { state: true },
    preview: { state: true },
    previewError: { state: true },
    versions: { state: true },
    versionsNext: { state: true },
    versionsLoading: { state: true },
  };

  declare api: DashboardApi;
  declare namespace: string;
  declare stored: ModerationRules | undefined;
  declare drafts: DraftRule[];
  declare message: { kind: 'status' | 'error'; text: string } | undefined;
  declare busy: boolean;
  declare preview: ModerationPreview | undefined;
  declare previewError: string | undefined;
  declare versions: ModerationRulesVersionSummary[] | undefined;
  /** The cursor of the older versions after those shown; null when all are shown. */
  declare versionsNext: string | null;
  declare versionsLoading: boolean;

  constructor() {
    super();
    this.namespace = 'stores';
    this.drafts = [];
    this.busy = false;
    this.versionsNext = null;
    this.versionsLoading = false;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
  }

  private async load(): Promise<void> {
    this.stored = undefined;
    try {
      const { rules } = await this.api.call('getModerationRules', { query: { namespace: this.namespace } });
      this.stored = rules;
      this.drafts = rules.rules.map(toDraft);
      this.preview = undefined;
      await this.loadVersions();
    } catch (err) {
      this.message = { kind: 'error', text: `Could not load the rules: ${describeError(err)}` };
    }
  }

  /** Reads the newest saved versions, or with `more` the page of older ones after those shown. */
  private async loadVersions(more = false): Promise<void> {
    const cursor = more ? this.versionsNext : null;
    if (more && cursor === null) return;
    this.versionsLoading = true;
    try {
      const { versions, metadata } = await this.api.call('listModerationRuleVersions', {
        query: { namespace: this.namespace, limit: String(VERSIONS_PAGE_SIZE), ...(cursor ? { cursor } : {}) },
      });
      this.versions = more ? [...(this.versions ?? []), ...versions] : versions;
      this.versionsNext = metadata.cursors.next;
    } catch (err) {
      this.versions ??= [];
      if (more) this.message = { kind: 'error', text: `Could not load older versions: ${describeError(err)}` };
    } finally {
      this.versionsLoading = false;
    }
  }

  /** What the rules being edited (not yet saved) would do with a sample review. */
  private async runPreview(e: SubmitEvent): Promise<void> {
    e.preventDefault();
    const data = new FormData(e.target as HTMLFormElement);
    const title = String(data.get('title') ?? '');
    const body = String(data.get('body') ?? '');
    const withMedia = data.get('media') === 'on';
    try {
      const { preview } = await this.api.call('previewModerationRules', {
        body: {
          namespace: this.namespace,
          rules: this.drafts.map(toInput),
          review: {
            rating: Number(data.get('rating') ?? 5),
            ...(title ? { title } : {}),
            ...(body ? { body } : {}),
            ...(withMedia ? { media: [{ image: { url: 'https://example.com/sample.jpg' } }] } : {}),
            authorOpenReports: Number(data.get('reports') ?? 0) || 0,
          },
        },
      });
      this.preview = preview;
      this.previewError = undefined;
    } catch (err) {
      this.preview = undefined;
      this.previewError = describeError(err);
    }
  }

  private edit(index: number, change: Partial<DraftRule>): void {
    this.drafts = this.drafts.map((d, i) => (i === index ? { ...d, ...change } : d));
  }

  private async save(e: SubmitEvent): Promise<void> {
    e.preventDefault();
    if (!this.stored) return;
    this.busy = true;
    try {
      const { rules } = await this.api.call('updateModerationRules', {
        body: { namespace: this.namespace, rules: this.drafts.map(toInput), expectedVersion: this.stored.version },
      });
      this.stored = rules;
      this.drafts = rules.rules.map(toDraft);
      this.message = { kind: 'status', text: `Rules saved (version ${rules.version}).` };
      await this.loadVersions();
    } catch (err) {
      this.message = {
        kind: 'error',
        text:
          err instanceof ApiError && err.status === 409
            ? 'Someone else changed these rules since you opened them. Reload them, then make your change again.'
            : `Not saved: ${describeError(err)}`,
      };
    } finally {
      this.busy = false;
    }
  }

  override render(): TemplateResult {
    return html`<section class="card" aria-labelledby="rules-h">
      <h2 id="rules-h">Moderation rules</h2>
      <p class="muted">Rules are tried in order; the first that matches a new review decides whether it is held.</p>
      <form class="row narrow" @submit=${(e: SubmitEvent) => {
        e.preventDefault();
        void this.load();
      }}>
        <div>
          <label for="ns">Namespace</label>
          <input id="ns" .value=${this.namespace} maxlength="100" @input=${(e: Event) => (this.namespace = (e.target as HTMLInputElement).value.trim())} />
        </div>
        <button type="submit">Load rules</button>
      </form>
      ${
        this.message
          ? html`<div class=${this.message.kind} role=${this.message.kind === 'error' ? 'alert' : 'status'}>${this.message.text}</div>`
          : nothing
      }
      ${!this.stored ? html`<p role="status">Loading…</p>` : this.renderEditor(this.stored)}
    </section>`;
  }

  private renderEditor(stored: ModerationRules): TemplateResult {
    return html`<p class="muted">
        ${
          stored.source === 'SITE_SETTINGS'
            ? "No rules saved for this namespace: the site's moderation setting applies."
            : `Version ${stored.version}, saved ${when(stored.updatedDate ?? undefined)}.`
        }
      </p>
      <form @submit=${(e: SubmitEvent) => this.save(e)}>
        <ol aria-label="Rules, first match wins">
          ${this.drafts.map((d, i) => this.renderRule(d, i))}
        </ol>
        ${this.drafts.length === 0 ? html`<p class="muted">No rules: every review is published at once.</p>` : nothing}
        <div class="row">
          <button type="button" @click=${() => (this.drafts = [...this.drafts, newDraft()])} ?disabled=${this.drafts.length >= 20}>Add a rule</button>
          <button class="primary" type="submit" ?disabled=${this.busy}>Save rules</button>
        </div>
      </form>
      ${this.renderPreview()} ${this.renderVersions()}`;
  }

  private renderPreview(): TemplateResult {
    const p = this.preview;
    return html`<h3>Try the rules above on a sample review</h3>
      <form class="grid" @submit=${(e: SubmitEvent) => this.runPreview(e)}>
        <div>
          <label for="pv-rating">Rating</label>
          <select id="pv-rating" name="rating">${[5, 4, 3, 2, 1].map((n) => html`<option value=${n}>${n} stars</option>`)}</select>
        </div>
        <div><label for="pv-title">Title</label><input id="pv-title" name="title" maxlength="3000" /></div>
        <div><label for="pv-body">Text</label><input id="pv-body" name="body" maxlength="3000" /></div>
        <div><label for="pv-reports">Open reports on the author</label><input id="pv-reports" name="reports" type="number" min="0" value="0" /></div>
        <div class="row"><input id="pv-media" name="media" type="checkbox" /><label for="pv-media">With a photo</label></div>
        <div><button type="submit">Preview</button></div>
      </form>
      ${this.previewError ? html`<div class="error" role="alert">${this.previewError}</div>` : nothing}
      ${
        p
          ? html`<div class="status" role="status">
            ${p.status === 'APPROVED' ? 'Published at once' : 'Held for moderation'}
            ${
              p.matchedRule
                ? html`by rule ${p.matchedRule.index + 1} (${RULE_LABEL[p.matchedRule.rule.type]}).`
                : html`: no rule matched.`
            }
          </div>`
          : nothing
      }`;
  }

  private renderVersions(): TemplateResult | typeof nothing {
    const versions = this.versions;
    if (!versions || versions.length === 0) return nothing;
    return html`<h3>Saved versions</h3>
      <ul aria-busy=${this.versionsLoading ? 'true' : 'false'}>
        ${versions.map(
          (v) =>
            html`<li>Version ${v.version}: ${v.ruleCount} ${v.ruleCount === 1 ? 'rule' : 'rules'}, ${when(v.createdDate)}${v.actor ? ` by ${v.actor.kind.toLowerCase()}` : ''}</li>`,
        )}
      </ul>
      ${
        this.versionsNext !== null
          ? html`<button ?disabled=${this.versionsLoading} @click=${() => this.loadVersions(true)}>
            ${this.versionsLoading ? 'Loading…' : 'Load older versions'}
          </button>`
          : nothing
      }`;
  }

  private renderRule(d: DraftRule, i: number): TemplateResult {
    const id = `rule-${i}`;
    return html`<li class="rule">
      <div class="narrow">
        <label for="${id}-type">Rule ${i + 1}</label>
        <select id="${id}-type" @change=${(e: Event) => this.edit(i, { type: (e.target as HTMLSelectElement).value as RuleType })}>
          ${RULE_TYPES.map((t) => html`<option value=${t} ?selected=${d.type === t}>${RULE_LABEL[t]}</option>`)}
        </select>
      </div>
      ${
        d.type === 'HOLD_RATINGS'
          ? html`<fieldset>
            <legend>Ratings to hold</legend>
            ${[1, 2, 3, 4, 5].map(
              (n) => html`<span class="choice">
                <input
                  type="checkbox"
                  id="${id}-r${n}"
                  .checked=${d.ratings.includes(n)}
                  @change=${(e: Event) =>
                    this.edit(i, {
                      ratings: (e.target as HTMLInputElement).checked
                        ? [...d.ratings, n]
                        : d.ratings.filter((r) => r !== n),
                    })}
                />
                <label for="${id}-r${n}" class="choice">${n}</label>
              </span>`,
            )}
          </fieldset>`
          : nothing
      }
      ${
        d.type === 'HOLD_BLOCKED_WORDS'
          ? html`<label for="${id}-words">Blocked words, one per line</label>
            <textarea id="${id}-words" .value=${d.words} @input=${(e: Event) => this.edit(i, { words: (e.target as HTMLTextAreaElement).value })}></textarea>`
          : nothing
      }
      ${
        d.type === 'HOLD_REPORTED_AUTHOR'
          ? html`<div class="narrow">
            <label for="${id}-min">Open reports on the author</label>
            <input id="${id}-min" type="number" min="1" max="1000" .value=${String(d.minReports)} @input=${(e: Event) => this.edit(i, { minReports: Number((e.target as HTMLInputElement).value) })} />
          </div>`
          : nothing
      }
      <div class="row">
        <button type="button" ?disabled=${i === 0} @click=${() => (this.drafts = move(this.drafts, i, -1))}>Move up<span class="sr-only"> rule ${i + 1}</span></button>
        <button type="button" ?disabled=${i === this.drafts.length - 1} @click=${() => (this.drafts = move(this.drafts, i, 1))}>Move down<span class="sr-only"> rule ${i + 1}</span></button>
        <button type="button" class="danger" @click=${() => (this.drafts = this.drafts.filter((_, j) => j !== i))}>Remove<span class="sr-only"> rule ${i + 1}</span></button>
      </div>
    </li>`;
  }
}
