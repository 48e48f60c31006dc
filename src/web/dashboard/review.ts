/**
 * `<vd-review>`: one review in full — content, media, votes, reports with their reasons, the audit history of its
 * status — and what a moderator does with it: approve, reject, delete (to the trash) and restore, and the owner's
 * reply (write, edit, remove). Media URLs must be http(s) (`safeMediaUrl`); all text is rendered as text.
 */
import { css, html, LitElement, nothing, type PropertyValues, type TemplateResult } from 'lit';
import type { AbuseReport, ModerationAuditEntry, Review } from '../../contract/index.ts';
import { safeMediaUrl } from '../widget/messages.ts';
import { ApiError, type DashboardApi, describeError } from './api.ts';
import { reviewName, STATUS_LABEL, stars, when } from './format.ts';
import { shared } from './styles.ts';

const REASON_LABEL: Record<string, string> = {
  SPAM: 'Spam',
  OFFENSIVE: 'Offensive',
  IRRELEVANT: 'Irrelevant',
  FAKE: 'Fake',
  OTHER: 'Other',
};

export class VdReview extends LitElement {
  static override styles = [
    shared,
    css`
      .layout { display: grid; gap: 1rem; }
      @media (min-width: 64rem) { .layout { grid-template-columns: 2fr 1fr; } }
      .media { display: flex; gap: 0.5rem; flex-wrap: wrap; list-style: none; padding: 0; margin: 0.5rem 0; }
      .media img, .media video { max-width: 12rem; max-height: 12rem; border-radius: 0.4rem; border: 1px solid #d8d8d4; }
      dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.25rem 0.75rem; margin: 0; }
      dt { font-weight: 600; }
      dd { margin: 0; overflow-wrap: anywhere; }
      ol.audit { padding-left: 1.25rem; margin: 0; }
    `,
  ];
  static override properties = {
    reviewId: { type: String },
    review: { state: true },
    deleted: { state: true },
    reports: { state: true },
    openReports: { state: true },
    audit: { state: true },
    auditNext: { state: true },
    error: { state: true },
    notice: { state: true },
    busy: { state: true },
    confirmDelete: { state: true },
    replyDraft: { state: true },
    replyError: { state: true },
  };

  declare api: DashboardApi;
  declare reviewId: string;
  declare review: Review | undefined;
  declare deleted: boolean;
  declare reports: AbuseReport[] | undefined;
  declare openReports: number;
  declare audit: ModerationAuditEntry[] | undefined;
  declare auditNext: string | null;
  declare error: string | undefined;
  declare notice: string | undefined;
  declare busy: boolean;
  declare confirmDelete: boolean;
  declare replyDraft: string;
  declare replyError: string | undefined;

  constructor() {
    super();
    this.reviewId = '';
    this.deleted = false;
    this.openReports = 0;
    this.auditNext = null;
    this.busy = false;
    this.confirmDelete = false;
    this.replyDraft = '';
  }

