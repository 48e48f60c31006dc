/**
 * `<verdict-dashboard>`: the shell. It reads the session (the cookie is HttpOnly, so the server is asked), shows
 * the sign-in form without one, and otherwise the navigation the user's role allows and the screen the address
 * names. Screens are addressed by the hash (`#/queue`, `#/review/<id>`, `#/settings`), so the server serves one
 * page and the back button works.
 */
import { css, html, LitElement, nothing, type TemplateResult } from 'lit';
import { ApiError, DashboardApi, describeError } from './api.ts';
import { type DashboardUser, mayOpen, parseRoute, type Screen, type Session } from './session.ts';
import { shared } from './styles.ts';

const NAV: readonly { screen: Screen; label: string }[] = [
  { screen: 'queue', label: 'Queue' },
  { screen: 'insights', label: 'Insights' },
  { screen: 'settings', label: 'Settings' },
  { screen: 'data', label: 'Data' },
];

export class VerdictDashboard extends LitElement {
  static override styles = [
    shared,
    css`
      header { background: #1d1d1f; color: #fff; }
      .bar { max-width: 80rem; margin: 0 auto; padding: 0.5rem 1rem; display: flex; flex-wrap: wrap; gap: 0.5rem 1.25rem; align-items: center; }
      .brand { font-weight: 700; font-size: 1.1rem; margin: 0; }
      nav ul { list-style: none; display: flex; flex-wrap: wrap; gap: 0.25rem; margin: 0; padding: 0; }
      nav a { color: #fff; text-decoration: none; padding: 0.5rem 0.75rem; border-radius: 0.4rem; display: inline-block; }
      nav a[aria-current='page'] { background: #3a3a3c; text-decoration: underline; }
      nav a:focus-visible { outline-color: #8ab4f8; }
      .who { margin-left: auto; display: flex; gap: 0.75rem; align-items: center; flex-wrap: wrap; }
      .role { color: #d0d0d0; }
      a.account { color: #fff; }
      a.account:focus-visible { outline-color: #8ab4f8; }
      .who button { background: transparent; color: #fff; border-color: #aaa; }
      .who button:focus-visible { outline-color: #8ab4f8; }
      main { max-width: 80rem; margin: 0 auto; padding: 1rem; }
    `,
  ];
  static override properties = {
    session: { state: true },
    route: { state: true },
    loadError: { state: true },
  };

  /** undefined while the session is being read; null when there is none. */
  declare session: Session | null | undefined;
  declare route: ReturnType<typeof parseRoute>;
  declare loadError: string | undefined;

  readonly api = new DashboardApi();
  private readonly onHash = () => {
    this.route = parseRoute(location.hash);
  };

  constructor() {
    super();
    this.route = parseRoute(location.hash);
    this.api.onUnauthenticated = () => this.signedOut();
  }

  override connectedCallback(): void {
    super.connectedCallback();
    addEventListener('hashchange', this.onHash);
    void this.readSession();
  }

  override disconnectedCallback(): void {
    removeEventListener('hashchange', this.onHash);
    super.disconnectedCallback();
  }

  private async readSession(): Promise<void> {
    this.loadError = undefined;
    this.session = undefined;
    try {
      this.adopt(await this.api.call('getSession'));
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) this.session = null;
      else this.loadError = describeError(err);
    }
  }

  private adopt(session: Session): void {
    this.api.csrfToken = session.csrfToken;
    this.session = session;
  }

  private signedOut(): void {
    this.api.csrfToken = undefined;
    this.session = null;
  }

  private async signOut(): Promise<void> {
    try {
      await this.api.call('signOut', { body: {} });
    } catch {
      // The session may already be gone; either way this browser is signed out now.
    }
    this.signedOut();
  }

  override render(): TemplateResult {
    if (this.loadError) {
      return html`<main>
        <div class="error" role="alert">The dashboard could not start: ${this.loadError}</div>
        <button class="primary" @click=${() => this.readSession()}>Try again</button>
      </main>`;
    }
    if (this.session === undefined) return html`<main><p role="status">Loading…</p></main>`;
    if (this.session === null) {
      return html`<main>
        <vd-sign-in .api=${this.api} @signed-in=${(e: CustomEvent<Session>) => this.adopt(e.detail)}></vd-sign-in>
      </main>`;
    }
    const user = this.session.user;
    return html`<header>
        <div class="bar">
          <p class="brand">Verdict</p>
          <nav aria-label="Dashboard">
            <ul>
              ${NAV.filter((n) => mayOpen(user, n.screen)).map(
                (n) => html`<li>
                  <a
                    href="#/${n.screen}"
                    aria-current=${this.current(n.screen) ? 'page' : nothing}
                    >${n.label}</a
                  >
                </li>`,
              )}
            </ul>
          </nav>
          <div class="who">
            <a class="account" href="#/account">${user.email} <span class="role">(${user.role})</span></a>
            <button @click=${() => this.signOut()}>Sign out</button>
          </div>
        </div>
      </header>
      <main>${this.screen(user)}</main>`;
  }

  private current(screen: Screen): boolean {
    return this.route.screen === screen || (screen === 'queue' && this.route.screen === 'review');
  }

  private screen(user: DashboardUser): TemplateResult {
    const { screen, id, params } = this.route;
    if (!mayOpen(user, screen)) {
      return html`<div class="card" role="alert">
        <h1>Not available to moderators</h1>
        <p>Only the site's owner can open this page. <a href="#/queue">Go to the queue</a>.</p>
      </div>`;
    }
    switch (screen) {
      case 'review':
        return html`<vd-review .api=${this.api} .reviewId=${id ?? ''}></vd-review>`;
      case 'settings':
        return html`<vd-settings .api=${this.api} .user=${user}></vd-settings>`;
      case 'insights':
        return html`<vd-insights .api=${this.api}></vd-insights>`;
      case 'data':
        return html`<vd-data .api=${this.api}></vd-data>`;
      case 'account':
        return html`<vd-account .api=${this.api} .me=${user}></vd-account>`;
      default:
        return html`<vd-queue .api=${this.api} .query=${params.toString()}></vd-queue>`;
    }
  }
}
