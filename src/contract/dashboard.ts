/**
 * Dashboard users and sessions (docs/adr/0014): sign-in by e-mail and password, the signed-in user and the CSRF
 * token its unsafe requests carry, and the owner's management of the site's users.
 */
import { type Static, Type } from 'typebox';
import { EMAIL_MAX_LENGTH } from './limits.ts';
import { PageCursor, PageLimit, PageMetadata } from './paging.ts';
import { GUID_PATTERN, Guid, IdParam } from './review.ts';

/** What a dashboard user may do: `owner` what the admin key may; `moderator` the review queue and its decisions. */
export const USER_ROLES = ['owner', 'moderator'] as const;
export type UserRole = (typeof USER_ROLES)[number];
export const UserRoleSchema = Type.Union([Type.Literal('owner'), Type.Literal('moderator')]);

/** Shortest and longest password accepted when one is set (a longer one is refused before it is hashed). */
export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 1024;

const Email = Type.String({ minLength: 3, maxLength: EMAIL_MAX_LENGTH, pattern: '^[^\\s@]+@[^\\s@]+$' });
/** A password being checked: any length up to the maximum (one set before a rule changed must still sign in). */
const GivenPassword = Type.String({ minLength: 1, maxLength: PASSWORD_MAX_LENGTH });
/** A password being set. */
const NewPassword = Type.String({
  minLength: PASSWORD_MIN_LENGTH,
  maxLength: PASSWORD_MAX_LENGTH,
  description: `At least ${PASSWORD_MIN_LENGTH} characters.`,
});

export const DashboardUser = Type.Object({
  id: Type.String(),
  siteId: Type.String(),
  email: Type.String(),
  role: UserRoleSchema,
});
export type DashboardUser = Static<typeof DashboardUser>;

export const ManagedUser = Type.Object({
  id: Type.String(),
  email: Type.String(),
  role: UserRoleSchema,
  createdDate: Type.String(),
  updatedDate: Type.String(),
});
export type ManagedUser = Static<typeof ManagedUser>;

export const SignInRequest = Type.Object(
  {
    email: Email,
    password: GivenPassword,
    siteId: Type.Optional(Guid('The site to sign in to; needed only when the e-mail has users on several sites.')),
  },
  { additionalProperties: false },
);
export type SignInRequest = Static<typeof SignInRequest>;

export const SessionResponse = Type.Object({
  user: DashboardUser,
  csrfToken: Type.String({ description: 'Send it as `x-csrf-token` on every request other than GET and HEAD.' }),
});
export type SessionResponse = Static<typeof SessionResponse>;

export const SignOutRequest = Type.Object(
  { everywhere: Type.Optional(Type.Boolean({ description: 'End every session of the user, not only this one.' })) },
  { additionalProperties: false },
);
export const Empty = Type.Object({});

export const SessionInfo = Type.Object({
  id: Type.String({ description: 'The session id (never its token).' }),
  userId: Type.String(),
  createdDate: Type.String({ description: 'When it signed in.' }),
  lastSeenDate: Type.String({ description: 'Its last use, written down at most once a minute.' }),
  expiresDate: Type.String({ description: 'Its absolute end; it ends sooner when idle.' }),
  userAgent: Type.Optional(
    Type.String({
      description: 'Browser and system it signed in with, as Verdict recognised them ("Firefox 133 on Linux").',
    }),
  ),
  clientNetwork: Type.Optional(
    Type.String({ description: 'The network it signed in from: an IPv4 /24 or an IPv6 /64, never the address.' }),
  ),
  current: Type.Boolean({ description: 'Whether this is the session the request was made with.' }),
});
export type SessionInfo = Static<typeof SessionInfo>;
export const ListSessionsQuery = Type.Object(
  {
    userId: Type.Optional(
      Guid("Whose sessions: another user's only for an owner (default: the signed-in user's own)."),
    ),
  },
  { additionalProperties: false },
);
export const ListSessionsResponse = Type.Object({
  sessions: Type.Array(SessionInfo, { description: 'Sessions that have not ended, most recently used first.' }),
});
export const SessionIdParams = Type.Object({
  sessionId: IdParam('Session id (GUID), from listSessions.', {
    code: 'SESSION_NOT_FOUND',
    message: 'Session not found',
  }),
});

/** Users per page of listUsers unless `limit` says. */
export const USERS_DEFAULT_LIMIT = 50;
export const ListUsersQuery = Type.Object({ limit: PageLimit(USERS_DEFAULT_LIMIT), cursor: PageCursor });
export type ListUsersQuery = Static<typeof ListUsersQuery>;
export const ListUsersResponse = Type.Object({
  users: Type.Array(ManagedUser, { description: 'Oldest first.' }),
  metadata: PageMetadata,
});
export const CreateUserRequest = Type.Object(
  { email: Email, role: UserRoleSchema, password: NewPassword },
  { additionalProperties: false },
);
export type CreateUserRequest = Static<typeof CreateUserRequest>;
export const UserResponse = Type.Object({ user: ManagedUser });
export const UserIdParams = Type.Object({
  userId: IdParam('Dashboard user id (GUID).', { code: 'USER_NOT_FOUND', message: 'User not found' }),
});
export const UpdateUserRequest = Type.Object({ role: UserRoleSchema }, { additionalProperties: false });
export const ChangePasswordRequest = Type.Object(
  { currentPassword: GivenPassword, newPassword: NewPassword },
  { additionalProperties: false },
);

export const UserAuditQuery = Type.Object(
  {
    userId: Type.Optional(Guid('Only entries made by, or about, this user.')),
    limit: Type.Optional(Type.String({ pattern: '^(100|[1-9][0-9]?)$', description: '1-100, default 50.' })),
    cursor: Type.Optional(
      Type.String({ pattern: GUID_PATTERN, description: '`metadata.cursors.next` of the previous page.' }),
    ),
  },
  { additionalProperties: false },
);
export type UserAuditQuery = Static<typeof UserAuditQuery>;

export const UserAuditEntry = Type.Object({
  id: Type.String(),
  action: Type.String({
    description:
      'SIGN_IN, SIGN_IN_LOCKED, LOCKED_OUT, SIGN_OUT, SIGN_OUT_EVERYWHERE, SESSION_ENDED, PASSWORD_CHANGED, PASSWORD_RESET, ' +
      'USER_CREATED, ROLE_CHANGED, USER_DELETED, or `CALL <operation>` for a change a dashboard user requested.',
    examples: ['CALL updateModerationStatus'],
  }),
  actor: Type.Object({
    kind: Type.String({ description: 'USER, ADMIN, APP, or ANONYMOUS (a sign-in, the command line).' }),
    id: Type.Optional(Type.String({ description: 'User id or API key id (never a secret).' })),
  }),
  subjectUserId: Type.Optional(Type.String()),
  detail: Type.Object(
    {},
    { additionalProperties: true, description: 'What the action was about (ids, roles, status).' },
  ),
  createdDate: Type.String(),
});
export type UserAuditEntry = Static<typeof UserAuditEntry>;

export const UserAuditResponse = Type.Object({
  entries: Type.Array(UserAuditEntry, { description: 'Newest first.' }),
  metadata: Type.Object({ cursors: Type.Object({ next: Type.Union([Type.String(), Type.Null()]) }) }),
});
