/**
 * `<vd-insights>` (owner and moderator): a namespace's (or one product's) published ratings — count, average,
 * stars histogram, the course of ratings over time as a uPlot chart with the same numbers in a table, the most
 * reviewed and lowest rated products — and how much moderation held and why, for a chosen period.
 */
import { css, html, LitElement, nothing, type TemplateResult, unsafeCSS } from 'lit';
import uPlot from 'uplot';
import uplotCss from 'uplot/dist/uPlot.min.css';
import type { Insights, InsightsBucket } from '../../contract/insights.ts';
import { type DashboardApi, describeError } from './api.ts';
import { shared } from './styles.ts';

const DAY_MS = 86_400_000;
const day = (d: Date) => d.toISOString().slice(0, 10);

interface Period {
  namespace: string;
  entityId: string;
  from: string;
  to: string;
  bucket: InsightsBucket;
}

export class VdInsights extends LitElement {
  static override styles = [
    shared,
    unsafeCSS(uplotCss),
    css`
      form.period { display: grid; gap: 0.75rem; grid-template-columns: repeat(auto-fill, minmax(10rem, 1fr)); align-items: end; }
      .numbers { display: flex; gap: 2rem; flex-wrap: wrap; }
      .number strong { display: block; font-size: 1.75rem; }
      .hist { display: grid; grid-template-columns: max-content 1fr max-content; gap: 0.25rem 0.5rem; align-items: center; }
      meter { width: 100%; height: 1rem; }
      .chart { min-height: 16rem; overflow: hidden; }
      .cols { display: grid; gap: 1rem; }
      @media (min-width: 64rem) { .cols { grid-template-columns: 1fr 1fr; } }
    `,
  ];
  static override properties = {
    period: { state: true },
    insights: { state: true },
    error: { state: true },
    loading: { state: true },
  };

  declare api: DashboardApi;
  declare period: Period;
  declare insights: Insights | undefined;
  declare error: string | undefined;
  declare loading: boolean;
  private plot: uPlot | undefined;
  private readonly resize = () => this.drawChart();

  constructor() {
    super();
    const now = new Date();
    this.period = {
      namespace: 'stores',
      entityId: '',
      from: day(new Date(now.getTime() - 89 * DAY_MS)),
      to: day(now),
      bucket: 'week',
    };
    this.loading = false;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    addEventListener('resize', this.resize);
    void this.load();
  }

  override disconnectedCallback(): void {
    removeEventListener('resize', this.resize);
    this.plot?.destroy();
    this.plot = undefined;
    super.disconnectedCallback();
  }

  private async load(): Promise<void> {
    const p = this.period;
    if (p.from > p.to) {
      this.error = 'The start of the period is after its end.';
      return;
    }
    this.loading = true;
    this.error = undefined;
    try {
      const end = new Date(`${p.to}T00:00:00Z`);
      const { insights } = await this.api.call('getInsights', {
        query: {
          namespace: p.namespace,
          ...(p.entityId ? { entityId: p.entityId } : {}),
          from: `${p.from}T00:00:00Z`,
          // The form's end day is inclusive; the API's `to` is exclusive.
          to: `${day(new Date(end.getTime() + DAY_MS))}T00:00:00Z`,
          bucket: p.bucket,
        },
      });
      this.insights = insights;
    } catch (err) {
      this.error = `Insights could not be loaded: ${describeError(err)}`;
    } finally {
      this.loading = false;
    }
  }

  private submit(e: SubmitEvent): void {
    e.preventDefault();
    const data = new FormData(e.target as HTMLFormElement);
    this.period = {
      namespace: String(data.get('namespace') ?? '').trim() || 'stores',
      entityId: String(data.get('entityId') ?? '').trim(),
      from: String(data.get('from') ?? this.period.from),
      to: String(data.get('to') ?? this.period.to),
      bucket: String(data.get('bucket') ?? 'week') as InsightsBucket,
    };
    void this.load();
  }

  override updated(): void {
    this.drawChart();
  }

