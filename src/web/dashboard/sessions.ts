/**
 * `<vd-sessions>` (anyone signed in, on the Account screen): the user's own sessions — when each signed in, was last
 * used, with what browser and from which network — with a "Sign out" button for each other one. The one this
 * browser uses is marked; the header's "Sign out" ends it. Ending another session signs that browser out at its
 * next request.
 */
import { html, LitElement, nothing, type TemplateResult } from 'lit';
import type { SessionInfo } from '../../contract/dashboard.ts';
import { type DashboardApi, describeError } from './api.ts';
import { when } from './format.ts';
import { shared } from './styles.ts';

type Message = { kind: 'status' | 'error'; text: string } | undefined;

/** How a session is named in a list and on its button: its browser, else when it signed in. */
export const sessionLabel = (s: Pick<SessionInfo, 'userAgent' | 'createdDate'>): string =>
  s.userAgent ?? `Signed in ${when(s.createdDate)}`;

export class VdSessions extends LitElement {
  static override styles = shared;
  static override properties = {
    sessions: { state: true },
    message: { state: true },
    busy: { state: true },
  };

  declare api: DashboardApi;
  declare sessions: SessionInfo[] | undefined;
  declare message: Message;
  declare busy: string | undefined;

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
  }

  /** Reads the list again (after a password change ended the other sessions, say). */
  async load(): Promise<void> {
    try {
      this.sessions = (await this.api.call('listSessions', { query: {} })).sessions;
    } catch (err) {
      this.sessions = [];
      this.message = { kind: 'error', text: `Could not load your sessions: ${describeError(err)}` };
    }
  }

  private async end(s: SessionInfo): Promise<void> {
    this.busy = s.id;
    try {
      await this.api.call('endSession', { params: { sessionId: s.id } });
      this.message = { kind: 'status', text: `Signed out: ${sessionLabel(s)}.` };
    } catch (err) {
      this.message = { kind: 'error', text: `Not signed out: ${describeError(err)}` };
    } finally {
      this.busy = undefined;
    }
    await this.load();
  }

  override render(): TemplateResult {
    const sessions = this.sessions;
    return html`<section class="card" aria-labelledby="sessions-h">
      <h2 id="sessions-h">Where you are signed in</h2>
      ${this.message ? html`<div class=${this.message.kind} role=${this.message.kind === 'error' ? 'alert' : 'status'}>${this.message.text}</div>` : nothing}
      ${
        sessions === undefined
          ? html`<p role="status">Loading…</p>`
          : html`<div class="scroll">
            <table>
              <caption class="sr-only">Your dashboard sessions, most recently used first</caption>
              <thead><tr><th scope="col">Browser</th><th scope="col">Network</th><th scope="col">Signed in</th><th scope="col">Last used</th><th scope="col"><span class="sr-only">Action</span></th></tr></thead>
              <tbody>
                ${sessions.map(
                  (s) => html`<tr>
                    <td>${s.userAgent ?? 'Unknown browser'}${s.current ? html` <strong>(this browser)</strong>` : nothing}</td>
                    <td>${s.clientNetwork ?? '—'}</td>
                    <td>${when(s.createdDate)}</td>
                    <td>${when(s.lastSeenDate)}</td>
                    <td>
                      ${
                        s.current
                          ? nothing
                          : html`<button class="danger" ?disabled=${this.busy === s.id} @click=${() => this.end(s)}>Sign out<span class="sr-only"> ${s.userAgent ?? 'unknown browser'}, signed in ${when(s.createdDate)}</span></button>`
                      }
                    </td>
                  </tr>`,
                )}
              </tbody>
            </table>
          </div>`
      }
    </section>`;
  }
}
