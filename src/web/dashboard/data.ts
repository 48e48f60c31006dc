/**
 * `<vd-data>` (owner): import a file (a dry run first, then for real) followed as a job to its reconciliation
 * report; exports as downloads; and a contact's personal data — found by e-mail, exported, or erased after the
 * owner types the e-mail again to confirm.
 */
import { html, LitElement, nothing, type TemplateResult } from 'lit';
import type { ImportReport } from '../../contract/import-report.ts';
import type { StartImportQuery } from '../../contract/imports.ts';
import type { Contact, EraseContactResponse, Job } from '../../contract/index.ts';
import { type DashboardApi, describeError } from './api.ts';
import { shared } from './styles.ts';

const FORMATS: readonly { format: StartImportQuery['format']; label: string }[] = [
  { format: 'verdict', label: 'Verdict (NDJSON or CSV export)' },
  { format: 'wix', label: 'Wix reviews CSV' },
  { format: 'judgeme', label: 'Judge.me CSV' },
  { format: 'yotpo', label: 'Yotpo CSV' },
  { format: 'woocommerce', label: 'WooCommerce CSV' },
  { format: 'shopify', label: 'Shopify Product Reviews CSV' },
];

type Message = { kind: 'status' | 'error'; text: string } | undefined;
const message = (m: Message) =>
  m ? html`<div class=${m.kind} role=${m.kind === 'error' ? 'alert' : 'status'}>${m.text}</div>` : nothing;

export class VdData extends LitElement {
  static override styles = shared;
  static override properties = {
    importJob: { state: true },
    report: { state: true },
    importMessage: { state: true },
    contacts: { state: true },
    contactsNext: { state: true },
    privacyMessage: { state: true },
    erasing: { state: true },
    erased: { state: true },
  };

  declare api: DashboardApi;
  /** The last import job: followed while it runs, then left showing its outcome (a full bar) until the next. */
  declare importJob: { id: string; label: string; done: boolean } | undefined;
  declare report: ImportReport | undefined;
  declare importMessage: Message;
  declare contacts: Contact[] | undefined;
  /** The cursor of the contacts found after those shown; null when all are shown. */
  declare contactsNext: string | null | undefined;
  declare privacyMessage: Message;
  declare erasing: Contact | undefined;
  declare erased: EraseContactResponse['erased'] | undefined;

  private async startImport(e: SubmitEvent): Promise<void> {
    e.preventDefault();
    const data = new FormData(e.target as HTMLFormElement);
    const file = data.get('file');
    const format = String(data.get('format')) as StartImportQuery['format'];
    const dryRun = data.get('dryRun') === 'on';
    if (!(file instanceof File) || file.size === 0) {
      this.importMessage = { kind: 'error', text: 'Choose the file to import.' };
      return;
    }
    this.report = undefined;
    this.importMessage = undefined;
    try {
      const { jobId } = await this.api.call('startImport', {
        query: { format, ...(dryRun ? { dryRun: 'true' } : {}) },
        body: await file.text(),
      });
      this.importJob = { id: jobId, label: `${dryRun ? 'Checking' : 'Importing'} ${file.name}`, done: false };
    } catch (err) {
      this.importMessage = { kind: 'error', text: `The import could not start: ${describeError(err)}` };
    }
  }

  private importDone(job: Job): void {
    if (this.importJob) this.importJob = { ...this.importJob, done: true };
    this.report = job.result;
    this.importMessage =
      job.status === 'COMPLETED'
        ? { kind: 'status', text: job.result?.dryRun ? 'Dry run finished: nothing was written.' : 'Import finished.' }
        : { kind: 'error', text: `The import failed${job.error ? `: ${job.error}` : ''}.` };
  }

