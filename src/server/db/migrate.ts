/** Runs the frozen, timestamped migrations in order; idempotent, safe to call at every start. */
import { type Kysely, type Migration, type MigrationProvider, Migrator, PostgresAdapter, sql } from 'kysely';
import * as core from './migrations/2026_11_25_0001_core.ts';
import * as moderation from './migrations/2026_11_25_0002_moderation.ts';
import * as webhooks from './migrations/2026_11_25_0003_webhooks.ts';
import * as query from './migrations/2026_11_25_0004_query.ts';
import * as engagement from './migrations/2026_11_25_0005_engagement.ts';
import * as outboxPosition from './migrations/2026_11_26_0001_outbox_position.ts';
import * as eventIdentity from './migrations/2026_12_04_0001_event_identity.ts';
import * as outboxRetention from './migrations/2026_12_04_0001_outbox_retention.ts';
import * as reportMintMark from './migrations/2026_12_04_0001_report_mint_mark.ts';
import * as outboxEntityIndex from './migrations/2026_12_04_0101_outbox_entity_index.ts';
import * as outboxCommitOrder from './migrations/2026_12_04_0201_outbox_commit_order.ts';
import * as leases from './migrations/2026_12_04_0301_leases.ts';
import * as relevanceRank from './migrations/2026_12_04_0301_relevance_rank.ts';
import * as dashboardUsers from './migrations/2026_12_05_0101_dashboard_users.ts';
import * as ownerData from './migrations/2026_12_05_0201_owner_data.ts';
import * as importProgress from './migrations/2026_12_05_0301_import_progress.ts';
import * as mediaIndex from './migrations/2026_12_05_0301_media_index.ts';
import * as openReports from './migrations/2026_12_05_0301_open_reports.ts';
import * as listOrderIndexes from './migrations/2026_12_05_0401_list_order_indexes.ts';
import * as sessionDetails from './migrations/2026_12_05_0501_session_details.ts';
import * as reviewWriteIndexes from './migrations/2026_12_05_2201_review_write_indexes.ts';
import * as searchMergeOffWrites from './migrations/2026_12_07_1901_search_merge_off_writes.ts';
import * as searchMergeWider from './migrations/2026_12_07_2201_search_merge_wider.ts';

const MIGRATIONS: Record<string, Migration> = {
  '2026_11_25_0001_core': core,
  '2026_11_25_0003_webhooks': webhooks,
  '2026_11_25_0002_moderation': moderation,
  '2026_11_25_0004_query': query,
  '2026_11_25_0005_engagement': engagement,
  '2026_11_26_0001_outbox_position': outboxPosition,
  '2026_12_04_0001_report_mint_mark': reportMintMark,
  '2026_12_04_0001_outbox_retention': outboxRetention,
  '2026_12_04_0001_event_identity': eventIdentity,
  '2026_12_04_0101_outbox_entity_index': outboxEntityIndex,
  '2026_12_04_0201_outbox_commit_order': outboxCommitOrder,
  '2026_12_04_0301_leases': leases,
  '2026_12_04_0301_relevance_rank': relevanceRank,
  '2026_12_05_0101_dashboard_users': dashboardUsers,
  '2026_12_05_0201_owner_data': ownerData,
  '2026_12_05_0501_session_details': sessionDetails,
  '2026_12_05_0301_open_reports': openReports,
  '2026_12_05_0301_import_progress': importProgress,
  '2026_12_05_0301_media_index': mediaIndex,
  '2026_12_05_0401_list_order_indexes': listOrderIndexes,
  '2026_12_05_2201_review_write_indexes': reviewWriteIndexes,
  '2026_12_07_1901_search_merge_off_writes': searchMergeOffWrites,
  '2026_12_07_2201_search_merge_wider': searchMergeWider,
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
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  if (postgres) {
    const r = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
    migrationTableSchema = r.rows[0]?.schema;
  }
  // Migrations of different features are independent, so one written earlier may land after a later one.
  const migrate = (on: Kysely<any>) =>
    new Migrator({
      db: on,
      provider: new StaticProvider(),
      allowUnorderedMigrations: true,
      ...(migrationTableSchema ? { migrationTableSchema } : {}),
    }).migrateToLatest();
  // On PostgreSQL the server's sessions have a statement timeout fit for requests; a migration may take longer (an
  // index on a large table), so it runs on one session without it, given back to the pool with the default restored.
  // The lock timeout stays: a DDL statement queued behind a long lock would hold every request queued behind it, and
  // an instance that finds another one's migration lock held fails with lock_not_available, which start-up retries.
  const { error, results } = postgres
    ? await db.connection().execute(async (conn) => {
        await sql`set statement_timeout = 0`.execute(conn);
        try {
          return await migrate(conn);
        } finally {
          // A failure here means a broken connection, which the pool discards anyway.
          await sql`reset statement_timeout`.execute(conn).catch(() => {});
        }
      })
    : await migrate(db);
  const failed = results?.find((r) => r.status === 'Error');
  if (error) {
    throw new Error(`Migration ${failed?.migrationName ?? '(unknown)'} failed`, { cause: error });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
