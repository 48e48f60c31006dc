/**
 * Pure rules of dashboard users and sessions: how an e-mail is compared, when a session has ended, when its
 * last use is worth writing down, and what a failed sign-in does to the lockout counter. No I/O, no clock (the
 * time is always passed in).
 */
import type { UserSessionRow } from '../db/schema.ts';

/** Sign-in e-mails compare case-insensitively, without surrounding blanks. */
export const normalizeEmail = (email: string): string => email.trim().toLowerCase();

export interface SessionTimes {
  idleSeconds: number;
  maxSeconds: number;
}

/** Whether a session is over at `now`: past its absolute end, or unused for longer than the idle time. */
export function sessionEnded(
  s: Pick<UserSessionRow, 'last_seen_at' | 'expires_at'>,
  now: Date,
  t: SessionTimes,
): boolean {
  const at = now.getTime();
  return at >= Date.parse(s.expires_at) || at - Date.parse(s.last_seen_at) >= t.idleSeconds * 1000;
}

/**
 * Whether to write a session's use down now: at most once a minute (or once per twentieth of the idle time when
 * that is shorter), so a busy dashboard does not write on every request, at the cost of the idle clock running up
 * to that much early.
 */
export function touchDue(s: Pick<UserSessionRow, 'last_seen_at'>, now: Date, t: SessionTimes): boolean {
  const step = Math.min(60_000, (t.idleSeconds * 1000) / 20);
  return now.getTime() - Date.parse(s.last_seen_at) >= step;
}

export interface LockoutPolicy {
  maxFailures: number;
  windowSeconds: number;
}

/** Seconds left of a lockout at `now` (rounded up), or 0 when there is none. */
export function lockedFor(lockedUntil: string | null | undefined, now: Date): number {
  if (!lockedUntil) return 0;
  const left = Date.parse(lockedUntil) - now.getTime();
  return left > 0 ? Math.ceil(left / 1000) : 0;
}
