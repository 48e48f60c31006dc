/**
 * `<vd-users>` (owner): the site's dashboard users, oldest first, a page at a time — invite (e-mail, role, a first
 * password to hand over), change a role, remove — and `<vd-account>` (anyone signed in): change one's own password,
 * and see and end one's sessions (`<vd-sessions>`, sessions.ts).
 */
import { html, LitElement, nothing, type TemplateResult } from 'lit';
import type { ManagedUser } from '../../contract/dashboard.ts';
import { ApiError, type DashboardApi, describeError } from './api.ts';
import { when } from './format.ts';
import { FIRST_PAGE, landed, type Move, type Pages, target } from './pager.rules.ts';
import { pagerNav } from './pager.ts';
import type { DashboardUser } from './session.ts';
import type { VdSessions } from './sessions.ts';
import { shared } from './styles.ts';

type Role = ManagedUser['role'];

/** Users per page. */
export const USERS_PAGE_SIZE = 10;
type Message = { kind: 'status' | 'error'; text: string } | undefined;

const message = (m: Message) =>
  m ? html`<div class=${m.kind} role=${m.kind === 'error' ? 'alert' : 'status'}>${m.text}</div>` : nothing;

export class VdUsers extends LitElement {
  static override styles = shared;
  static override properties = {
    users: { state: true },
    pages: { state: true },
    loading: { state: true },
    message: { state: true },
    removing: { state: true },
    busy: { state: true },
  };

  declare api: DashboardApi;
  declare me: DashboardUser;
  declare users: ManagedUser[] | undefined;
  declare pages: Pages;
  declare loading: boolean;
  declare message: Message;
  declare removing: string | undefined;
  declare busy: boolean;

  constructor() {
    super();
    this.busy = false;
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
      const res = await this.api.call('listUsers', {
        query: { limit: String(USERS_PAGE_SIZE), ...(to.cursor ? { cursor: to.cursor } : {}) },
      });
      this.pages = landed(to, res.metadata.cursors.next);
      this.users = res.users;
      // The last user of a later page was removed: show the page before it.
      if (res.users.length === 0 && this.pages.before.length > 0) await this.load('previous');
    } catch (err) {
      this.users ??= [];
      this.message = { kind: 'error', text: `Could not load the users: ${describeError(err)}` };
    } finally {
      this.loading = false;
    }
  }

  private async invite(e: SubmitEvent): Promise<void> {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const data = new FormData(form);
    const email = String(data.get('email') ?? '').trim();
    const role = String(data.get('role')) as Role;
    const password = String(data.get('password') ?? '');
    // The password's length rule is the server's; its violation names the minimum.
    const problems = [
      ...(/^[^\s@]+@[^\s@]+$/.test(email) ? [] : ['Enter the e-mail address of the person to invite.']),
      ...(password ? [] : ['Set a first password for them.']),
    ];
    if (problems.length > 0) {
      this.message = { kind: 'error', text: problems.join(' ') };
      return;
    }
    this.busy = true;
    try {
      const { user } = await this.api.call('createUser', { body: { email, role, password } });
      form.reset();
      this.message = {
        kind: 'status',
        text: `${user.email} can now sign in as ${user.role}. Give them the password through a private channel; they can change it under Account.`,
      };
      await this.load();
    } catch (err) {
      this.message = {
        kind: 'error',
        text:
          err instanceof ApiError && err.status === 409
            ? `${email} already has a user on this site.`
            : `Not invited: ${describeError(err)}`,
      };
    } finally {
      this.busy = false;
    }
  }

  private async setRole(u: ManagedUser, role: Role): Promise<void> {
    try {
      await this.api.call('updateUser', { params: { userId: u.id }, body: { role } });
      this.message = { kind: 'status', text: `${u.email} is now ${role}.` };
      await this.load();
    } catch (err) {
      this.message = { kind: 'error', text: `Role not changed: ${describeError(err)}` };
      await this.load();
    }
  }

  private async removeUser(u: ManagedUser): Promise<void> {
    this.removing = undefined;
    try {
      await this.api.call('deleteUser', { params: { userId: u.id } });
      this.message = { kind: 'status', text: `${u.email} was removed and signed out.` };
      await this.load();
    } catch (err) {
      this.message = { kind: 'error', text: `Not removed: ${describeError(err)}` };
    }
  }

  override render(): TemplateResult {
    const users = this.users;
    return html`<section class="card" aria-labelledby="users-h">
      <h2 id="users-h">Users</h2>
      ${message(this.message)}
      ${
        users === undefined
          ? html`<p role="status">Loading…</p>`
          : html`<div class="scroll" aria-busy=${this.loading ? 'true' : 'false'}>
            <table>
              <caption class="sr-only">Dashboard users of this site, oldest first</caption>
              <thead><tr><th scope="col">E-mail</th><th scope="col">Role</th><th scope="col">Since</th><th scope="col"><span class="sr-only">Action</span></th></tr></thead>
              <tbody>
                ${users.map(
                  (u) => html`<tr>
                    <td>${u.email}${u.id === this.me.id ? ' (you)' : ''}</td>
                    <td>
                      <select
                        aria-label=${`Role of ${u.email}`}
                        ?disabled=${u.id === this.me.id}
                        @change=${(e: Event) => this.setRole(u, (e.target as HTMLSelectElement).value as Role)}
                      >
                        <option value="owner" ?selected=${u.role === 'owner'}>Owner</option>
                        <option value="moderator" ?selected=${u.role === 'moderator'}>Moderator</option>
                      </select>
                    </td>
                    <td>${when(u.createdDate)}</td>
                    <td>
                      ${
                        u.id === this.me.id
                          ? nothing
                          : this.removing === u.id
                            ? html`<button class="danger" @click=${() => this.removeUser(u)}>Yes, remove ${u.email}</button>
                              <button @click=${() => (this.removing = undefined)}>Cancel</button>`
                            : html`<button class="danger" @click=${() => (this.removing = u.id)}>Remove<span class="sr-only"> ${u.email}</span></button>`
                      }
                    </td>
                  </tr>`,
                )}
              </tbody>
            </table>
          </div>
          ${pagerNav('users', this.pages, this.loading, (move) => void this.load(move))}`
      }
      <h3>Invite someone</h3>
      <form class="grid wide" @submit=${(e: SubmitEvent) => this.invite(e)} novalidate>
        <div><label for="invite-email">E-mail address</label><input id="invite-email" name="email" type="email" autocomplete="off" /></div>
        <div>
          <label for="invite-role">Role</label>
          <select id="invite-role" name="role">
            <option value="moderator">Moderator (queue and replies)</option>
            <option value="owner">Owner (everything)</option>
          </select>
        </div>
        <div>
          <label for="invite-password">First password</label>
          <input id="invite-password" name="password" type="password" autocomplete="new-password" />
        </div>
        <div class="row"><button class="primary" type="submit" ?disabled=${this.busy}>Invite</button></div>
      </form>
    </section>`;
  }
}

