/**
 * The dashboard's operations (docs/adr/0014), so the SDK reaches the whole catalogue. Users, their roles and the
 * user audit are the owner's: an admin key calls them from a backend. Sign-in is public and answers the user and a
 * CSRF token; the session it opens lives in an HttpOnly cookie, and the session functions (`getSession`,
 * `signOut`, `changePassword`, `sessions.list` and `sessions.end`) are served only to that cookie with no `Authorization` header, i.e. to the
 * dashboard page in a browser. A client with a key or token sends it, so the server refuses them
 * (PERMISSION_DENIED); see docs/sdk.md.
 */
import type { CallOutput } from '../contract/operations/call.ts';
import type { Transport } from './http.ts';
import { type BodyOf, type OptionsOf, type QueryOf, text } from './operation-types.ts';

export interface DashboardUsersModule {
  /** The site's dashboard users, oldest first; cursor paged (`metadata.cursors.next` as `cursor`). */
  list(options?: OptionsOf<'listUsers', 'limit'>): Promise<CallOutput<'listUsers'>>;
  /** Adds a user with a role and an initial password (USER_ALREADY_EXISTS when the e-mail has one). */
  create(user: BodyOf<'createUser'>): Promise<CallOutput<'createUser'>>;
  /** Changes a user's role; the last owner cannot stop being one (LAST_OWNER). */
  update(userId: string, changes: BodyOf<'updateUser'>): Promise<CallOutput<'updateUser'>>;
  /** Removes a user and ends their sessions; the last owner cannot be removed (LAST_OWNER). */
  delete(userId: string): Promise<CallOutput<'deleteUser'>>;
}

export interface DashboardAuditModule {
  /** Sign-ins, lockouts, user changes and every change dashboard users made, newest first, cursor paged. */
  query(options?: OptionsOf<'queryUserAudit', 'limit'>): Promise<CallOutput<'queryUserAudit'>>;
}

export interface DashboardSessionsModule {
  /**
   * Session cookie only: the signed-in user's sessions (an owner may name another user of the site), the current
   * one marked; never a token.
   */
  list(options?: QueryOf<'listSessions'>): Promise<CallOutput<'listSessions'>>;
  /** Session cookie only: ends one session of the user (an owner: of any user of the site); SESSION_NOT_FOUND. */
  end(sessionId: string): Promise<CallOutput<'endSession'>>;
}

export interface DashboardModule {
  /** Public: checks an e-mail and password and opens a session (its cookie is kept only by a browser). */
  signIn(request: BodyOf<'signIn'>): Promise<CallOutput<'signIn'>>;
  /** Session cookie only: the signed-in user and the session's CSRF token. */
  getSession(): Promise<CallOutput<'getSession'>>;
  /** Session cookie only: ends this session, or with `everywhere` every session of the user. */
  signOut(options?: BodyOf<'signOut'>): Promise<CallOutput<'signOut'>>;
  /** Session cookie only: changes the signed-in user's password; their other sessions end. */
  changePassword(request: BodyOf<'changePassword'>): Promise<CallOutput<'changePassword'>>;
  sessions: DashboardSessionsModule;
  users: DashboardUsersModule;
  audit: DashboardAuditModule;
}

/** The module over `transport` (the client's credentials) and `open` (none, for the public sign-in). */
export function dashboardModule({ call }: Transport, open: Transport): DashboardModule {
  return {
    signIn: (request) => open.call('signIn', { body: request }),
    getSession: () => call('getSession'),
    signOut: (options = {}) => call('signOut', { body: options }),
    changePassword: (request) => call('changePassword', { body: request }),
    sessions: {
      list: (options = {}) => call('listSessions', { query: options }),
      end: (sessionId) => call('endSession', { params: { sessionId } }),
    },
    users: {
      list: (options = {}) => call('listUsers', { query: { ...options, limit: text(options.limit) } }),
      create: (user) => call('createUser', { body: user }),
      update: (userId, changes) => call('updateUser', { params: { userId }, body: changes }),
      delete: (userId) => call('deleteUser', { params: { userId } }),
    },
    audit: {
      query: (options = {}) => call('queryUserAudit', { query: { ...options, limit: text(options.limit) } }),
    },
  };
}
