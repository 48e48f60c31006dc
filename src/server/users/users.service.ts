/**
 * Dashboard users and sessions (docs/adr/0014): sign-in with the lockout per (site, e-mail), the session a cookie
 * carries, sign-out (here or everywhere), password changes, and the owner's management of users. Every change to a
 * user or session, and every lockout, is written to `user_audit`.
 */
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type {
  CreateUserRequest,
  DashboardUser,
  ListUsersQuery,
  ManagedUser,
  PageMetadata,
  SessionInfo,
  UserAuditEntry,
  UserAuditQuery,
  UserRole,
} from '../../contract/index.ts';
import { USERS_DEFAULT_LIMIT } from '../../contract/index.ts';
import type { Principal } from '../auth/principal.ts';
import type { UserRow } from '../db/schema.ts';
import { type DbDeps, iso } from '../deps.ts';
import { digest } from '../digest.ts';
import { AppError, invalid, isUniqueViolation } from '../errors.ts';
import { timeOrderedId } from '../ids.ts';
import { listOldestFirst } from '../query/list-cursor.ts';
import type { SiteCache } from '../sites/site-cache.ts';
import { DEFAULT_SCRYPT, hashPassword, type ScryptParams, verifyDecoy, verifyPassword } from './passwords.ts';
import { usersRepo } from './users.repo.ts';
import {
  lockedFor,
  normalizeEmail,
  type SessionTimes,
  sessionEnded,
  sessionNetwork,
  touchDue,
  userAgentSummary,
} from './users.rules.ts';

/** The cookie a session travels in. */
export const SESSION_COOKIE = 'verdict_session';

export interface UsersConfig {
  sessionIdleSeconds: number;
  sessionMaxSeconds: number;
  signInMaxFailures: number;
  signInLockoutSeconds: number;
}

export interface UsersDeps extends DbDeps {
  config: UsersConfig;
}

/** A session as the auth hook sees it: the principal it authenticates, and the token its unsafe requests carry. */
export interface ResolvedSession {
  principal: Principal & { kind: 'USER' };
  csrfToken: string;
}

/** A session just made: the raw token (for the cookie, never stored) and what the client is told. */
export interface NewSession {
  token: string;
  maxAgeSeconds: number;
  user: DashboardUser;
  csrfToken: string;
}

const unauthenticated = () => new AppError('unauthenticated', 'UNAUTHENTICATED', 'Wrong e-mail or password');
const userNotFound = () => new AppError('not_found', 'USER_NOT_FOUND', 'User not found');
const lastOwner = () =>
  new AppError('conflict', 'LAST_OWNER', 'A site keeps at least one owner: make another user owner first');

export const hashToken = (token: string): string => digest('sha256', token, 'hex');
const newToken = (): string => randomBytes(32).toString('base64url');

const times = (c: UsersConfig): SessionTimes => ({
  idleSeconds: c.sessionIdleSeconds,
  maxSeconds: c.sessionMaxSeconds,
});

export function toManagedUser(u: UserRow): ManagedUser {
  return { id: u.id, email: u.email, role: u.role, createdDate: u.created_at, updatedDate: u.updated_at };
}

async function audit(
  deps: DbDeps,
  siteId: string,
  action: string,
  actor: Principal | null,
  subjectUserId: string | null,
  detail: Record<string, unknown> = {},
): Promise<void> {
  const now = deps.clock();
  await usersRepo.audit(deps.db, {
    site_id: siteId,
    id: timeOrderedId(now.getTime()),
    action,
    actor_kind: actor?.kind ?? 'ANONYMOUS',
    actor_id: actor ? actorId(actor) : null,
    subject_user_id: subjectUserId,
    detail_json: JSON.stringify(detail),
    created_at: iso(now),
  });
}

function actorId(p: Principal): string {
  switch (p.kind) {
    case 'ADMIN':
    case 'APP':
      return p.keyId;
    case 'USER':
      return p.userId;
    case 'MEMBER':
    case 'VISITOR':
      return p.contactId;
  }
}

/** What a sign-in request tells about its client: the `User-Agent` header and the address it came from. */
export interface ClientInfo {
  userAgent?: string | undefined;
  address?: string | undefined;
}

