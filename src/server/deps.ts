/** The narrow dependencies services receive; wired once in main.ts (the composition root). */
import type { Kysely } from 'kysely';
import type { Dialect } from './db/database.ts';
import type { Database } from './db/schema.ts';

/** Injected clock: services never read the system time directly, so tests can control it. */
export type Clock = () => Date;

export interface DbDeps {
  db: Kysely<Database>;
  dialect: Dialect;
  clock: Clock;
}

/** ISO-8601 UTC with milliseconds: the one timestamp format stored and sent. */
export const iso = (d: Date): string => d.toISOString();