  /** (Re)draws the chart of average rating (line) and review count (bars) per bucket into its container. */
  private drawChart(): void {
    const target = this.renderRoot.querySelector<HTMLElement>('.chart');
    const points = this.insights?.ratingsOverTime ?? [];
    this.plot?.destroy();
    this.plot = undefined;
    if (!target || points.length === 0) return;
    const xs = points.map((p) => Date.parse(`${p.at}T00:00:00Z`) / 1000);
    const averages = points.map((p) => (p.count > 0 ? p.average : null));
    const counts = points.map((p) => p.count);
    const width = Math.max(280, target.clientWidth);
    this.plot = new uPlot(
      {
        width,
        height: 260,
        title: 'Ratings over time',
        scales: { avg: { range: [0, 5] }, n: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
        axes: [
          {},
          { scale: 'avg', label: 'Average' },
          { scale: 'n', side: 1, label: 'Reviews', grid: { show: false } },
        ],
        series: [
          {},
          { label: 'Average rating', scale: 'avg', stroke: '#0b57d0', width: 2, spanGaps: true },
          {
            label: 'Reviews',
            scale: 'n',
            stroke: '#8a5a00',
            fill: 'rgba(138,90,0,0.15)',
            paths: uPlot.paths.bars?.({ size: [0.6] }),
          },
        ],
      },
      [xs, averages, counts],
      target,
    );
  }

  override render(): TemplateResult {
    const p = this.period;
    return html`<h1>Insights</h1>
      <form class="period card" @submit=${(e: SubmitEvent) => this.submit(e)}>
        <div><label for="namespace">Namespace</label><input id="namespace" name="namespace" .value=${p.namespace} maxlength="100" /></div>
        <div><label for="entity">Product (optional)</label><input id="entity" name="entityId" .value=${p.entityId} maxlength="200" /></div>
        <div><label for="from">From</label><input id="from" name="from" type="date" .value=${p.from} /></div>
        <div><label for="to">To</label><input id="to" name="to" type="date" .value=${p.to} /></div>
        <div>
          <label for="bucket">Points per</label>
          <select id="bucket" name="bucket">
            ${(['day', 'week', 'month'] as const).map((b) => html`<option value=${b} ?selected=${p.bucket === b}>${b}</option>`)}
          </select>
        </div>
        <div><button class="primary" type="submit">Show</button></div>
      </form>
      ${this.error ? html`<div class="error" role="alert">${this.error}</div>` : nothing}
      ${this.insights ? this.renderInsights(this.insights) : this.loading ? html`<p role="status">Loading insights…</p>` : nothing}`;
  }

  private renderInsights(i: Insights): TemplateResult {
    if (i.summary.count === 0 && i.held.submitted === 0) {
      return html`<div class="card empty" role="status">
        <h2>No reviews yet</h2>
        <p class="muted">Nothing is published in this namespace. Check the namespace, or import reviews under Data.</p>
      </div>`;
    }
    const max = Math.max(1, ...[1, 2, 3, 4, 5].map((n) => i.histogram[String(n) as '1']));
    return html`<section class="card" aria-labelledby="sum-h">
        <h2 id="sum-h">Published reviews</h2>
        <div class="numbers">
          <p class="number"><strong>${i.summary.count}</strong> reviews</p>
          <p class="number"><strong>${i.summary.average.toFixed(2)}</strong> average rating</p>
          <p class="number"><strong>${i.held.pending}</strong> awaiting moderation</p>
        </div>
        <div class="hist" role="list" aria-label="Reviews per star">
          ${[5, 4, 3, 2, 1].map((n) => {
            const c = i.histogram[String(n) as '1'];
            return html`<span role="listitem" class="sr-only">${n} stars: ${c}</span>
              <span aria-hidden="true">${n} ★</span>
              <meter aria-hidden="true" min="0" max=${max} value=${c}></meter>
              <span aria-hidden="true">${c}</span>`;
          })}
        </div>
      </section>
      <section class="card" aria-labelledby="time-h">
        <h2 id="time-h">Ratings over time</h2>
        ${
          i.ratingsOverTime.every((pt) => pt.count === 0)
            ? html`<p class="muted">No published reviews are dated in this period.</p>`
            : html`<div class="chart" role="img" aria-label="Chart of the average rating and the number of reviews per ${this.period.bucket}; the table below holds the same numbers"></div>
              <details>
                <summary>The numbers as a table</summary>
                <div class="scroll">
                  <table>
                    <thead><tr><th scope="col">${this.period.bucket} from</th><th scope="col">Reviews</th><th scope="col">Average</th></tr></thead>
                    <tbody>
                      ${i.ratingsOverTime.map((pt) => html`<tr><td>${pt.at}</td><td>${pt.count}</td><td>${pt.count ? pt.average.toFixed(2) : '—'}</td></tr>`)}
                    </tbody>
                  </table>
                </div>
              </details>`
        }
      </section>
      <div class="cols">
        ${this.entityTable('Most reviewed', i.mostReviewed, 'No products with published reviews.')}
        ${this.entityTable('Lowest averages', i.lowestAverages, 'No product has enough reviews to compare averages yet.')}
      </div>
      <section class="card" aria-labelledby="held-h">
        <h2 id="held-h">Held for moderation in this period</h2>
        <p>
          ${i.held.total} holds of ${i.held.submitted} submitted reviews
          (${(i.held.share * 100).toFixed(1)}%).
        </p>
        ${
          i.held.byReason.length
            ? html`<ul>${i.held.byReason.map((r) => html`<li>${r.reason}: ${r.count}</li>`)}</ul>`
            : html`<p class="muted">Nothing was held.</p>`
        }
      </section>`;
  }

  private entityTable(title: string, rows: Insights['mostReviewed'], empty: string): TemplateResult {
    return html`<section class="card" aria-label=${title}>
      <h2>${title}</h2>
      ${
        rows.length === 0
          ? html`<p class="muted">${empty}</p>`
          : html`<div class="scroll"><table>
            <thead><tr><th scope="col">Product</th><th scope="col">Reviews</th><th scope="col">Average</th></tr></thead>
            <tbody>
              ${rows.map(
                (r) => html`<tr>
                  <td><a href="#/queue?status=ALL&entityId=${encodeURIComponent(r.entityId)}">${r.entityId}</a></td>
                  <td>${r.count}</td>
                  <td>${r.average.toFixed(2)}</td>
                </tr>`,
              )}
            </tbody>
          </table></div>`
      }
    </section>`;
  }
}
