/**
 * Handlers of the dashboard's operations (catalogue: `src/contract/operations/dashboard.ts`): sign-in sets the
 * session cookie, sign-out clears it; the rest translate the request into one call of users.service.ts.
 */
import type { FastifyRequest } from 'fastify';
import type { Principal } from '../auth/principal.ts';
import { AppError } from '../errors.ts';
import { countRequest } from '../http/rate-limit.ts';
import type { Handlers } from '../http/route.ts';
import { clearedSessionCookie, sessionCookie, sessionTokenOf } from './session-cookie.ts';
import {
  changePassword,
  createUser,
  deleteUser,
  endSession,
  listSessions,
  listUsers,
  queryUserAudit,
  sessionUser,
  signIn,
  signOut,
  toManagedUser,
  updateUserRole,
} from './users.service.ts';

const secure = (request: FastifyRequest) => request.protocol === 'https';

/** The signed-in user of a session-only operation (the auth hook admits no other principal to them). */
function user(p: Principal): Principal & { kind: 'USER' } {
  if (p.kind !== 'USER') throw new AppError('forbidden', 'PERMISSION_DENIED', 'Only a signed-in dashboard user may');
  return p;
}

export const userHandlers = {
  // The route's limit hook has counted the client network; the site, when named, is counted here.
  signIn: async (deps, req) => {
    const { request, reply } = req.http;
    if (req.body.siteId) await countRequest(deps, reply, 'signins', { site: req.body.siteId });
    const session = await signIn(deps, req.body, sessionTokenOf(request.headers.cookie), {
      userAgent: request.headers['user-agent'],
      address: request.ip,
    });
    void reply.header('Set-Cookie', sessionCookie(session.token, session.maxAgeSeconds, secure(request)));
    return { user: session.user, csrfToken: session.csrfToken };
  },
  getSession: async (deps, req) => {
    const session = req.http.request.dashboardSession;
    if (!session) throw new AppError('unauthenticated', 'UNAUTHENTICATED', 'Not signed in');
    return { user: await sessionUser(deps, user(req.principal)), csrfToken: session.csrfToken };
  },
  signOut: async (deps, req) => {
    await signOut(deps, user(req.principal), req.body.everywhere === true);
    void req.http.reply.header('Set-Cookie', clearedSessionCookie(secure(req.http.request)));
    return {};
  },
  changePassword: async (deps, req) => {
    await changePassword(deps, user(req.principal), req.body.currentPassword, req.body.newPassword);
    return {};
  },
  listSessions: async (deps, req) => ({
    sessions: await listSessions(deps, user(req.principal), req.query.userId),
  }),
  // Ending the session the request came with also clears its cookie, as signing out does.
  endSession: async (deps, req) => {
    const { current } = await endSession(deps, user(req.principal), req.params.sessionId);
    if (current) void req.http.reply.header('Set-Cookie', clearedSessionCookie(secure(req.http.request)));
    return {};
  },
  listUsers: async (deps, req) => listUsers(deps, req.principal.siteId, req.query),
  createUser: async (deps, req) => ({
    user: toManagedUser(await createUser(deps, req.principal.siteId, req.body, req.principal)),
  }),
  updateUser: async (deps, req) => ({
    user: await updateUserRole(deps, req.principal, req.params.userId, req.body.role),
  }),
  deleteUser: async (deps, req) => {
    await deleteUser(deps, req.principal, req.params.userId);
    return {};
  },
  queryUserAudit: async (deps, req) => queryUserAudit(deps, req.principal.siteId, req.query),
} satisfies Partial<Handlers>;
