/**
 * `<verdict-reviews site namespace entity-id [api] [theme] [locale]>`: the review page of one product — summary
 * with histogram filter, sorted list with "load more", helpful votes, reports, and the form to write a review.
 * All user text is rendered through Lit text bindings (never as HTML); media URLs must be http(s).
 */
import { html, LitElement, nothing, type PropertyValues } from 'lit';
import type {
  FieldViolation,
  QueryReviewsRequest,
  RatingSummary,
  ReportReason,
  Review,
  ReviewPageData,
  VoteValue,
} from '../../contract/index.ts';
import { EMAIL_MAX_LENGTH, EMBED_PAGE_SIZE, LIMITS, REPORT_REASONS } from '../../contract/limits.ts';
import { ApiError, WidgetApi } from './api.ts';
import { type Messages, pickLocale, safeMediaUrl } from './messages.ts';
import { styles } from './styles.ts';

type SortKey = 'relevance' | 'newest' | 'highest' | 'lowest' | 'helpful';
const SORTS: Record<
  SortKey,
  QueryReviewsRequest extends { query?: infer Q } ? (NonNullable<Q> extends { sort?: infer S } ? S : never) : never
> = {
  relevance: [{ fieldName: 'relevanceScore', order: 'DESC' }],
  newest: [{ fieldName: 'createdDate', order: 'DESC' }],
  highest: [{ fieldName: 'content.rating', order: 'DESC' }],
  lowest: [{ fieldName: 'content.rating', order: 'ASC' }],
  helpful: [{ fieldName: 'helpfulness', order: 'DESC' }],
};
type Field = 'rating' | 'title' | 'body' | 'name' | 'email';
/** Server field paths (createReviewAndContact) → form fields. */
const FIELD_OF: Record<string, Field> = {
  'content.rating': 'rating',
  'content.title': 'title',
  'content.body': 'body',
  name: 'name',
  email: 'email',
};
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** The script's own origin: the default API base when the element has no `api` attribute. */
const SCRIPT_ORIGIN = (() => {
  try {
    return new URL(import.meta.url).origin;
  } catch {
    return '';
  }
})();

/** The properties whose change can change which cards cut part of their review (see `measureCards`). */
const MEASURED = ['reviews', 'open', 'votes', 'locale'] as const;

export class VerdictReviews extends LitElement {
  static override styles = styles;
  static override properties = {
    site: { type: String },
    namespace: { type: String },
    entityId: { type: String, attribute: 'entity-id' },
    api: { type: String },
    theme: { type: String, reflect: true },
    locale: { type: String },
    summary: { state: true },
    reviews: { state: true },
    cursor: { state: true },
    sort: { state: true },
    ratingFilter: { state: true },
    loading: { state: true },
    notice: { state: true },
    writing: { state: true },
    form: { state: true },
    formErrors: { state: true },
    formState: { state: true },
    votes: { state: true },
    open: { state: true },
    whole: { state: true },
    reporting: { state: true },
  };

  declare site: string;
  declare namespace: string;
  declare entityId: string;
  declare api: string | undefined;
  declare theme: string | undefined;
  declare locale: string | undefined;
  declare summary: RatingSummary | undefined;
  declare reviews: Review[];
  declare cursor: string | null;
  declare sort: SortKey;
  declare ratingFilter: number | undefined;
  declare loading: boolean;
  declare notice: { kind: 'error' | 'status'; text: string } | undefined;
  declare writing: boolean;
  declare form: { rating: number; title: string; body: string; name: string; email: string };
  declare formErrors: Partial<Record<Field | 'form', string>>;
  declare formState: 'editing' | 'sending' | 'published' | 'held' | 'already';
  declare votes: Record<string, VoteValue>;
  declare open: Record<string, boolean>;
  /** Reviews whose closed card was measured to show all of their text and photos: nothing for "Read more" to add. */
  declare whole: ReadonlySet<string>;
  declare reporting: { reviewId: string; reason: ReportReason; text: string; error?: string } | undefined;

  private client: WidgetApi | undefined;

  constructor() {
    super();
    this.site = '';
    this.namespace = '';
    this.entityId = '';
    this.reviews = [];
    this.cursor = null;
    this.sort = 'relevance';
    this.loading = false;
    this.writing = false;
    this.form = { rating: 0, title: '', body: '', name: '', email: '' };
    this.formErrors = {};
    this.formState = 'editing';
    this.votes = {};
    this.open = {};
    this.whole = new Set();
  }