/**
 * Starts a session for `user`: a new random token (only its hash is kept) and a new CSRF token. Of the client it
 * keeps a summary of the browser and the network (users.rules.ts), so its user can tell their sessions apart.
 */
export async function startSession(deps: UsersDeps, user: UserRow, client: ClientInfo = {}): Promise<NewSession> {
  const token = newToken();
  const csrfToken = newToken();
  const now = deps.clock();
  await usersRepo.insertSession(deps.db, {
    token_hash: hashToken(token),
    site_id: user.site_id,
    id: randomUUID(),
    user_id: user.id,
    csrf_token: csrfToken,
    created_at: iso(now),
    last_seen_at: iso(now),
    expires_at: iso(new Date(now.getTime() + deps.config.sessionMaxSeconds * 1000)),
    user_agent: userAgentSummary(client.userAgent),
    client_network: sessionNetwork(client.address),
  });
  return {
    token,
    csrfToken,
    maxAgeSeconds: deps.config.sessionMaxSeconds,
    user: { id: user.id, siteId: user.site_id, email: user.email, role: user.role },
  };
}

/** Refuses with 429 and Retry-After while (site, e-mail) is locked, and audits the refusal. */
async function refuseIfLocked(deps: UsersDeps, siteId: string, email: string): Promise<void> {
  const row = await usersRepo.failures(deps.db, siteId, email);
  const seconds = lockedFor(row?.locked_until, deps.clock());
  if (seconds === 0) return;
  if (siteId !== '') await audit(deps, siteId, 'SIGN_IN_LOCKED', null, null, { email });
  throw new AppError('rate_limited', 'TOO_MANY_REQUESTS', 'Too many failed sign-ins; try again later', {
    data: { retryAfterSeconds: seconds },
    headers: { 'Retry-After': String(seconds) },
  });
}

/** Counts a failure against (site, e-mail), and locks it once the window holds the configured number. */
async function recordFailure(deps: UsersDeps, siteId: string, email: string): Promise<void> {
  const now = deps.clock();
  const windowMs = deps.config.signInLockoutSeconds * 1000;
  const failures = await usersRepo.addFailure(
    deps.db,
    siteId,
    email,
    iso(now),
    iso(new Date(now.getTime() - windowMs)),
  );
  if (failures < deps.config.signInMaxFailures) return;
  await usersRepo.lock(deps.db, siteId, email, iso(now), iso(new Date(now.getTime() + windowMs)));
  if (siteId !== '') await audit(deps, siteId, 'LOCKED_OUT', null, null, { email, failures });
}

/**
 * Signs in by e-mail and password. Without `siteId` the e-mail is looked up on every site: a password that matches
 * a user on exactly one of them signs in there; one that matches on several needs `siteId` (told only to whoever
 * knows the password). An unknown e-mail and a wrong password get the same 401 after the same work, and count
 * alike towards the lockout, so neither the answer, its timing nor a lockout tells which it was.
 */
export async function signIn(
  deps: UsersDeps,
  input: { email: string; password: string; siteId?: string | undefined },
  previousToken?: string,
  client: ClientInfo = {},
): Promise<NewSession> {
  const email = normalizeEmail(input.email);
  const candidates = input.siteId
    ? [await usersRepo.byEmail(deps.db, input.siteId, email)].filter((u): u is UserRow => u !== undefined)
    : await usersRepo.byEmailAnySite(deps.db, email);
  // A sign-in that names no site and finds no user is counted under the e-mail alone.
  const lockKeys = input.siteId ? [input.siteId] : candidates.length > 0 ? candidates.map((u) => u.site_id) : [''];
  for (const site of lockKeys) await refuseIfLocked(deps, site, email);

  const matches: UserRow[] = [];
  if (candidates.length === 0) await verifyDecoy(input.password);
  for (const u of candidates) if (await verifyPassword(input.password, u.password_hash)) matches.push(u);
  const [user, ...others] = matches;
  if (!user) {
    for (const site of lockKeys) await recordFailure(deps, site, email);
    throw unauthenticated();
  }
  if (others.length > 0) {
    throw invalid([
      {
        field: 'siteId',
        description: 'is required: this e-mail signs in to several sites',
        violatedRule: 'REQUIRED_FIELD',
      },
    ]);
  }
  await usersRepo.clearFailures(deps.db, user.site_id, email);
  // A new token at every sign-in: a session fixed before it (the cookie this browser already had) does not survive.
  if (previousToken) await usersRepo.deleteSessionByHash(deps.db, hashToken(previousToken));
  const session = await startSession(deps, user, client);
  await audit(deps, user.site_id, 'SIGN_IN', null, user.id);
  return session;
}

