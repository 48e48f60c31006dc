/** The narrow dependencies services receive; wired once in main.ts (the composition root). */
import type { Kysely } from 'kysely';
import type { Dialect } from './db/database.ts';
import type { Database } from './db/schema.ts';

/**
 * Injected clock: services, the authenticator, the workers and the maintenance loop never read the system time for
 * anything they store, send or decide by (timestamps, token expiry, retention, relevance decay), so tests control
 * it. One clock is wired by the composition root and handed to all of them. Timeouts and polling intervals (how long
 * to wait, not what time it is) use the runtime's timers.
 */
export type Clock = () => Date;

/** The system time: the clock `verdict serve` and the CLI commands wire. */
export const systemClock: Clock = () => new Date();

export interface DbDeps {
  db: Kysely<Database>;
  dialect: Dialect;
  clock: Clock;
}

/** ISO-8601 UTC with milliseconds: the one timestamp format stored and sent. */
export const iso = (d: Date): string => d.toISOString();
