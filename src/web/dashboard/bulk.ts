/**
 * `<vd-bulk-progress>`: follows one bulk or import job (`getJob`) to its end and shows it as a progress bar: against
 * the job's own total when it has one (an import: bytes of its file read, with a percentage), else against the
 * number of reviews it started with (`bulk.rules.ts`). Fires `job-done` with the job when it completes or fails.
 */
import { html, LitElement, nothing, type TemplateResult } from 'lit';
import type { Job } from '../../contract/index.ts';
import { type DashboardApi, describeError } from './api.ts';
import { barState } from './bulk.rules.ts';
import { shared } from './styles.ts';

const POLL_MS = 400;

export class VdBulkProgress extends LitElement {
  static override styles = shared;
  static override properties = {
    jobId: { type: String },
    total: { type: Number },
    label: { type: String },
    job: { state: true },
    error: { state: true },
  };

  declare api: DashboardApi;
  declare jobId: string;
  declare total: number;
  declare label: string;
  declare job: Job | undefined;
  declare error: string | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private following = '';

  constructor() {
    super();
    this.jobId = '';
    this.total = 0;
    this.label = '';
  }

  override updated(): void {
    if (this.jobId && this.following !== this.jobId) {
      this.following = this.jobId;
      this.job = undefined;
      this.error = undefined;
      void this.poll(this.jobId);
    }
  }

  override disconnectedCallback(): void {
    if (this.timer) clearTimeout(this.timer);
    this.following = '';
    super.disconnectedCallback();
  }

  private async poll(jobId: string): Promise<void> {
    if (this.following !== jobId) return;
    try {
      const { job } = await this.api.call('getJob', { params: { jobId } });
      if (this.following !== jobId) return;
      this.job = job;
      if (job.status === 'COMPLETED' || job.status === 'FAILED') {
        this.dispatchEvent(new CustomEvent('job-done', { detail: job, bubbles: true, composed: true }));
        return;
      }
    } catch (err) {
      this.error = `Could not read the job's progress: ${describeError(err)}. Retrying…`;
    }
    this.timer = setTimeout(() => void this.poll(jobId), POLL_MS);
  }

  override render(): TemplateResult {
    const job = this.job;
    const bar = barState(job, this.total);
    const ownTotal = job?.progress !== undefined;
    return html`<div class="card" aria-live="polite">
      <label for="bar">${this.label}</label>
      <progress id="bar" max=${bar.max} value=${bar.value} aria-valuetext=${bar.percent === undefined ? nothing : `${bar.percent}%`}></progress>
      <p class="muted">
        ${
          !job
            ? 'Starting…'
            : job.status === 'COMPLETED'
              ? `Done: ${job.succeeded} succeeded${job.failed ? `, ${job.failed} failed` : ''}.`
              : job.status === 'FAILED'
                ? `The job failed after ${job.processed} reviews${job.error ? `: ${job.error}` : ''}. Run it again to finish the rest.`
                : ownTotal
                  ? `${bar.percent ?? 0}% of the file read, ${job.processed} rows so far…`
                  : `${job.processed} of ${this.total || '?'} processed…`
        }
      </p>
      ${this.error ? html`<div class="error" role="alert">${this.error}</div>` : nothing}
    </div>`;
  }
}