/**
 * The session of a cookie's token, or undefined when there is none or it has ended (an ended one is deleted).
 * Its use is written down at most once a minute.
 */
export async function resolveSession(deps: UsersDeps, token: string): Promise<ResolvedSession | undefined> {
  if (token.length === 0 || token.length > 128) return undefined;
  const hash = hashToken(token);
  const s = await usersRepo.sessionByHash(deps.db, hash);
  if (!s) return undefined;
  const now = deps.clock();
  if (sessionEnded(s, now, times(deps.config))) {
    await usersRepo.deleteSessionByHash(deps.db, hash);
    return undefined;
  }
  if (touchDue(s, now, times(deps.config))) await usersRepo.touchSession(deps.db, hash, iso(now));
  return {
    principal: { kind: 'USER', siteId: s.site_id, userId: s.user_id, role: s.role, sessionId: s.id },
    csrfToken: s.csrf_token,
  };
}

/** Whether `given` is the session's CSRF token (compared in constant time). */
export function csrfMatches(expected: string, given: string | undefined): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The signed-in user as the dashboard shows it. */
export async function sessionUser(deps: DbDeps, p: Principal & { kind: 'USER' }): Promise<DashboardUser> {
  const u = await usersRepo.byId(deps.db, p.siteId, p.userId);
  // The session was found with its user a moment ago; a user removed since is signed out.
  if (!u) throw new AppError('unauthenticated', 'UNAUTHENTICATED', 'Missing or invalid credentials');
  return { id: u.id, siteId: u.site_id, email: u.email, role: u.role };
}

/** Ends this session, or every session of its user. */
export async function signOut(deps: DbDeps, p: Principal & { kind: 'USER' }, everywhere: boolean): Promise<void> {
  if (everywhere) await usersRepo.deleteSessionsOf(deps.db, p.siteId, p.userId);
  else await usersRepo.deleteSession(deps.db, p.siteId, p.sessionId);
  await audit(deps, p.siteId, everywhere ? 'SIGN_OUT_EVERYWHERE' : 'SIGN_OUT', p, p.userId);
}

const sessionNotFound = () => new AppError('not_found', 'SESSION_NOT_FOUND', 'Session not found');

/**
 * The sessions of `userId` (default: the signed-in user's own) that have not ended, most recently used first, the
 * current one marked. Only an owner may list another user's (403 for a moderator; 404 USER_NOT_FOUND for a user
 * the site does not have). Never a token or its hash.
 */
export async function listSessions(
  deps: UsersDeps,
  p: Principal & { kind: 'USER' },
  userId: string = p.userId,
): Promise<SessionInfo[]> {
  const target = userId.toLowerCase();
  if (target !== p.userId) {
    if (p.role !== 'owner') {
      throw new AppError('forbidden', 'PERMISSION_DENIED', "Only an owner may see another user's sessions");
    }
    if (!(await usersRepo.byId(deps.db, p.siteId, target))) throw userNotFound();
  }
  const now = deps.clock();
  const rows = await usersRepo.sessionsOf(deps.db, p.siteId, target);
  return rows
    .filter((r) => !sessionEnded(r, now, times(deps.config)))
    .map((r) => ({
      id: r.id,
      userId: r.user_id,
      createdDate: r.created_at,
      lastSeenDate: r.last_seen_at,
      expiresDate: r.expires_at,
      ...(r.user_agent !== null ? { userAgent: r.user_agent } : {}),
      ...(r.client_network !== null ? { clientNetwork: r.client_network } : {}),
      current: r.id === p.sessionId,
    }));
}

/**
 * Ends one session: the signed-in user's own, or (an owner) any user's of the site. A session of another site, one
 * that has ended, and (to a moderator) another user's all answer 404 SESSION_NOT_FOUND, so none is told apart.
 * Its user is signed out at their next request. Audited as SESSION_ENDED, about the session's user.
 */