  private async findContact(e: SubmitEvent): Promise<void> {
    e.preventDefault();
    const email = String(new FormData(e.target as HTMLFormElement).get('email') ?? '').trim();
    this.erased = undefined;
    this.erasing = undefined;
    if (!/^[^\s@]+@[^\s@]+$/.test(email)) {
      this.privacyMessage = { kind: 'error', text: 'Enter the e-mail address of the person who asked.' };
      return;
    }
    try {
      const res = await this.api.call('queryContacts', {
        body: { query: { filter: { 'info.emails.email': email }, cursorPaging: { limit: 10 } } },
      });
      this.contacts = res.contacts;
      this.contactsNext = res.pagingMetadata.cursors.next;
      this.privacyMessage = res.contacts.length
        ? undefined
        : { kind: 'status', text: `No contact has the e-mail address ${email}. Verdict holds nothing under it.` };
    } catch (err) {
      this.privacyMessage = { kind: 'error', text: `Search failed: ${describeError(err)}` };
    }
  }

  /** The contacts found after those shown (the cursor carries the search). */
  private async moreContacts(): Promise<void> {
    const cursor = this.contactsNext;
    if (!cursor) return;
    this.contactsNext = undefined;
    try {
      const res = await this.api.call('queryContacts', { body: { query: { cursorPaging: { limit: 10, cursor } } } });
      this.contacts = [...(this.contacts ?? []), ...res.contacts];
      this.contactsNext = res.pagingMetadata.cursors.next;
    } catch (err) {
      this.contactsNext = cursor;
      this.privacyMessage = { kind: 'error', text: `Search failed: ${describeError(err)}` };
    }
  }

  private async erase(e: SubmitEvent, contact: Contact): Promise<void> {
    e.preventDefault();
    const typed = String(new FormData(e.target as HTMLFormElement).get('confirm') ?? '')
      .trim()
      .toLowerCase();
    if (typed !== (contact.primaryInfo.email ?? '').toLowerCase()) {
      this.privacyMessage = {
        kind: 'error',
        text: "Type the contact's e-mail address exactly to confirm the erasure.",
      };
      return;
    }
    try {
      const { erased } = await this.api.call('eraseContact', { params: { contactId: contact.id } });
      this.erased = erased;
      this.erasing = undefined;
      this.contacts = (this.contacts ?? []).filter((c) => c.id !== contact.id);
      this.privacyMessage = {
        kind: 'status',
        text: `Erased: ${erased.reviews} reviews, ${erased.votes} votes, ${erased.reports} reports${erased.contact ? ' and the contact' : ''}.`,
      };
    } catch (err) {
      this.privacyMessage = { kind: 'error', text: `Not erased: ${describeError(err)}` };
    }
  }

  override render(): TemplateResult {
    return html`<h1>Data</h1> ${this.renderImport()} ${this.renderExport()} ${this.renderPrivacy()}`;
  }

  private renderImport(): TemplateResult {
    const r = this.report;
    return html`<section class="card" aria-labelledby="import-h">
      <h2 id="import-h">Import reviews</h2>
      <p class="muted">Run a dry run first: it reads the whole file and reports what would be created, skipped or refused, without writing anything.</p>
      ${message(this.importMessage)}
      <form @submit=${(e: SubmitEvent) => this.startImport(e)} novalidate>
        <div class="grid wide">
          <div><label for="file">File</label><input id="file" name="file" type="file" accept=".csv,.ndjson,.jsonl,.json,.txt" /></div>
          <div>
            <label for="format">Exported by</label>
            <select id="format" name="format">${FORMATS.map((f) => html`<option value=${f.format}>${f.label}</option>`)}</select>
          </div>
        </div>
        <p class="row"><input id="dryRun" name="dryRun" type="checkbox" checked /><label for="dryRun">Dry run (write nothing)</label></p>
        <button class="primary" type="submit" ?disabled=${!!this.importJob && !this.importJob.done}>Start</button>
      </form>
      ${
        this.importJob
          ? html`<vd-bulk-progress .api=${this.api} .jobId=${this.importJob.id} .total=${0} .label=${this.importJob.label}
            @job-done=${(e: CustomEvent<Job>) => this.importDone(e.detail)}></vd-bulk-progress>`
          : nothing
      }
      ${
        r
          ? html`<h3>Report${r.dryRun ? ' (dry run)' : ''}</h3>
            <ul>
              <li>${r.rowsRead} rows read</li>
              <li>${r.created} ${r.dryRun ? 'would be created' : 'created'}, ${r.skipped} already there, ${r.failed} refused</li>
              <li>${r.matching} of ${r.entities} products agree with Verdict's totals</li>
            </ul>
            ${
              r.errors.length
                ? html`<h4>Refused rows</h4><ul>${r.errors.map(
                    (er) =>
                      html`<li>Line ${er.line}${er.sourceId ? ` (${er.sourceId})` : ''}: ${er.violations.map((v) => `${v.field} ${v.description}`).join('; ')}</li>`,
                  )}</ul>`
                : nothing
            }
            ${
              r.mismatches.length
                ? html`<h4>Products whose totals differ</h4><div class="scroll"><table>
                  <thead><tr><th scope="col">Product</th><th scope="col">File</th><th scope="col">Verdict</th></tr></thead>
                  <tbody>${r.mismatches.map(
                    (m) =>
                      html`<tr><td>${m.namespace}/${m.entityId}</td><td>${m.file.count} at ${m.file.average.toFixed(2)}</td><td>${m.verdict.count} at ${m.verdict.average.toFixed(2)}</td></tr>`,
                  )}</tbody></table></div>`
                : nothing
            }`
          : nothing
      }
    </section>`;
  }

