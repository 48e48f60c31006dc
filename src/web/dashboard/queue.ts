/**
 * `<vd-queue>`: the moderation queue. Reviews awaiting a decision first (the default filter), newest first; the
 * filters map to the query language (queue.rules.ts) and live in the address; pages are walked by cursor; new
 * activity arrives through the event feed without a reload; a selection (the page's, or everything the filters
 * match) can be approved, rejected or deleted as one bulk job with a progress bar.
 */
import { css, html, LitElement, nothing, type PropertyValues, type TemplateResult } from 'lit';
import type { Job, Review } from '../../contract/index.ts';
import { type DashboardApi, describeError } from './api.ts';
import { reviewName, STATUS_LABEL, stars, when } from './format.ts';
import { EventFollower, type FeedBatch } from './live.ts';
import {
  canActOnAllMatching,
  DEFAULT_FILTERS,
  filterProblems,
  idsFilter,
  parseFilters,
  type QueueFilters,
  type StatusChoice,
  serializeFilters,
  toFilter,
  toSearch,
} from './queue.rules.ts';
import { shared } from './styles.ts';

const PAGE_SIZE = 25;
type BulkAction = 'APPROVED' | 'REJECTED' | 'DELETE';
const ACTION_WORD: Record<BulkAction, string> = { APPROVED: 'Approve', REJECTED: 'Reject', DELETE: 'Delete' };
const STATUS_OPTION: Record<StatusChoice, string> = {
  PENDING: 'Awaiting moderation',
  APPROVED: 'Published',
  REJECTED: 'Rejected',
  ALL: 'Any status',
};

export class VdQueue extends LitElement {
  static override styles = [
    shared,
    css`
      /* 14rem: the widest choice, the status "Awaiting moderation", shows whole (12rem cut it at 1280 px). */
      form.filters { display: grid; gap: 0.75rem; grid-template-columns: repeat(auto-fill, minmax(14rem, 1fr)); align-items: end; }
      .check { display: flex; align-items: center; min-height: 2.5rem; font-weight: 600; }
      ul.reviews { list-style: none; margin: 0; padding: 0; }
      li.review { display: grid; grid-template-columns: auto 1fr; gap: 0.75rem; }
      .meta { font-size: 0.9rem; }
      .body { margin: 0.25rem 0 0.5rem; }
      .toolbar { position: sticky; top: 0; z-index: 1; background: #f6f6f4; padding: 0.5rem 0; }
      @media (min-width: 48rem) { li.review .actions { justify-content: flex-end; } }
    `,
  ];
  static override properties = {
    query: { type: String },
    filters: { state: true },
    reviews: { state: true },
    cursors: { state: true },
    cursor: { state: true },
    loading: { state: true },
    error: { state: true },
    selected: { state: true },
    allMatching: { state: true },
    matchingCount: { state: true },
    confirming: { state: true },
    job: { state: true },
    notice: { state: true },
    fresh: { state: true },
    live: { state: true },
  };

  declare api: DashboardApi;
  /** The address's query string (`#/queue?…`), from the shell. */
  declare query: string;
  declare filters: QueueFilters;
  declare reviews: Review[] | undefined;
  declare cursors: { next: string | null; prev: string | null };
  /** The cursor of the page shown; null for the first page. */
  declare cursor: string | null;
  declare loading: boolean;
  declare error: string | undefined;
  declare selected: Set<string>;
  declare allMatching: boolean;
  declare matchingCount: number | undefined;
  declare confirming: BulkAction | undefined;
  /** The last bulk job: followed while it runs, then left showing its outcome (a full bar) until the next. */
  declare job: { id: string; total: number; label: string; done: boolean } | undefined;
  declare notice: string | undefined;
  /** Reviews that changed since the list was read, while a later page is shown. */
  declare fresh: number;
  /** Whether the event feed is being followed (new activity shows without a reload). */
  declare live: boolean;

  private follower: EventFollower | undefined;

  constructor() {
    super();
    this.query = '';
    this.filters = DEFAULT_FILTERS;
    this.cursors = { next: null, prev: null };
    this.cursor = null;
    this.loading = false;
    this.selected = new Set();
    this.allMatching = false;
    this.fresh = 0;
    this.live = false;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.follower = new EventFollower(
      this.api,
      (events) => this.onEvents(events),
      (live) => (this.live = live),
    );
    this.follower.start();
  }

  override disconnectedCallback(): void {
    this.follower?.stop();
    super.disconnectedCallback();
  }