  private get t(): Messages {
    return pickLocale(this.pageLocale());
  }

  private pageLocale(): string {
    return (
      this.locale ||
      this.closest('[lang]')?.getAttribute('lang') ||
      document.documentElement.lang ||
      navigator.language ||
      'en'
    );
  }

  private get apiClient(): WidgetApi {
    this.client ??= new WidgetApi((this.api || SCRIPT_ORIGIN).replace(/\/$/, ''), this.site);
    return this.client;
  }

  private get votesKey(): string {
    return `verdict:votes:${this.apiClient.base}:${this.site}`;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    // Another width wraps the text differently: measure again.
    if (typeof ResizeObserver === 'function') {
      this.resized = new ResizeObserver(() => this.measureCards());
      this.resized.observe(this);
    }
    try {
      this.votes = JSON.parse(localStorage.getItem(this.votesKey) ?? '{}') as Record<string, VoteValue>;
    } catch {
      this.votes = {};
    }
  }

  private resized: ResizeObserver | undefined;

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.resized?.disconnect();
    this.resized = undefined;
  }

  protected override updated(changed: PropertyValues): void {
    // Only what changes a card's text or buttons can change what it cuts: typing in the form or opening the report
    // dialog measures nothing (each measure makes the browser lay the page out).
    if (MEASURED.some((p) => changed.has(p))) this.measureCards();
  }

  /**
   * Which closed cards show everything. Measured after each render, before the browser paints it; the "Read more"
   * button of such a card is hidden but keeps its place, so the card's layout is the same either way.
   */
  private measureCards(): void {
    const cut = (el: Element | null) => el !== null && el.scrollHeight > el.clientHeight + 1;
    const whole = new Set<string>();
    for (const card of this.renderRoot.querySelectorAll<HTMLElement>('li.card:not(.open)')) {
      const id = card.dataset.reviewId;
      if (!id) continue;
      if (
        !cut(card.querySelector('.content')) &&
        !cut(card.querySelector('.body')) &&
        !cut(card.querySelector('.reply'))
      )
        whole.add(id);
    }
    if (whole.size !== this.whole.size || [...whole].some((id) => !this.whole.has(id))) this.whole = whole;
  }

  protected override firstUpdated(_changed: PropertyValues): void {
    // A server-rendered fragment inside the element carries the first page: no request at all.
    const script = this.querySelector('script[data-verdict-page]');
    if (script?.textContent) {
      try {
        this.apply(JSON.parse(script.textContent) as ReviewPageData);
        return;
      } catch {
        // a damaged fragment: fetch instead
      }
    }
    void this.loadFirst();
  }

  private apply(page: ReviewPageData): void {
    this.summary = page.summary;
    this.reviews = page.reviews;
    this.cursor = page.nextCursor;
  }

  private async loadFirst(): Promise<void> {
    this.loading = true;
    try {
      this.apply(await this.apiClient.firstPage(this.namespace, this.entityId));
    } catch {
      this.notice = { kind: 'error', text: this.t.loadFailed };
    } finally {
      this.loading = false;
    }
  }

  /** Reads the list again from the start with the current sort and filter (as the visitor). */
  private async reload(): Promise<void> {
    this.loading = true;
    this.notice = undefined;
    const filter: Record<string, unknown> = { namespace: this.namespace, entityId: this.entityId };
    if (this.ratingFilter) filter['content.rating'] = this.ratingFilter;
    try {
      const res = await this.apiClient.query({
        query: { filter, sort: SORTS[this.sort], cursorPaging: { limit: EMBED_PAGE_SIZE } },
      });
      this.reviews = res.reviews;
      this.cursor = res.metadata.cursors.next ?? null;
    } catch {
      this.notice = { kind: 'error', text: this.t.loadFailed };
    } finally {
      this.loading = false;
    }
  }

  private async loadMore(): Promise<void> {
    if (!this.cursor) return;
    this.loading = true;
    try {
      const res = await this.apiClient.query({
        query: { cursorPaging: { cursor: this.cursor, limit: EMBED_PAGE_SIZE } },
      });
      const seen = new Set(this.reviews.map((r) => r.id));
      this.reviews = [...this.reviews, ...res.reviews.filter((r) => !seen.has(r.id))];
      this.cursor = res.metadata.cursors.next ?? null;
    } catch {
      this.notice = { kind: 'error', text: this.t.loadFailed };
    } finally {
      this.loading = false;
    }
  }

  private filterBy(rating: number | undefined): void {
    this.ratingFilter = rating;
    void this.reload();
  }

  private setSort(e: Event): void {
    this.sort = (e.target as HTMLSelectElement).value as SortKey;
    void this.reload();
  }

  // ---- votes -------------------------------------------------------------------------------------------------

  private async vote(review: Review, choice: 'HELPFUL' | 'UNHELPFUL'): Promise<void> {
    const before = this.votes[review.id] ?? 'NONE';
    const next: VoteValue = before === choice ? 'NONE' : choice;
    const snapshot = this.reviews;
    // Optimistic: counts and pressed state change at once, and are put back if the server refuses.
    const delta = (v: VoteValue, which: VoteValue) => (v === which ? 1 : 0);
    const h = delta(next, 'HELPFUL') - delta(before, 'HELPFUL');
    const u = delta(next, 'UNHELPFUL') - delta(before, 'UNHELPFUL');
    this.replace({
      ...review,
      foundHelpful: review.foundHelpful + h,
      foundUnhelpful: review.foundUnhelpful + u,
      helpfulness: review.helpfulness + h - u,
    });
    this.setVote(review.id, next);
    this.notice = undefined;
    try {
      const res = await this.apiClient.vote(review.id, next);
      this.replace(res.review);
      this.setVote(review.id, res.vote);
    } catch (err) {
      this.reviews = snapshot;
      this.setVote(review.id, before);
      this.notice = {
        kind: 'error',
        text: err instanceof ApiError && err.status === 429 ? this.t.rateLimited : this.t.actionFailed,
      };
    }
  }

  private setVote(id: string, v: VoteValue): void {
    const votes = { ...this.votes };
    if (v === 'NONE') delete votes[id];
    else votes[id] = v;
    this.votes = votes;
    try {
      localStorage.setItem(this.votesKey, JSON.stringify(votes));
    } catch {
      // storage blocked: the vote state lasts for this page
    }
  }

  private replace(r: Review): void {
    this.reviews = this.reviews.map((x) => (x.id === r.id ? r : x));
  }

  // ---- reports -----------------------------------------------------------------------------------------------

  private openReport(review: Review): void {
    this.reporting = { reviewId: review.id, reason: 'SPAM', text: '' };
    void this.updateComplete.then(() => this.renderRoot.querySelector('dialog')?.showModal());
  }

  private closeReport(): void {
    this.renderRoot.querySelector('dialog')?.close();
    this.reporting = undefined;
  }

  private async sendReport(e: Event): Promise<void> {
    e.preventDefault();
    const r = this.reporting;
    if (!r) return;
    try {
      await this.apiClient.report(r.reviewId, r.reason, r.text.trim());
      this.closeReport();
      this.notice = { kind: 'status', text: this.t.reportSent };
    } catch (err) {
      const t = this.t;
      const text =
        err instanceof ApiError && err.code === 'REPORT_ALREADY_EXISTS'
          ? t.reportAlready
          : err instanceof ApiError && err.status === 429
            ? t.rateLimited
            : t.actionFailed;
      this.reporting = { ...r, error: text };
    }
  }

  // ---- write a review ----------------------------------------------------------------------------------------

  private validate(): Partial<Record<Field, string>> {
    const t = this.t;
    const f = this.form;
    const n = new Intl.NumberFormat(this.pageLocale());
    const errors: Partial<Record<Field, string>> = {};
    if (f.rating < 1 || f.rating > 5) errors.rating = t.ratingRequired;
    if (f.title.length > LIMITS.titleMaxLength) errors.title = t.tooLong(n.format(LIMITS.titleMaxLength));
    if (!f.body.trim()) errors.body = t.required;
    else if (f.body.length > LIMITS.bodyMaxLength) errors.body = t.tooLong(n.format(LIMITS.bodyMaxLength));
    if (!f.name.trim()) errors.name = t.required;
    else if (f.name.length > LIMITS.authorNameMaxLength) errors.name = t.tooLong(n.format(LIMITS.authorNameMaxLength));
    if (!f.email.trim()) errors.email = t.required;
    else if (f.email.length > EMAIL_MAX_LENGTH || !EMAIL.test(f.email.trim())) errors.email = t.badEmail;
    return errors;
  }

  private async submit(e: Event): Promise<void> {
    e.preventDefault();
    const errors = this.validate();
    this.formErrors = errors;
    if (Object.keys(errors).length > 0) {
      void this.updateComplete.then(() =>
        (this.renderRoot.querySelector('[aria-invalid="true"]') as HTMLElement | null)?.focus(),
      );
      return;
    }
    this.formState = 'sending';
    const f = this.form;
    try {
      const review = await this.apiClient.createReview({
        namespace: this.namespace,
        entityId: this.entityId,
        name: f.name.trim(),
        email: f.email.trim(),
        content: { rating: f.rating, body: f.body, ...(f.title.trim() ? { title: f.title.trim() } : {}) },
      });
      if (review.moderation.moderationStatus === 'APPROVED') {
        this.formState = 'published';
        this.reviews = [review, ...this.reviews];
        this.summary = await this.apiClient.summary(this.namespace, this.entityId).catch(() => this.summary);
      } else {
        this.formState = 'held';
      }
    } catch (err) {
      this.formState = 'editing';
      if (err instanceof ApiError && err.code === 'REVIEW_ALREADY_EXISTS') {
        this.formState = 'already';
        return;
      }
      this.formErrors =
        err instanceof ApiError && err.violations.length > 0
          ? this.mapViolations(err.violations)
          : { form: this.t.actionFailed };
    }
  }

  private mapViolations(violations: FieldViolation[]): Partial<Record<Field | 'form', string>> {
    const out: Partial<Record<Field | 'form', string>> = {};
    for (const v of violations) {
      const field = FIELD_OF[v.field.replace(/^review\./, '')] ?? 'form';
      out[field] = out[field] ? `${out[field]} ${v.description}` : v.description;
    }
    return out;
  }

  private input(field: Exclude<Field, 'rating'>) {
    return (e: Event) => {
      this.form = { ...this.form, [field]: (e.target as HTMLInputElement).value };
      if (this.formErrors[field]) this.formErrors = { ...this.formErrors, [field]: undefined };
    };
  }

  // ---- rendering ---------------------------------------------------------------------------------------------

  private stars(rating: number) {
    const full = Math.round(rating);
    return html`<span class="stars" part="stars" aria-hidden="true">${'★'.repeat(full)}${'☆'.repeat(5 - full)}</span>`;
  }

  private renderSummary() {
    const t = this.t;
    const s = this.summary;
    if (!s) return html`<div class="summary" part="summary" aria-busy="true"></div>`;
    const lang = this.pageLocale();
    const count = new Intl.NumberFormat(lang);
    const avg = new Intl.NumberFormat(lang, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
    const max = Math.max(1, ...Object.values(s.histogram));
    return html`<div class="summary" part="summary">
      <div class="average">
        <strong>${avg.format(s.average)}</strong>
        <span role="img" aria-label=${t.starsLabel(avg.format(s.average))}>${this.stars(s.average)}</span>
        <small>${s.count === 1 ? t.basedOnOne : t.basedOn(count.format(s.count))}</small>
      </div>
      <ul class="histogram" part="histogram">
        ${[5, 4, 3, 2, 1].map((n) => {
          const c = s.histogram[String(n) as keyof RatingSummary['histogram']];
          return html`<li>
            <button part="bar" aria-pressed=${this.ratingFilter === n ? 'true' : 'false'} title=${t.barLabel(n, count.format(c))}
              ?disabled=${c === 0} @click=${() => this.filterBy(this.ratingFilter === n ? undefined : n)}>
              <span>${n}<span aria-hidden="true"> ★</span><span class="sr"> ${t.star(n).replace(/^\d+\s*/, '')}</span></span>
              <span class="track" aria-hidden="true"><span class="fill" style="width:${Math.round((c / max) * 100)}%"></span></span>
              <span>${count.format(c)}</span>
            </button>
          </li>`;
        })}
      </ul>
    </div>`;
  }

  private renderReview(r: Review) {
    const t = this.t;
    const lang = this.pageLocale();
    const dates = new Intl.DateTimeFormat(lang, { dateStyle: 'medium' });
    const count = new Intl.NumberFormat(lang);
    const vote = this.votes[r.id] ?? 'NONE';
    const media = r.content.media
      .map((m, i) => ({ url: safeMediaUrl(m.image?.url), alt: m.image?.altText || t.photo(i + 1) }))
      .filter((m): m is { url: string; alt: string } => m.url !== undefined);
    return html`<li class="card ${this.open[r.id] ? 'open' : ''}" part="review" data-review-id=${r.id}>
      <div class="content">
      <p><span role="img" aria-label=${t.starsLabel(String(r.content.rating))}>${this.stars(r.content.rating)}</span></p>
      ${r.content.title ? html`<h3>${r.content.title}</h3>` : nothing}
      <p class="byline">${r.author.authorName || t.anonymous} · <time datetime=${r.reviewDate}>${dates.format(new Date(r.reviewDate))}</time>${
        r.verified ? html` · <span class="badge" part="badge">✓ ${t.verified}</span>` : nothing
      }</p>
      ${r.content.body ? html`<p class="body">${r.content.body}</p>` : nothing}
      ${media.length ? html`<p class="media">${media.map((m) => html`<img src=${m.url} alt=${m.alt} loading="lazy" width="48" height="48" />`)}</p>` : nothing}
      ${r.reply ? html`<p class="reply" part="reply"><strong>${t.ownerReply}:</strong> ${r.reply.message}</p>` : nothing}
      </div>
      <div class="actions">
        <button part="button" aria-pressed=${vote === 'HELPFUL' ? 'true' : 'false'} @click=${() => this.vote(r, 'HELPFUL')}>${t.helpfulCount(count.format(r.foundHelpful))}</button>
        <button part="button" aria-pressed=${vote === 'UNHELPFUL' ? 'true' : 'false'} @click=${() => this.vote(r, 'UNHELPFUL')}>${t.unhelpfulCount(count.format(r.foundUnhelpful))}</button>
        <button part="button" @click=${() => this.openReport(r)}>${t.report}</button>
        ${
          this.open[r.id]
            ? nothing
            : html`<button part="button" class="more ${this.whole.has(r.id) ? 'whole' : ''}" aria-hidden=${this.whole.has(r.id) ? 'true' : 'false'}
                @click=${() => (this.open = { ...this.open, [r.id]: true })}>${t.readMore}</button>`
        }
      </div>
    </li>`;
  }

  private renderForm() {
    const t = this.t;
    if (this.formState === 'published') return html`<p class="status" role="status">${t.thanksPublished}</p>`;
    if (this.formState === 'held') return html`<p class="status" role="status">${t.thanksHeld}</p>`;
    if (this.formState === 'already') return html`<p class="status" role="status">${t.alreadyReviewed}</p>`;
    const e = this.formErrors;
    const err = (f: Field) => (e[f] ? html`<span class="error" id="err-${f}">${e[f]}</span>` : nothing);
    const field = (
      f: Exclude<Field, 'rating'>,
      label: string,
      max: number,
      type = 'text',
      required = true,
    ) => html`<label>
      ${label}
      ${
        f === 'body'
          ? html`<textarea rows="4" .value=${this.form.body} maxlength=${max} ?required=${required} aria-invalid=${e.body ? 'true' : 'false'}
              aria-describedby=${e.body ? 'err-body' : nothing} @input=${this.input('body')}></textarea>`
          : html`<input type=${type} .value=${this.form[f]} maxlength=${max} ?required=${required} aria-invalid=${e[f] ? 'true' : 'false'}
              aria-describedby=${e[f] ? `err-${f}` : nothing} autocomplete=${f === 'email' ? 'email' : f === 'name' ? 'name' : 'off'} @input=${this.input(f)} />`
      }
      ${err(f)}
    </label>`;
    return html`<form part="form" novalidate @submit=${this.submit}>
      <fieldset>
        <legend>${t.yourRating}</legend>
        <div class="rate" role="radiogroup" aria-label=${t.yourRating} aria-invalid=${e.rating ? 'true' : 'false'}>
          ${[1, 2, 3, 4, 5].map(
            (
              n,
            ) => html`<input type="radio" id="rate-${n}" name="rating" .value=${String(n)} .checked=${this.form.rating === n}
                aria-invalid=${e.rating ? 'true' : 'false'} @change=${() => {
                  this.form = { ...this.form, rating: n };
                  this.formErrors = { ...this.formErrors, rating: undefined };
                }} /><label for="rate-${n}" class=${this.form.rating >= n ? 'on' : ''} title=${t.star(n)}><span aria-hidden="true">★</span><span class="sr">${t.star(n)}</span></label>`,
          )}
        </div>
        ${err('rating')}
      </fieldset>
      ${field('title', t.title, LIMITS.titleMaxLength, 'text', false)}
      ${field('body', t.body, LIMITS.bodyMaxLength)}
      ${field('name', t.name, LIMITS.authorNameMaxLength)}
      ${field('email', t.email, EMAIL_MAX_LENGTH, 'email')}
      ${e.form ? html`<p class="error" role="alert">${e.form}</p>` : nothing}
      <p><button part="button submit" class="primary" type="submit" ?disabled=${this.formState === 'sending'}>${t.submit}</button></p>
    </form>`;
  }

  private renderDialog() {
    const t = this.t;
    const r = this.reporting;
    if (!r) return nothing;
    return html`<dialog part="dialog" aria-labelledby="report-title" @close=${() => (this.reporting = undefined)}>
      <form method="dialog" @submit=${this.sendReport}>
        <h2 id="report-title">${t.reportTitle}</h2>
        <fieldset>
          <legend>${t.reportReason}</legend>
          ${REPORT_REASONS.map(
            (
              reason,
            ) => html`<label style="display:flex;gap:.5rem"><input type="radio" name="reason" .value=${reason} .checked=${r.reason === reason}
                @change=${() => (this.reporting = { ...r, reason })} />${t.reasons[reason]}</label>`,
          )}
        </fieldset>
        <label>${t.reportText}<textarea rows="3" maxlength="1000" .value=${r.text} @input=${(e: Event) => (this.reporting = { ...r, text: (e.target as HTMLTextAreaElement).value })}></textarea></label>
        ${r.error ? html`<p class="error" role="alert">${r.error}</p>` : nothing}
        <p style="display:flex;gap:.5rem">
          <button part="button" class="primary" type="submit">${t.reportSend}</button>
          <button part="button" type="button" @click=${this.closeReport}>${t.cancel}</button>
        </p>
      </form>
    </dialog>`;
  }

  protected override render() {
    const t = this.t;
    const sorts: [SortKey, string][] = [
      ['relevance', t.sortRelevance],
      ['newest', t.sortNewest],
      ['highest', t.sortHighest],
      ['lowest', t.sortLowest],
      ['helpful', t.sortHelpful],
    ];
    return html`<section part="root" aria-labelledby="verdict-title" aria-busy=${this.loading ? 'true' : 'false'}>
      <h2 id="verdict-title" class="sr">${t.reviews}</h2>
      ${this.renderSummary()}
      <div class="toolbar" part="toolbar">
        <label style="display:flex;gap:.5rem;align-items:center">${t.sortBy}
          <select part="sort" @change=${this.setSort} .value=${this.sort}>
            ${sorts.map(([k, label]) => html`<option value=${k} ?selected=${this.sort === k}>${label}</option>`)}
          </select>
        </label>
        ${this.ratingFilter ? html`<span class="filter">${t.filteredBy(this.ratingFilter)}</span><button part="button" @click=${() => this.filterBy(undefined)}>${t.clearFilter}</button>` : nothing}
      </div>
      ${this.notice ? html`<p class=${this.notice.kind} role=${this.notice.kind === 'error' ? 'alert' : 'status'}>${this.notice.text}</p>` : nothing}
      ${
        this.summary && this.reviews.length === 0 && !this.loading
          ? html`<p class="empty">${t.noReviews}</p>`
          : html`<ul class="list" part="list">${this.reviews.map((r) => this.renderReview(r))}</ul>`
      }
      <div class="footer">
        ${this.cursor ? html`<button part="button load-more" @click=${this.loadMore} ?disabled=${this.loading}>${t.loadMore}</button>` : nothing}
        ${this.writing ? nothing : html`<button part="button write" class="primary" @click=${() => (this.writing = true)}>${t.write}</button>`}
      </div>
      ${this.writing ? this.renderForm() : nothing}
      ${this.renderDialog()}
    </section>`;
  }
}
