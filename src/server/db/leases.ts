/**
 * Leases on periodic work shared by every instance of one database: a lease names the work, the instance holding
 * it, and the end of its period. An instance does a period's work only if it took that period's lease, so among
 * any number of instances exactly one does each period's work, whichever asks first once the last period ended.
 * A table rather than PostgreSQL advisory locks: a lock excludes only work that overlaps in time, while a lease also
 * tells the instance that comes ten minutes later that this period's work is done; and it works alike on SQLite.
 */
import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';

/**
 * Takes the lease `name` for `holder` until `until` if it is free at `now` (never taken, or its period ended);
 * true when this call took it. One statement: of instances asking at once, exactly one gets it (on PostgreSQL the
 * others wait for its row lock and then see a period that has not ended).
 */
export async function claimLease(
  db: Kysely<Database>,
  name: string,
  holder: string,
  now: string,
  until: string,
): Promise<boolean> {
  const row = await db
    .insertInto('leases')
    .values({ name, holder, expires_at: until })
    .onConflict((oc) =>
      oc.column('name').doUpdateSet({ holder, expires_at: until }).where('leases.expires_at', '<=', now),
    )
    .returning('holder')
    .executeTakeFirst();
  return row !== undefined;
}
