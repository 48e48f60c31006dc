/**
 * Dashboard users and their sessions (docs/adr/0014): `users` (one row per person per site, with an scrypt hash
 * that carries its own parameters), `user_sessions` (only the SHA-256 of each session token is kept), the failed
 * sign-ins that drive the temporary lockout, and the audit of what happens to users and sessions. Frozen once
 * shipped. Keys lead with site_id, except the session lookup by token hash (a request names no site before its
 * session is found) and the lockout counters (a sign-in may name no site).
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('users')
    .addColumn('site_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('email_normalized', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('users_pk', ['site_id', 'id'])
    .execute();
  await db.schema
    .createIndex('users_email_idx')
    .on('users')
    .columns(['site_id', 'email_normalized'])
    .unique()
    .execute();
  // Sign-in without a site looks the e-mail up across sites.
  await db.schema.createIndex('users_email_any_site_idx').on('users').column('email_normalized').execute();

  await db.schema
    .createTable('user_sessions')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('site_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('csrf_token', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('last_seen_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('user_sessions_user_idx').on('user_sessions').columns(['site_id', 'user_id']).execute();

  await db.schema
    .createTable('sign_in_failures')
    .addColumn('site_id', 'text', (c) => c.notNull())
    .addColumn('email_normalized', 'text', (c) => c.notNull())
    .addColumn('failures', 'integer', (c) => c.notNull())
    .addColumn('window_started_at', 'text', (c) => c.notNull())
    .addColumn('locked_until', 'text')
    .addPrimaryKeyConstraint('sign_in_failures_pk', ['site_id', 'email_normalized'])
    .execute();

  await db.schema
    .createTable('user_audit')
    .addColumn('site_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('actor_kind', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text')
    .addColumn('subject_user_id', 'text')
    .addColumn('detail_json', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('user_audit_pk', ['site_id', 'id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('user_audit').execute();
  await db.schema.dropTable('sign_in_failures').execute();
  await db.schema.dropTable('user_sessions').execute();
  await db.schema.dropTable('users').execute();
}
