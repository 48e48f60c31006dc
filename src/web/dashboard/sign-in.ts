/**
 * `<vd-sign-in>`: e-mail and password (and the site, when the e-mail has users on several). Fires `signed-in` with
 * the session. Wrong credentials and a temporary lockout (429, with how long to wait) are said in words.
 */
import { css, html, LitElement, nothing, type TemplateResult } from 'lit';
import { ApiError, type DashboardApi, describeError } from './api.ts';
import { shared } from './styles.ts';

export class VdSignIn extends LitElement {
  static override styles = [
    shared,
    css`
      .card { max-width: 26rem; margin: 3rem auto; }
      form > * + * { margin-top: 0.9rem; }
      button { width: 100%; }
    `,
  ];
  static override properties = {
    busy: { state: true },
    error: { state: true },
    needsSite: { state: true },
  };

  declare api: DashboardApi;
  declare busy: boolean;
  declare error: string | undefined;
  declare needsSite: boolean;

  constructor() {
    super();
    this.busy = false;
    this.needsSite = false;
  }

  private async submit(e: SubmitEvent): Promise<void> {
    e.preventDefault();
    const data = new FormData(e.target as HTMLFormElement);
    const email = String(data.get('email') ?? '').trim();
    const password = String(data.get('password') ?? '');
    const siteId = String(data.get('siteId') ?? '').trim();
    if (!email || !password) {
      this.error = 'Enter your e-mail address and your password.';
      return;
    }
    this.busy = true;
    this.error = undefined;
    try {
      const session = await this.api.call('signIn', {
        body: { email, password, ...(siteId ? { siteId } : {}) },
      });
      this.dispatchEvent(new CustomEvent('signed-in', { detail: session, bubbles: true, composed: true }));
    } catch (err) {
      this.error = this.explain(err);
    } finally {
      this.busy = false;
    }
  }

  private explain(err: unknown): string {
    if (err instanceof ApiError) {
      if (err.status === 401) return 'The e-mail address or the password is wrong. Check both and try again.';
      if (err.status === 429) {
        const wait = err.retryAfterSeconds;
        const when = wait
          ? ` Try again in ${wait >= 120 ? `${Math.ceil(wait / 60)} minutes` : `${wait} seconds`}.`
          : ' Try again later.';
        return `Too many failed sign-ins: signing in is locked for a while.${when}`;
      }
      if (err.status === 400 && err.violations.some((v) => v.field.includes('siteId'))) {
        this.needsSite = true;
        return 'This e-mail address has users on several sites: enter the id of the site to sign in to.';
      }
    }
    return describeError(err);
  }

  override render(): TemplateResult {
    return html`<div class="card">
      <h1>Sign in to Verdict</h1>
      <form @submit=${(e: SubmitEvent) => this.submit(e)} novalidate>
        ${this.error ? html`<div class="error" role="alert">${this.error}</div>` : nothing}
        <div>
          <label for="email">E-mail address</label>
          <input id="email" name="email" type="email" autocomplete="username" required />
        </div>
        <div>
          <label for="password">Password</label>
          <input id="password" name="password" type="password" autocomplete="current-password" required />
        </div>
        ${
          this.needsSite
            ? html`<div>
              <label for="siteId">Site id</label>
              <input id="siteId" name="siteId" autocomplete="off" />
            </div>`
            : nothing
        }
        <button class="primary" type="submit" ?disabled=${this.busy}>${this.busy ? 'Signing in…' : 'Sign in'}</button>
      </form>
    </div>`;
  }
}
