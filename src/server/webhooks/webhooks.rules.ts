/** Pure webhook rules: URL check, secret masking, event matching, retry schedule. No I/O, no clock. */
import type { FieldViolation } from '../../contract/index.ts';

/** Violations of a receiver URL: it must parse, be http(s) and carry no credentials. */
export function urlViolations(url: string, field: string): FieldViolation[] {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return [{ field, description: 'is not a valid URL', violatedRule: 'FORMAT' }];
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return [{ field, description: 'must be an http or https URL', violatedRule: 'FORMAT' }];
  }
  if (parsed.username || parsed.password) {
    return [{ field, description: 'must not contain credentials', violatedRule: 'FORMAT' }];
  }
  return [];
}

/** The secret as shown after creation: first 6 and last 4 characters. */
export const maskSecret = (secret: string): string => `${secret.slice(0, 6)}…${secret.slice(-4)}`;

/**
 * Delay before the next attempt after `attempts` failed ones: `base·2^(attempts-1)` capped at `max`, with equal
 * jitter (half fixed, half random) so receivers recovering from an outage are not hit by every sender at once.
 */
export function retryDelayMs(attempts: number, baseMs: number, maxMs: number, random: number): number {
  const exp = Math.min(maxMs, baseMs * 2 ** Math.min(Math.max(attempts - 1, 0), 40));
  return Math.round(exp / 2 + (exp / 2) * random);
}

/** Whether a failing delivery has used up its retry window (started at `windowStart`) once `nextAt` comes. */
export function retryWindowExhausted(windowStart: Date, nextAt: Date, windowMs: number): boolean {
  return nextAt.getTime() - windowStart.getTime() > windowMs;
}

/** The JetStream subject of one event: `verdict.<siteId>.<slug>` (site ids hold no `.`, `*` or `>`). */
export const natsSubject = (siteId: string, slug: string): string => `verdict.${siteId}.${slug}`;