  private renderExport(): TemplateResult {
    return html`<section class="card" aria-labelledby="export-h">
      <h2 id="export-h">Export reviews</h2>
      <p class="muted">Every live review of the site, in Verdict's import format; or the published ones as a Google product review feed.</p>
      <ul>
        <li><a href=${this.api.href('exportReviews', { query: { format: 'ndjson' } })} download>Download NDJSON</a></li>
        <li><a href=${this.api.href('exportReviews', { query: { format: 'csv' } })} download>Download CSV</a></li>
        <li><a href=${this.api.href('exportReviews', { query: { format: 'google' } })} download>Download the Google feed (XML)</a></li>
      </ul>
    </section>`;
  }

  private renderPrivacy(): TemplateResult {
    return html`<section class="card" aria-labelledby="privacy-h">
      <h2 id="privacy-h">Personal data requests</h2>
      ${message(this.privacyMessage)}
      <form class="row end" @submit=${(e: SubmitEvent) => this.findContact(e)} novalidate>
        <div><label for="privacy-email">E-mail address</label><input id="privacy-email" name="email" type="email" autocomplete="off" /></div>
        <button type="submit">Find</button>
      </form>
      ${(this.contacts ?? []).map(
        (c) => html`<div class="card">
          <p><strong>${c.primaryInfo.email ?? '(no e-mail)'}</strong>
            ${c.info.name ? html` — ${[c.info.name.first, c.info.name.last].filter(Boolean).join(' ')}` : nothing}</p>
          <div class="row">
            <a href=${this.api.href('exportContact', { params: { contactId: c.id } })} download="contact-${c.id}.json">Download everything held about them</a>
            <button class="danger" @click=${() => (this.erasing = c)}>Erase…</button>
          </div>
          ${
            this.erasing?.id === c.id
              ? html`<form @submit=${(e: SubmitEvent) => this.erase(e, c)} novalidate>
                <p>Erasing deletes their reviews, votes and reports for good and removes the contact. This cannot be undone.</p>
                <label for="confirm-${c.id}">Type ${c.primaryInfo.email ?? ''} to confirm</label>
                <input id="confirm-${c.id}" name="confirm" autocomplete="off" />
                <p></p>
                <div class="row">
                  <button class="danger" type="submit">Erase for good</button>
                  <button type="button" @click=${() => (this.erasing = undefined)}>Cancel</button>
                </div>
              </form>`
              : nothing
          }
        </div>`,
      )}
      ${
        this.contactsNext !== null && this.contacts !== undefined
          ? html`<button ?disabled=${this.contactsNext === undefined} @click=${() => this.moreContacts()}>
            ${this.contactsNext === undefined ? 'Loading…' : 'More contacts'}
          </button>`
          : nothing
      }
    </section>`;
  }
}
