/** Runs the frozen, timestamped migrations in order; idempotent, safe to call at every start. */
import { type Kysely, type Migration, type MigrationProvider, Migrator, PostgresAdapter, sql } from 'kysely';
import * as core from './migrations/2026_11_25_0001_core.ts';
import * as webhooks from './migrations/2026_11_25_0003_webhooks.ts';
import * as moderation from './migrations/2026_11_25_0002_moderation.ts';
import * as query from './migrations/2026_11_25_0004_query.ts';
import * as engagement from './migrations/2026_11_25_0005_engagement.ts';
import * as outboxPosition from './migrations/2026_11_26_0001_outbox_position.ts';
import * as eventIdentity from './migrations/2026_12_04_0001_event_identity.ts';

const MIGRATIONS: Record<string, Migration> = {
  '2026_11_25_0001_core': core,
  '2026_11_25_0003_webhooks': webhooks,
  '2026_11_25_0002_moderation': moderation,
  '2026_11_25_0004_query': query,
  '2026_11_25_0005_engagement': engagement,
  '2026_11_26_0001_outbox_position': outboxPosition,
  '2026_12_04_0001_event_identity': eventIdentity,
};

class StaticProvider implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    return MIGRATIONS;
  }
}

/** Applies every pending migration; throws with the failing migration's name. */
export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  // On PostgreSQL the bookkeeping tables live in the current schema, named explicitly: Kysely otherwise matches a
  // migration table of any schema and would skip migrating a fresh schema beside an existing one.
  let migrationTableSchema: string | undefined;
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    const r = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
    migrationTableSchema = r.rows[0]?.schema;
  }
  // Migrations of different features are independent, so one written earlier may land after a later one.
  const migrator = new Migrator({
    db,
    provider: new StaticProvider(),
    allowUnorderedMigrations: true,
    ...(migrationTableSchema ? { migrationTableSchema } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error) {
    throw new Error(`Migration ${failed?.migrationName ?? '(unknown)'} failed`, { cause: error });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
