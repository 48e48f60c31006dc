/**
 * Counting one request against a rate-limit budget, with the `RateLimit` headers: shared by the route table's
 * limit hook (per client network and site) and the token exchange (per site, once its client id names it).
 */
import type { FastifyReply } from 'fastify';
import type { LimitedAction } from '../config.ts';
import { AppError } from '../errors.ts';
import { policyField, stateField } from '../limits/limits.rules.ts';
import type { LimitKeys } from '../limits/rate-limits.ts';
import type { AppDeps } from './app-deps.ts';

/**
 * Counts one request of `action` under `keys`, writes `RateLimit-Policy` and `RateLimit` (appending to what an
 * earlier count of the same request wrote), and refuses with 429 TOO_MANY_REQUESTS and `Retry-After` when a budget
 * is spent.
 */
export async function countRequest(
  deps: Pick<AppDeps, 'limits'>,
  reply: FastifyReply,
  action: LimitedAction,
  keys: LimitKeys,
): Promise<void> {
  const policies = deps.limits.policies(action);
  if (policies.length === 0) return;
  const outcome = await deps.limits.take(action, keys);
  void reply.header('RateLimit-Policy', policyField(policies));
  if (outcome.states.length > 0) {
    const before = reply.getHeader('RateLimit');
    const now = stateField(outcome.states);
    void reply.header('RateLimit', typeof before === 'string' && before ? `${before}, ${now}` : now);
  }
  if (!outcome.allowed) {
    throw new AppError('rate_limited', 'TOO_MANY_REQUESTS', 'Too many requests; try again later', {
      data: { retryAfterSeconds: outcome.retryAfterSeconds },
      headers: { 'Retry-After': String(outcome.retryAfterSeconds) },
    });
  }
}
