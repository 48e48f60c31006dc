/**
 * Handler of the visitor token exchange (`createAccessToken`, `POST /oauth2/token`; catalogue:
 * `src/contract/operations/public.ts`): anonymous visitor tokens for a site's public client id, or their refresh.
 */
import { AppError } from '../errors.ts';
import { countRequest } from '../http/rate-limit.ts';
import type { Handlers } from '../http/route.ts';

export const authHandlers = {
  // The route's limit hook counts the client network; the site is known once the client id names it.
  createAccessToken: async (deps, req) => {
    const body = req.body;
    const { request, reply } = req.http;
    await countRequest(deps, reply, 'tokens', { site: await deps.auth.clientSite(body.clientId) });
    if (body.grantType === 'refresh_token') {
      // The official SDK (OAuthStrategy.renewToken) sends `refreshToken`; `refresh_token` is accepted too.
      const refreshToken = body.refreshToken ?? body.refresh_token;
      if (!refreshToken) {
        throw new AppError('invalid', 'INVALID_ARGUMENT', 'Invalid request', {
          violations: [
            {
              field: 'refreshToken',
              description: 'is required for grantType refresh_token',
              violatedRule: 'REQUIRED_FIELD',
            },
          ],
        });
      }
      return deps.auth.refreshVisitorTokens(body.clientId, refreshToken, request.ip);
    }
    return deps.auth.issueVisitorTokens(body.clientId, request.ip);
  },
} satisfies Partial<Handlers>;
