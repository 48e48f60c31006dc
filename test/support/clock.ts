/**
 * A controlled clock for a test app: pass `clock` to `startTestApp(db, { clock })` (or `createApp`) and move time
 * with `set` and `advance`; every service, worker and the authenticator of that app read it. Never sleeps.
 */
import type { Clock } from '../../src/server/deps.ts';

export interface TestClock {
  /** The clock to wire into the app. */
  readonly clock: Clock;
  /** The time the clock reads now. */
  now(): Date;
  /** Sets the time. */
  set(at: Date | string | number): Date;
  /** Moves the time forward by `ms` (backward if negative) and returns the new time. */
  advance(ms: number): Date;
}

/** A clock that reads `start` until it is moved. */
export function testClock(start: Date | string | number): TestClock {
  let at = new Date(start).getTime();
  return {
    clock: () => new Date(at),
    now: () => new Date(at),
    set(to) {
      at = new Date(to).getTime();
      return new Date(at);
    },
    advance(ms) {
      at += ms;
      return new Date(at);
    },
  };
}
