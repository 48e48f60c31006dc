/**
 * `<vd-keys>` (owner): the site's API keys, oldest first, a page at a time — never a secret, only what tells them
 * apart — creating one (its secret shown this once, with a way to copy it) and revoking one after a confirmation.
 */
import { html, LitElement, nothing, type TemplateResult } from 'lit';
import type { ApiKeyInfo } from '../../contract/keys.ts';
import { type DashboardApi, describeError } from './api.ts';
import { when } from './format.ts';
import { FIRST_PAGE, landed, type Move, type Pages, target } from './pager.rules.ts';
import { pagerNav } from './pager.ts';
import { shared } from './styles.ts';

const SCOPES = ['reviews.read', 'reviews.read_private', 'reviews.manage', 'reviews.moderate'] as const;
type ScopeName = (typeof SCOPES)[number];

/** Keys per page. */
export const KEYS_PAGE_SIZE = 10;

export class VdKeys extends LitElement {
  static override styles = shared;
  static override properties = {
    keys: { state: true },
    pages: { state: true },
    loading: { state: true },
    secret: { state: true },
    message: { state: true },
    revoking: { state: true },
    kind: { state: true },
  };

  declare api: DashboardApi;
  declare keys: ApiKeyInfo[] | undefined;
  declare pages: Pages;
  declare loading: boolean;
  /** The secret of the key just created: shown until the owner dismisses it, never again. */
  declare secret: { name: string; value: string; copied: boolean } | undefined;
  declare message: { kind: 'status' | 'error'; text: string } | undefined;
  declare revoking: string | undefined;
  declare kind: 'app' | 'admin';

  constructor() {
    super();
    this.kind = 'app';
    this.pages = FIRST_PAGE;
    this.loading = false;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
  }

  /** Reads a page: the one shown again (after a change), the first, or the next or previous one. */
  private async load(move: Move = 'same'): Promise<void> {
    const to = target(this.pages, move);
    this.loading = true;
    try {
      const res = await this.api.call('listApiKeys', {
        query: { limit: String(KEYS_PAGE_SIZE), ...(to.cursor ? { cursor: to.cursor } : {}) },
      });
      this.pages = landed(to, res.metadata.cursors.next);
      this.keys = res.keys;
    } catch (err) {
      this.keys ??= [];
      this.message = { kind: 'error', text: `Could not load the keys: ${describeError(err)}` };
    } finally {
      this.loading = false;
    }
  }

  private async create(e: SubmitEvent): Promise<void> {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const data = new FormData(form);
    const name = String(data.get('name') ?? '').trim();
    const scopes = data.getAll('scope').map(String) as ScopeName[];
    if (!name) {
      this.message = { kind: 'error', text: 'Name the key, so you can tell it apart later.' };
      return;
    }
    if (this.kind === 'app' && scopes.length === 0) {
      this.message = { kind: 'error', text: 'Choose at least one scope for an app key.' };
      return;
    }
    try {
      const res = await this.api.call('createApiKey', {
        body: { name, kind: this.kind, ...(this.kind === 'app' ? { scopes } : {}) },
      });
      form.reset();
      this.kind = 'app';
      this.secret = { name: res.key.name, value: res.secret, copied: false };
      this.message = undefined;
      await this.load();
    } catch (err) {
      this.message = { kind: 'error', text: `Not created: ${describeError(err)}` };
    }
  }

  private async copy(): Promise<void> {
    if (!this.secret) return;
    try {
      await navigator.clipboard.writeText(this.secret.value);
      this.secret = { ...this.secret, copied: true };
    } catch {
      this.message = { kind: 'error', text: 'The browser refused to copy: select the key and copy it yourself.' };
    }
  }

  private async revoke(k: ApiKeyInfo): Promise<void> {
    this.revoking = undefined;
    try {
      await this.api.call('revokeApiKey', { params: { keyId: k.id } });
      this.message = { kind: 'status', text: `"${k.name}" is revoked: requests with it are refused from now on.` };
      await this.load();
    } catch (err) {
      this.message = { kind: 'error', text: `Not revoked: ${describeError(err)}` };
    }
  }