export class VdAccount extends LitElement {
  static override styles = shared;
  static override properties = { message: { state: true } };

  declare api: DashboardApi;
  declare me: DashboardUser;
  declare message: Message;

  private async change(e: SubmitEvent): Promise<void> {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const data = new FormData(form);
    const currentPassword = String(data.get('current') ?? '');
    const newPassword = String(data.get('new') ?? '');
    if (newPassword !== String(data.get('repeat') ?? '')) {
      this.message = { kind: 'error', text: 'The two new passwords differ. Type the same one twice.' };
      return;
    }
    try {
      await this.api.call('changePassword', { body: { currentPassword, newPassword } });
      form.reset();
      this.message = { kind: 'status', text: 'Password changed. Your other sessions were signed out.' };
      // The other sessions have ended: the list below shows only this one now.
      await this.renderRoot.querySelector<VdSessions>('vd-sessions')?.load();
    } catch (err) {
      this.message = {
        kind: 'error',
        text:
          err instanceof ApiError && err.status === 401
            ? 'The current password is wrong.'
            : `Not changed: ${describeError(err)}`,
      };
    }
  }

  override render(): TemplateResult {
    return html`<h1>Account</h1>
      <section class="card" aria-labelledby="pw-h">
        <h2 id="pw-h">Change your password</h2>
        <p class="muted">Signed in as ${this.me.email} (${this.me.role}).</p>
        ${message(this.message)}
        <form class="grid" @submit=${(e: SubmitEvent) => this.change(e)} novalidate>
          <div><label for="current">Current password</label><input id="current" name="current" type="password" autocomplete="current-password" /></div>
          <div><label for="new">New password</label><input id="new" name="new" type="password" autocomplete="new-password" /></div>
          <div><label for="repeat">New password again</label><input id="repeat" name="repeat" type="password" autocomplete="new-password" /></div>
          <div class="row"><button class="primary" type="submit">Change password</button></div>
        </form>
      </section>
      <vd-sessions .api=${this.api}></vd-sessions>`;
  }
}
