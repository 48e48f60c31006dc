/**
 * The dashboard's own operations (docs/adr/0014): sign-in (public: it makes the session), the signed-in user's
 * session, sign-out and password, and the owner's management of the site's users. A session travels in the
 * `verdict_session` cookie; every request other than GET and HEAD made with it carries `x-csrf-token`.
 */
import {
  ChangePasswordRequest,
  CreateUserRequest,
  Empty,
  ListSessionsQuery,
  ListSessionsResponse,
  ListUsersQuery,
  ListUsersResponse,
  SessionIdParams,
  SessionResponse,
  SignInRequest,
  SignOutRequest,
  UpdateUserRequest,
  UserAuditQuery,
  UserAuditResponse,
  UserIdParams,
  UserResponse,
} from '../dashboard.ts';
import { type Operation, OWNER, PUBLIC, SESSION } from './define.ts';
import * as routes from './routes.ts';

const tag = 'Dashboard';

export const dashboardOperations = {
  signIn: {
    ...routes.signIn,
    summary: 'Sign in to the dashboard with e-mail and password; sets the session cookie',
    tag,
    access: PUBLIC,
    body: SignInRequest,
    response: SessionResponse,
    // Wrong e-mail or password (one answer for both); 429 while the e-mail is locked out after failures.
    errors: ['UNAUTHENTICATED'],
    rateLimit: 'signins',
  },
  getSession: {
    ...routes.getSession,
    summary: 'The signed-in user and the CSRF token of the session',
    tag,
    access: SESSION,
    response: SessionResponse,
    errors: [],
  },
  signOut: {
    ...routes.signOut,
    summary: 'End this session (or, with everywhere, every session of the user) and clear the cookie',
    tag,
    access: SESSION,
    body: SignOutRequest,
    response: Empty,
    errors: [],
  },
  changePassword: {
    ...routes.changePassword,
    summary: "Change the signed-in user's password; the user's other sessions end",
    tag,
    access: SESSION,
    body: ChangePasswordRequest,
    response: Empty,
    errors: [],
  },
  listSessions: {
    ...routes.listSessions,
    summary: "The signed-in user's sessions (an owner: any user's of the site), marking the current one",
    tag,
    // A moderator asking for another user's sessions is refused (users.service.ts).
    access: SESSION,
    query: ListSessionsQuery,
    response: ListSessionsResponse,
    errors: ['USER_NOT_FOUND'],
  },
  endSession: {
    ...routes.endSession,
    summary: 'End one session of the signed-in user (an owner: of any user of the site); it is signed out at once',
    tag,
    // Another user's session is SESSION_NOT_FOUND to a moderator, like one of another site to anyone.
    access: SESSION,
    params: SessionIdParams,
    response: Empty,
    errors: ['SESSION_NOT_FOUND'],
  },
  listUsers: {
    ...routes.listUsers,
    summary: "The site's dashboard users, oldest first, cursor paged (owner only)",
    tag,
    access: OWNER,
    query: ListUsersQuery,
    response: ListUsersResponse,
    errors: [],
  },
  createUser: {
    ...routes.createUser,
    summary: 'Add a dashboard user with a role and an initial password (owner only)',
    tag,
    access: OWNER,
    body: CreateUserRequest,
    response: UserResponse,
    errors: ['USER_ALREADY_EXISTS'],
  },
  updateUser: {
    ...routes.updateUser,
    summary: "Change a user's role (owner only); the last owner cannot stop being one",
    tag,
    access: OWNER,
    params: UserIdParams,
    body: UpdateUserRequest,
    response: UserResponse,
    errors: ['LAST_OWNER'],
  },
  deleteUser: {
    ...routes.deleteUser,
    summary: 'Remove a dashboard user and end their sessions (owner only); the last owner cannot be removed',
    tag,
    access: OWNER,
    params: UserIdParams,
    response: Empty,
    errors: ['LAST_OWNER'],
  },
  queryUserAudit: {
    ...routes.queryUserAudit,
    summary: "What happened to the site's users and sessions, and every change dashboard users made, newest first",
    tag,
    access: OWNER,
    query: UserAuditQuery,
    response: UserAuditResponse,
    errors: [],
  },
} as const satisfies Record<string, Operation>;