  override render(): TemplateResult {
    const keys = this.keys;
    return html`<section class="card" aria-labelledby="keys-h">
      <h2 id="keys-h">API keys</h2>
      ${
        this.message
          ? html`<div class=${this.message.kind} role=${this.message.kind === 'error' ? 'alert' : 'status'}>${this.message.text}</div>`
          : nothing
      }
      ${
        this.secret
          ? html`<div class="status" role="status">
            <p><strong>The key "${this.secret.name}" — shown only now.</strong> Store it in your app's secrets; Verdict keeps only its hash.</p>
            <p><label for="secret">Key</label><input id="secret" readonly .value=${this.secret.value} /></p>
            <div class="row">
              <button @click=${() => this.copy()}>${this.secret.copied ? 'Copied' : 'Copy the key'}</button>
              <button @click=${() => (this.secret = undefined)}>I have stored it</button>
            </div>
          </div>`
          : nothing
      }
      ${
        keys === undefined
          ? html`<p role="status">Loading…</p>`
          : keys.length === 0
            ? html`<p class="muted">No keys.</p>`
            : html`<div class="scroll" aria-busy=${this.loading ? 'true' : 'false'}><table>
              <caption class="sr-only">API keys, oldest first</caption>
              <thead><tr><th scope="col">Name</th><th scope="col">Key</th><th scope="col">Scopes</th><th scope="col">Created</th><th scope="col"><span class="sr-only">State</span></th></tr></thead>
              <tbody>
                ${keys.map(
                  (k) => html`<tr>
                    <td>${k.name}</td>
                    <td><code>${k.displayPrefix}${k.lastFour ? `…${k.lastFour}` : ''}</code></td>
                    <td>${k.kind === 'admin' ? 'everything (admin)' : k.scopes.join(', ')}</td>
                    <td>${when(k.createdDate)}</td>
                    <td>
                      ${
                        k.revokedDate
                          ? html`Revoked ${when(k.revokedDate)}`
                          : this.revoking === k.id
                            ? html`<button class="danger" @click=${() => this.revoke(k)}>Yes, revoke</button>
                              <button @click=${() => (this.revoking = undefined)}>Cancel</button>`
                            : html`<button class="danger" @click=${() => (this.revoking = k.id)}>Revoke<span class="sr-only"> ${k.name}</span></button>`
                      }
                    </td>
                  </tr>`,
                )}
              </tbody>
            </table></div>
            ${pagerNav('API keys', this.pages, this.loading, (move) => void this.load(move))}`
      }
      <h3>Create a key</h3>
      <form @submit=${(e: SubmitEvent) => this.create(e)} novalidate>
        <div class="grid wide">
          <div><label for="key-name">Name</label><input id="key-name" name="name" maxlength="100" /></div>
          <div>
            <label for="key-kind">Kind</label>
            <select id="key-kind" name="kind" @change=${(e: Event) => (this.kind = (e.target as HTMLSelectElement).value as 'app' | 'admin')}>
              <option value="app" ?selected=${this.kind === 'app'}>App key (chosen scopes)</option>
              <option value="admin" ?selected=${this.kind === 'admin'}>Admin key (everything)</option>
            </select>
          </div>
        </div>
        ${
          this.kind === 'app'
            ? html`<fieldset>
              <legend>Scopes</legend>
              ${SCOPES.map(
                (s) =>
                  html`<span class="row"><input type="checkbox" id="scope-${s}" name="scope" value=${s} ?checked=${s === 'reviews.read'} /><label for="scope-${s}">${s}</label></span>`,
              )}
            </fieldset>`
            : nothing
        }
        <p></p>
        <button class="primary" type="submit">Create key</button>
      </form>
    </section>`;
  }
}
