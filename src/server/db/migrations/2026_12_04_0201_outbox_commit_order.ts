/**
 * The outbox read in commit order without a table lock (docs/adr/0009-outbox-horizon.md), PostgreSQL only:
 * - a BEFORE INSERT statement trigger gives the inserting transaction its transaction id before any row of the
 *   statement draws its position, so every position is drawn by a transaction that already has an id;
 * - an AFTER INSERT statement trigger sends one `NOTIFY verdict_outbox, '<site id>'` per site of the statement. It is
 *   delivered when the transaction commits and dropped if it rolls back, and it wakes the feed's long-polls and the
 *   webhook worker on every instance;
 * - positions stay handed out strictly in order (a sequence cache of 1, the default, made explicit).
 * SQLite needs none of it: one writer at a time, positions visible in order, and each process learns of its own
 * commits itself. Frozen once shipped.
 */
import { type Kysely, SqliteAdapter, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // SQLite: nothing to do (see above).
  if (db.getExecutor().adapter instanceof SqliteAdapter) return;
  await sql`alter table outbox_events alter column position set cache 1`.execute(db);
  await sql`
    create function verdict_outbox_take_xid() returns trigger language plpgsql as $$
    begin
      perform pg_current_xact_id();
      return null;
    end $$`.execute(db);
  await sql`
    create trigger outbox_events_take_xid before insert on outbox_events
    for each statement execute function verdict_outbox_take_xid()`.execute(db);
  await sql`
    create function verdict_outbox_notify() returns trigger language plpgsql as $$
    begin
      perform pg_notify('verdict_outbox', s.site_id) from (select distinct site_id from new_rows) s;
      return null;
    end $$`.execute(db);
  await sql`
    create trigger outbox_events_notify after insert on outbox_events
    referencing new table as new_rows
    for each statement execute function verdict_outbox_notify()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  if (db.getExecutor().adapter instanceof SqliteAdapter) return;
  await sql`drop trigger outbox_events_notify on outbox_events`.execute(db);
  await sql`drop function verdict_outbox_notify()`.execute(db);
  await sql`drop trigger outbox_events_take_xid on outbox_events`.execute(db);
  await sql`drop function verdict_outbox_take_xid()`.execute(db);
}