  override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('reviewId') && this.reviewId) void this.load();
  }

  private async load(): Promise<void> {
    this.error = undefined;
    this.review = undefined;
    this.deleted = false;
    try {
      const { review } = await this.api.call('getReview', {
        params: { reviewId: this.reviewId },
        query: { returnPrivateReviews: 'true' },
      });
      this.review = review;
      this.replyDraft = review.reply?.message ?? '';
    } catch (err) {
      this.error =
        err instanceof ApiError && err.status === 404
          ? 'This review does not exist or was deleted. Deleted reviews can be restored from the trash until they are purged.'
          : `The review could not be loaded: ${describeError(err)}`;
      return;
    }
    await Promise.all([this.loadReports(), this.loadAudit(null)]);
  }

  private async loadReports(): Promise<void> {
    try {
      const res = await this.api.call('listReviewReports', { params: { reviewId: this.reviewId } });
      this.reports = res.reports;
      this.openReports = res.metadata.openCount;
    } catch (err) {
      this.reports = [];
      this.error = `The reports could not be loaded: ${describeError(err)}`;
    }
  }

  private async loadAudit(cursor: string | null): Promise<void> {
    try {
      const res = await this.api.call('queryModerationAudit', {
        query: { reviewId: this.reviewId, limit: '20', ...(cursor ? { cursor } : {}) },
      });
      this.audit = cursor ? [...(this.audit ?? []), ...res.entries] : res.entries;
      this.auditNext = res.metadata.cursors.next;
    } catch (err) {
      this.audit = [];
      this.error = `The history could not be loaded: ${describeError(err)}`;
    }
  }

  /** Runs one action, shows its outcome, and reads the review again (its status, revision and history changed). */
  private async act(what: string, run: () => Promise<unknown>, reload = true): Promise<boolean> {
    this.busy = true;
    this.error = undefined;
    this.notice = undefined;
    try {
      await run();
      this.notice = what;
      if (reload) {
        const { review } = await this.api.call('getReview', {
          params: { reviewId: this.reviewId },
          query: { returnPrivateReviews: 'true' },
        });
        this.review = review;
        await Promise.all([this.loadReports(), this.loadAudit(null)]);
      }
      return true;
    } catch (err) {
      this.error = describeError(err);
      return false;
    } finally {
      this.busy = false;
    }
  }

  private moderate(status: 'APPROVED' | 'REJECTED') {
    return this.act(
      status === 'APPROVED' ? 'Approved: the review is published.' : 'Rejected: the review is hidden.',
      () => this.api.call('updateModerationStatus', { params: { reviewId: this.reviewId }, body: { status } }),
    );
  }

  private async trash(): Promise<void> {
    this.confirmDelete = false;
    const ok = await this.act(
      'Deleted: the review is in the trash.',
      () => this.api.call('deleteReview', { params: { reviewId: this.reviewId } }),
      false,
    );
    if (ok) this.deleted = true;
  }

  private async restore(): Promise<void> {
    const ok = await this.act('Restored from the trash.', () =>
      this.api.call('restoreReview', { params: { reviewId: this.reviewId } }),
    );
    if (ok) this.deleted = false;
  }

  private async saveReply(e: SubmitEvent): Promise<void> {
    e.preventDefault();
    const message = this.replyDraft.trim();
    if (!message) {
      this.replyError = 'Write the reply first (or remove the existing one).';
      return;
    }
    this.replyError = undefined;
    await this.act(this.review?.reply ? 'Reply updated.' : 'Reply published.', () =>
      this.api.call('setReply', { params: { reviewId: this.reviewId }, body: { message } }),
    );
  }

  private async removeReply(): Promise<void> {
    const ok = await this.act('Reply removed.', () =>
      this.api.call('removeReply', { params: { reviewId: this.reviewId } }),
    );
    if (ok) this.replyDraft = '';
  }

  private dismissReports() {
    return this.act('Open reports dismissed.', () =>
      this.api.call('dismissReviewReports', { params: { reviewId: this.reviewId } }),
    );
  }

  override render(): TemplateResult {
    const back = html`<p><a href="#/queue">← Back to the queue</a></p>`;
    const r = this.review;
    if (!r) {
      return html`${back}${
        this.error
          ? html`<div class="error" role="alert">${this.error}</div>`
          : html`<p role="status">Loading the review…</p>`
      }`;
    }
    const status = r.moderation.moderationStatus;
    return html`${back}
      <h1>${reviewName(r)}</h1>
      ${this.notice ? html`<div class="status" role="status">${this.notice}</div>` : nothing}
      ${this.error ? html`<div class="error" role="alert">${this.error}</div>` : nothing}
      ${
        this.deleted
          ? html`<div class="card" role="status">
            <p>This review is in the trash. It is no longer shown anywhere.</p>
            <button class="primary" ?disabled=${this.busy} @click=${() => this.restore()}>Restore</button>
          </div>`
          : html`<div class="row card" role="group" aria-label="Decision">
            <span class="badge ${status}">${STATUS_LABEL[status] ?? status}</span>
            <button class="approve" ?disabled=${this.busy || status === 'APPROVED'} @click=${() => this.moderate('APPROVED')}>Approve</button>
            <button ?disabled=${this.busy || status === 'REJECTED'} @click=${() => this.moderate('REJECTED')}>Reject</button>
            <button class="danger" ?disabled=${this.busy} @click=${() => (this.confirmDelete = true)}>Delete</button>
            ${
              this.confirmDelete
                ? html`<span role="alertdialog" aria-label="Confirm deletion" class="row">
                  Delete this review? It goes to the trash.
                  <button class="danger" @click=${() => this.trash()}>Yes, delete</button>
                  <button @click=${() => (this.confirmDelete = false)}>Cancel</button>
                </span>`
                : nothing
            }
          </div>`
      }
      <div class="layout">
        <div>
          <section class="card" aria-labelledby="content-h">
            <h2 id="content-h">Review</h2>
            <p class="stars" role="img" aria-label=${`${r.content.rating} out of 5 stars`}>${stars(r.content.rating)}</p>
            ${r.content.title ? html`<h3>${r.content.title}</h3>` : nothing}
            ${r.content.body ? html`<p class="pre">${r.content.body}</p>` : html`<p class="muted">No text.</p>`}
            ${this.renderMedia(r)}
          </section>
          ${this.deleted ? nothing : this.renderReply(r)}
        </div>
        <div>
          <section class="card" aria-labelledby="facts-h">
            <h2 id="facts-h">Details</h2>
            <dl>
              <dt>Author</dt><dd>${r.author.authorName || 'Anonymous'}</dd>
              <dt>Product</dt><dd>${r.namespace} / ${r.entityId}</dd>
              <dt>Written</dt><dd>${when(r.createdDate)}</dd>
              <dt>Updated</dt><dd>${when(r.updatedDate)}</dd>
              <dt>Helpful</dt><dd>${r.foundHelpful} found it helpful, ${r.foundUnhelpful} not</dd>
            </dl>
          </section>
          ${this.renderReports()}
          ${this.renderAudit()}
        </div>
      </div>`;
  }

  private renderMedia(r: Review): TemplateResult | typeof nothing {
    if (r.content.media.length === 0) return nothing;
    return html`<ul class="media" aria-label="Photos and videos">
      ${r.content.media.map((m) => {
        const image = m.image?.url ? safeMediaUrl(m.image.url) : undefined;
        const video = m.video?.url ? safeMediaUrl(m.video.url) : undefined;
        if (image)
          return html`<li><img src=${image} alt=${m.image?.altText || 'Photo attached to the review'} loading="lazy" /></li>`;
        if (video)
          return html`<li><video src=${video} controls preload="metadata" aria-label="Video attached to the review"></video></li>`;
        return html`<li class="muted">An attachment with an unsupported address</li>`;
      })}
    </ul>`;
  }

  private renderReply(r: Review): TemplateResult {
    return html`<section class="card" aria-labelledby="reply-h">
      <h2 id="reply-h">Your reply</h2>
      ${r.reply ? html`<p class="muted">Published ${when(r.reply.updatedDate)}</p>` : html`<p class="muted">No reply yet. A reply is shown under the review on the product page.</p>`}
      <form @submit=${(e: SubmitEvent) => this.saveReply(e)}>
        <label for="reply">Reply</label>
        <textarea
          id="reply"
          maxlength="4000"
          .value=${this.replyDraft}
          @input=${(e: Event) => (this.replyDraft = (e.target as HTMLTextAreaElement).value)}
          aria-describedby=${this.replyError ? 'reply-error' : nothing}
        ></textarea>
        ${this.replyError ? html`<p id="reply-error" class="error">${this.replyError}</p>` : nothing}
        <div class="row">
          <button class="primary" type="submit" ?disabled=${this.busy}>${r.reply ? 'Save reply' : 'Publish reply'}</button>
          ${r.reply ? html`<button type="button" class="danger" ?disabled=${this.busy} @click=${() => this.removeReply()}>Remove reply</button>` : nothing}
        </div>
      </form>
    </section>`;
  }

  private renderReports(): TemplateResult {
    const reports = this.reports;
    return html`<section class="card" aria-labelledby="reports-h">
      <h2 id="reports-h">Reports</h2>
      ${
        reports === undefined
          ? html`<p role="status">Loading…</p>`
          : reports.length === 0
            ? html`<p class="muted">No one has reported this review.</p>`
            : html`<p>${this.openReports} open of ${reports.length}.</p>
              <ul>
                ${reports.map(
                  (rep) => html`<li>
                    <strong>${REASON_LABEL[rep.reason] ?? rep.reason}</strong> (${rep.reporterKind.toLowerCase()},
                    ${rep.status.toLowerCase()}, ${when(rep.createdDate)})${rep.text ? html`: <span class="pre">${rep.text}</span>` : nothing}
                  </li>`,
                )}
              </ul>
              ${
                this.openReports > 0
                  ? html`<button ?disabled=${this.busy} @click=${() => this.dismissReports()}>Dismiss open reports</button>`
                  : nothing
              }`
      }
    </section>`;
  }

  private renderAudit(): TemplateResult {
    const audit = this.audit;
    return html`<section class="card" aria-labelledby="audit-h">
      <h2 id="audit-h">History</h2>
      ${
        audit === undefined
          ? html`<p role="status">Loading…</p>`
          : audit.length === 0
            ? html`<p class="muted">No status decisions recorded.</p>`
            : html`<ol class="audit">
              ${audit.map(
                (a) => html`<li>
                  ${when(a.createdDate)}: ${STATUS_LABEL[a.from] ?? a.from} → ${STATUS_LABEL[a.to] ?? a.to}
                  <span class="muted">(${a.reason}, by ${a.actor.kind.toLowerCase()})</span>
                </li>`,
              )}
            </ol>`
      }
      ${this.auditNext ? html`<button @click=${() => this.loadAudit(this.auditNext)}>More entries</button>` : nothing}
    </section>`;
  }
}