  override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('query')) {
      this.filters = parseFilters(new URLSearchParams(this.query));
      void this.load(null);
    }
  }

  private onEvents(events: FeedBatch[]): void {
    if (this.loading || this.running) return;
    if (this.cursor === null) void this.load(null, { quiet: true });
    else this.fresh += events.length;
  }

  private async load(cursor: string | null, opts: { quiet?: boolean } = {}): Promise<void> {
    const problems = filterProblems(this.filters);
    if (problems.length > 0) {
      this.error = problems.join(' ');
      this.reviews = [];
      return;
    }
    if (!opts.quiet) this.loading = true;
    this.error = undefined;
    try {
      const search = toSearch(this.filters);
      const res = await this.api.call('queryReviews', {
        body: {
          query:
            cursor === null
              ? {
                  filter: toFilter(this.filters),
                  ...(search ? { search } : {}),
                  sort: [{ fieldName: 'createdDate', order: 'DESC' }],
                  cursorPaging: { limit: PAGE_SIZE },
                }
              : { cursorPaging: { cursor, limit: PAGE_SIZE } },
          returnPrivateReviews: true,
        },
      });
      this.reviews = res.reviews;
      this.cursors = res.metadata.cursors;
      this.cursor = cursor;
      if (!opts.quiet) {
        this.selected = new Set();
        this.allMatching = false;
        this.matchingCount = undefined;
      } else {
        // Keep the selection to reviews still listed.
        const listed = new Set(res.reviews.map((r) => r.id));
        this.selected = new Set([...this.selected].filter((id) => listed.has(id)));
      }
      if (cursor === null) this.fresh = 0;
    } catch (err) {
      this.error = `The reviews could not be loaded: ${describeError(err)}`;
    } finally {
      this.loading = false;
    }
  }

  private applyFilters(e: SubmitEvent): void {
    e.preventDefault();
    const data = new FormData(e.target as HTMLFormElement);
    const next: QueueFilters = {
      status: String(data.get('status') ?? 'PENDING') as StatusChoice,
      rating: String(data.get('rating') ?? ''),
      entityId: String(data.get('entityId') ?? ''),
      from: String(data.get('from') ?? ''),
      to: String(data.get('to') ?? ''),
      hasMedia: data.get('hasMedia') === 'on',
      reported: data.get('reported') === 'on',
      search: String(data.get('search') ?? ''),
    };
    const query = serializeFilters(next);
    // The address carries the filters; the shell hands the new query string back, which reloads the list.
    if (query === this.query) {
      this.filters = next;
      void this.load(null);
    } else location.hash = `#/queue${query ? `?${query}` : ''}`;
  }

  private toggle(id: string, on: boolean): void {
    const next = new Set(this.selected);
    if (on) next.add(id);
    else next.delete(id);
    this.selected = next;
    this.allMatching = false;
  }

  private togglePage(on: boolean): void {
    this.selected = on ? new Set((this.reviews ?? []).map((r) => r.id)) : new Set();
    this.allMatching = false;
  }

  private async selectAllMatching(): Promise<void> {
    try {
      const { count } = await this.api.call('countReviews', {
        body: { filter: toFilter(this.filters), includePrivateReviews: true },
      });
      this.matchingCount = count;
      this.allMatching = true;
    } catch (err) {
      this.error = `Could not count the matching reviews: ${describeError(err)}`;
    }
  }

  private get running(): boolean {
    return this.job !== undefined && !this.job.done;
  }

  private get selectionSize(): number {
    return this.allMatching ? (this.matchingCount ?? 0) : this.selected.size;
  }

  private async runBulk(action: BulkAction): Promise<void> {
    this.confirming = undefined;
    const filter = this.allMatching ? toFilter(this.filters) : idsFilter([...this.selected]);
    const total = this.selectionSize;
    try {
      const { jobId } =
        action === 'DELETE'
          ? await this.api.call('bulkDeleteReviews', { body: { filter } })
          : await this.api.call('bulkUpdateModerationStatus', { body: { filter, status: action } });
      this.job = { id: jobId, total, label: `${ACTION_WORD[action]} ${total} reviews`, done: false };
      this.notice = undefined;
    } catch (err) {
      this.error = `The bulk action could not start: ${describeError(err)}`;
    }
  }

  private jobDone(job: Job): void {
    this.notice =
      job.status === 'COMPLETED'
        ? `Bulk action finished: ${job.succeeded} reviews changed${job.failed ? `, ${job.failed} failed` : ''}.`
        : `The bulk action failed after ${job.processed} reviews. Run it again to finish the rest.`;
    if (this.job) this.job = { ...this.job, done: true };
    void this.load(null);
  }

  private async moderate(review: Review, status: 'APPROVED' | 'REJECTED'): Promise<void> {
    try {
      await this.api.call('updateModerationStatus', { params: { reviewId: review.id }, body: { status } });
      this.notice = `${status === 'APPROVED' ? 'Approved' : 'Rejected'}: ${reviewName(review)}`;
      await this.load(this.cursor, { quiet: true });
    } catch (err) {
      this.error = `Could not change "${reviewName(review)}": ${describeError(err)}`;
    }
  }

  override render(): TemplateResult {
    return html`<h1>Queue</h1>
      <p class="muted live" role="status">
        ${this.live ? 'Live: new reviews and changes appear as they happen.' : 'Connecting to live updates…'}
      </p>
      ${this.renderFilters()}
      ${this.notice ? html`<div class="status" role="status">${this.notice}</div>` : nothing}
      ${this.error ? html`<div class="error" role="alert">${this.error}</div>` : nothing}
      ${
        this.job
          ? html`<vd-bulk-progress
            .api=${this.api}
            .jobId=${this.job.id}
            .total=${this.job.total}
            .label=${this.job.label}
            @job-done=${(e: CustomEvent<Job>) => this.jobDone(e.detail)}
          ></vd-bulk-progress>`
          : nothing
      }
      ${this.renderList()}`;
  }

  private renderFilters(): TemplateResult {
    const f = this.filters;
    return html`<details class="card" ?open=${true}>
      <summary>Filters</summary>
      <form class="filters" @submit=${(e: SubmitEvent) => this.applyFilters(e)}>
        <div>
          <label for="status">Status</label>
          <select id="status" name="status">
            ${(Object.keys(STATUS_OPTION) as StatusChoice[]).map(
              (s) => html`<option value=${s} ?selected=${f.status === s}>${STATUS_OPTION[s]}</option>`,
            )}
          </select>
        </div>
        <div>
          <label for="rating">Rating</label>
          <select id="rating" name="rating">
            <option value="" ?selected=${!f.rating}>Any rating</option>
            ${['5', '4', '3', '2', '1'].map(
              (r) => html`<option value=${r} ?selected=${f.rating === r}>${r} stars</option>`,
            )}
          </select>
        </div>
        <div>
          <label for="entityId">Product (entity id)</label>
          <input id="entityId" name="entityId" .value=${f.entityId} maxlength="200" />
        </div>
        <div>
          <label for="from">From</label>
          <input id="from" name="from" type="date" .value=${f.from} />
        </div>
        <div>
          <label for="to">To</label>
          <input id="to" name="to" type="date" .value=${f.to} />
        </div>
        <div>
          <label for="search">Search title and text</label>
          <input id="search" name="search" type="search" .value=${f.search} maxlength="200" />
        </div>
        <div class="check">
          <input id="hasMedia" name="hasMedia" type="checkbox" .checked=${f.hasMedia} />
          <label for="hasMedia">With photos or videos</label>
        </div>
        <div class="check">
          <input id="reported" name="reported" type="checkbox" .checked=${f.reported} />
          <label for="reported">Reported (open abuse reports)</label>
        </div>
        <div class="row">
          <button class="primary" type="submit">Apply filters</button>
          <a href="#/queue">Reset</a>
        </div>
      </form>
    </details>`;
  }

  private renderList(): TemplateResult {
    if (this.reviews === undefined || (this.loading && this.reviews.length === 0)) {
      return html`<p role="status">Loading reviews…</p>`;
    }
    if (this.reviews.length === 0) {
      const pending = this.filters.status === 'PENDING';
      return html`<div class="card empty" role="status">
        <h2>${pending ? 'Nothing awaits moderation' : 'No reviews match these filters'}</h2>
        <p class="muted">
          ${
            pending
              ? 'New reviews held for moderation appear here as they arrive.'
              : 'Widen the filters or reset them to see more reviews.'
          }
        </p>
        ${pending ? html`<a href="#/queue?status=ALL">See every review</a>` : html`<a href="#/queue">Reset the filters</a>`}
      </div>`;
    }
    const reviews = this.reviews;
    const pageSelected = reviews.length > 0 && reviews.every((r) => this.selected.has(r.id));
    const n = this.selectionSize;
    return html`<div class="toolbar row" aria-label="Selection">
        <span class="check">
          <input
            id="select-page"
            type="checkbox"
            .checked=${pageSelected || this.allMatching}
            @change=${(e: Event) => this.togglePage((e.target as HTMLInputElement).checked)}
          />
          <label for="select-page">Select this page</label>
        </span>
        ${
          pageSelected && !this.allMatching && canActOnAllMatching(this.filters) && this.cursors.next
            ? html`<button @click=${() => this.selectAllMatching()}>Select everything matching the filters</button>`
            : nothing
        }
        ${
          n > 0
            ? html`<span role="status">${this.allMatching ? `All ${n} matching reviews selected` : `${n} selected`}</span>
              ${(['APPROVED', 'REJECTED', 'DELETE'] as const).map(
                (a) => html`<button
                  class=${a === 'APPROVED' ? 'approve' : a === 'DELETE' ? 'danger' : ''}
                  ?disabled=${this.running}
                  @click=${() => (this.confirming = a)}
                >
                  ${ACTION_WORD[a]} selected
                </button>`,
              )}`
            : nothing
        }
      </div>
      ${
        this.confirming
          ? html`<div class="card" role="alertdialog" aria-labelledby="confirm-title">
            <p id="confirm-title">
              ${ACTION_WORD[this.confirming]} ${n} ${n === 1 ? 'review' : 'reviews'}?
              ${this.confirming === 'DELETE' ? 'Deleted reviews go to the trash and can be restored from there.' : ''}
            </p>
            <div class="row">
              <button class=${this.confirming === 'DELETE' ? 'danger' : 'primary'} @click=${() => this.runBulk(this.confirming as BulkAction)}>
                Yes, ${ACTION_WORD[this.confirming].toLowerCase()} ${n}
              </button>
              <button @click=${() => (this.confirming = undefined)}>Cancel</button>
            </div>
          </div>`
          : nothing
      }
      ${
        this.fresh > 0
          ? html`<div class="status" role="status">
            ${this.fresh} new ${this.fresh === 1 ? 'change' : 'changes'} since this list was read.
            <button @click=${() => this.load(null)}>Show the newest</button>
          </div>`
          : nothing
      }
      <ul class="reviews" aria-label="Reviews" aria-busy=${this.loading ? 'true' : 'false'}>
        ${reviews.map((r) => this.renderReview(r))}
      </ul>
      <nav class="row" aria-label="Pages">
        <button ?disabled=${this.cursor === null} @click=${() => this.load(this.cursors.prev)}>Previous page</button>
        <button ?disabled=${!this.cursors.next} @click=${() => this.load(this.cursors.next)}>Next page</button>
      </nav>`;
  }

  private renderReview(r: Review): TemplateResult {
    const name = reviewName(r);
    const status = r.moderation.moderationStatus;
    return html`<li class="review card" data-review-id=${r.id}>
      <input
        type="checkbox"
        aria-label=${`Select: ${name}`}
        .checked=${this.allMatching || this.selected.has(r.id)}
        @change=${(e: Event) => this.toggle(r.id, (e.target as HTMLInputElement).checked)}
      />
      <div>
        <div class="row">
          <span class="stars" role="img" aria-label=${`${r.content.rating} out of 5 stars`}>${stars(r.content.rating)}</span>
          <span class="badge ${status}">${STATUS_LABEL[status] ?? status}</span>
          ${r.content.media.length ? html`<span class="badge">${r.content.media.length} media</span>` : nothing}
          ${r.reply ? html`<span class="badge">Replied</span>` : nothing}
        </div>
        <h2 class="title"><a href="#/review/${encodeURIComponent(r.id)}">${name}</a></h2>
        ${r.content.body ? html`<p class="body pre">${r.content.body.length > 400 ? `${r.content.body.slice(0, 400)}…` : r.content.body}</p>` : nothing}
        <p class="meta muted">
          ${r.author.authorName || 'Anonymous'} · ${r.namespace}/${r.entityId} · ${when(r.createdDate)}
        </p>
        <div class="row actions">
          ${
            status !== 'APPROVED'
              ? html`<button class="approve" @click=${() => this.moderate(r, 'APPROVED')}>Approve<span class="sr-only">: ${name}</span></button>`
              : nothing
          }
          ${
            status !== 'REJECTED'
              ? html`<button @click=${() => this.moderate(r, 'REJECTED')}>Reject<span class="sr-only">: ${name}</span></button>`
              : nothing
          }
        </div>
      </div>
    </li>`;
  }
}