export async function endSession(
  deps: UsersDeps,
  p: Principal & { kind: 'USER' },
  sessionId: string,
): Promise<{ current: boolean }> {
  const s = await usersRepo.sessionById(deps.db, p.siteId, sessionId.toLowerCase());
  if (!s || sessionEnded(s, deps.clock(), times(deps.config))) throw sessionNotFound();
  if (s.user_id !== p.userId && p.role !== 'owner') throw sessionNotFound();
  await usersRepo.deleteSession(deps.db, p.siteId, s.id);
  await audit(deps, p.siteId, 'SESSION_ENDED', p, s.user_id, { sessionId: s.id });
  return { current: s.id === p.sessionId };
}

/** Changes the signed-in user's password after checking the current one; every other session of the user ends. */
export async function changePassword(
  deps: DbDeps,
  p: Principal & { kind: 'USER' },
  currentPassword: string,
  newPassword: string,
): Promise<void> {
  const u = await usersRepo.byId(deps.db, p.siteId, p.userId);
  if (!u || !(await verifyPassword(currentPassword, u.password_hash))) {
    throw invalid([
      { field: 'currentPassword', description: 'is not the current password', violatedRule: 'INVALID_ARGUMENT' },
    ]);
  }
  await usersRepo.update(deps.db, p.siteId, p.userId, {
    password_hash: await hashPassword(newPassword),
    updated_at: iso(deps.clock()),
  });
  await usersRepo.deleteSessionsOf(deps.db, p.siteId, p.userId, p.sessionId);
  await audit(deps, p.siteId, 'PASSWORD_CHANGED', p, p.userId);
}

/** listUsers: the site's users, oldest first, paged by a signed cursor (list-cursor.ts). */
export async function listUsers(
  deps: DbDeps & { sites: Pick<SiteCache, 'get'> },
  siteId: string,
  query: ListUsersQuery,
): Promise<{ users: ManagedUser[]; metadata: PageMetadata }> {
  const page = await listOldestFirst(deps, siteId, 'users', query, USERS_DEFAULT_LIMIT, (after, limit) =>
    usersRepo.page(deps.db, siteId, after, limit),
  );
  return { users: page.rows.map(toManagedUser), metadata: page.metadata };
}

/**
 * Adds a user to a site; 409 USER_ALREADY_EXISTS when the e-mail already has one there. `actor` is null when the
 * operator does it from the command line. `scrypt` sets the hash cost (the default unless given).
 */
export async function createUser(
  deps: DbDeps,
  siteId: string,
  input: CreateUserRequest,
  actor: Principal | null,
  scrypt: ScryptParams = DEFAULT_SCRYPT,
): Promise<UserRow> {
  const now = iso(deps.clock());
  const row: UserRow = {
    site_id: siteId,
    id: randomUUID(),
    email: input.email.trim(),
    email_normalized: normalizeEmail(input.email),
    role: input.role,
    password_hash: await hashPassword(input.password, scrypt),
    created_at: now,
    updated_at: now,
  };
  try {
    await usersRepo.insert(deps.db, row);
  } catch (err) {
    if (isUniqueViolation(err)) {
      throw new AppError('conflict', 'USER_ALREADY_EXISTS', 'A user with this e-mail already exists on this site');
    }
    throw err;
  }
  await audit(deps, siteId, 'USER_CREATED', actor, row.id, { role: row.role });
  return row;
}

/**
 * Changes a user's role; the role applies from the user's next request. Refuses (409 LAST_OWNER) to leave the site
 * without an owner.
 */
export async function updateUserRole(
  deps: DbDeps,
  actor: Principal,
  userId: string,
  role: UserRole,
): Promise<ManagedUser> {
  const u = await usersRepo.byId(deps.db, actor.siteId, userId);
  if (!u) throw userNotFound();
  if (u.role === 'owner' && role !== 'owner' && (await usersRepo.countOwners(deps.db, actor.siteId)) <= 1) {
    throw lastOwner();
  }
  const now = iso(deps.clock());
  await usersRepo.update(deps.db, actor.siteId, userId, { role, updated_at: now });
  if (u.role !== role) await audit(deps, actor.siteId, 'ROLE_CHANGED', actor, userId, { from: u.role, to: role });
  return toManagedUser({ ...u, role, updated_at: now });
}

/** Removes a user and ends their sessions; refuses (409 LAST_OWNER) to remove the last owner. */
export async function deleteUser(deps: DbDeps, actor: Principal, userId: string): Promise<void> {
  const u = await usersRepo.byId(deps.db, actor.siteId, userId);
  if (!u) throw userNotFound();
  if (u.role === 'owner' && (await usersRepo.countOwners(deps.db, actor.siteId)) <= 1) throw lastOwner();
  await usersRepo.deleteSessionsOf(deps.db, actor.siteId, userId);
  await usersRepo.delete(deps.db, actor.siteId, userId);
  await audit(deps, actor.siteId, 'USER_DELETED', actor, userId, { role: u.role });
}

/**
 * Sets a new password for the user of `email` on a site (the operator's reset from the command line) and ends
 * every session of that user; the lockout of the e-mail is lifted. False when the site has no such user.
 */
export async function resetPassword(deps: DbDeps, siteId: string, email: string, password: string): Promise<boolean> {
  const normalized = normalizeEmail(email);
  const u = await usersRepo.byEmail(deps.db, siteId, normalized);
  if (!u) return false;
  await usersRepo.update(deps.db, siteId, u.id, {
    password_hash: await hashPassword(password),
    updated_at: iso(deps.clock()),
  });
  await usersRepo.deleteSessionsOf(deps.db, siteId, u.id);
  await usersRepo.clearFailures(deps.db, siteId, normalized);
  await audit(deps, siteId, 'PASSWORD_RESET', null, u.id);
  return true;
}

/** Sites that have no dashboard user yet (at most `limit`), for the start-up hint. */
export const sitesWithoutUsers = (deps: DbDeps, limit = 10) => usersRepo.sitesWithoutUsers(deps.db, limit);

/**
 * Deletes ended sessions and failure counts that no longer count (their window is over and they lock nothing), so
 * neither table grows with sessions nobody signs out of or with guessed e-mails. Idempotent; run periodically.
 */
export async function purgeEndedSessions(deps: UsersDeps): Promise<{ sessions: number; failures: number }> {
  const now = deps.clock();
  const sessions = await usersRepo.deleteEndedSessions(
    deps.db,
    iso(now),
    iso(new Date(now.getTime() - deps.config.sessionIdleSeconds * 1000)),
  );
  const failures = await usersRepo.deleteStaleFailures(
    deps.db,
    iso(now),
    iso(new Date(now.getTime() - deps.config.signInLockoutSeconds * 1000)),
  );
  return { sessions, failures };
}

/**
 * Records a change request a dashboard user made (any operation other than a read), under that user: the operation,
 * its path parameters (ids only, never a body) and the status it was answered with.
 */
export async function auditUserRequest(
  deps: DbDeps,
  p: Principal & { kind: 'USER' },
  operation: string,
  params: Record<string, string>,
  status: number,
): Promise<void> {
  await audit(deps, p.siteId, `CALL ${operation}`, p, null, { params, status });
}

/** A page of the site's user audit, newest first; the cursor is the last entry's id (ids are time-ordered). */
export async function queryUserAudit(
  deps: DbDeps,
  siteId: string,
  query: UserAuditQuery,
): Promise<{ entries: UserAuditEntry[]; metadata: { cursors: { next: string | null } } }> {
  const limit = query.limit ? Number(query.limit) : 50;
  const rows = await usersRepo.auditPage(deps.db, siteId, {
    limit: limit + 1,
    ...(query.userId ? { userId: query.userId } : {}),
    ...(query.cursor ? { before: query.cursor.toLowerCase() } : {}),
  });
  const page = rows.slice(0, limit);
  const entries = page.map(
    (r): UserAuditEntry => ({
      id: r.id,
      action: r.action,
      actor: { kind: r.actor_kind, ...(r.actor_id !== null ? { id: r.actor_id } : {}) },
      ...(r.subject_user_id !== null ? { subjectUserId: r.subject_user_id } : {}),
      detail: JSON.parse(r.detail_json) as Record<string, unknown>,
      createdDate: r.created_at,
    }),
  );
  return { entries, metadata: { cursors: { next: rows.length > limit ? (page.at(-1)?.id ?? null) : null } } };
}
