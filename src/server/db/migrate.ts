/** Runs the frozen, timestamped migrations in order; idempotent, safe to call at every start. */
import { type Kysely, type Migration, type MigrationProvider, Migrator } from 'kysely';
import * as core from './migrations/2026_11_25_0001_core.ts';

const MIGRATIONS: Record<string, Migration> = {
  '2026_11_25_0001_core': core,
};

class StaticProvider implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    return MIGRATIONS;
  }
}

/** Applies every pending migration; throws with the failing migration's name. */
export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: new StaticProvider() });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error) {
    throw new Error(`Migration ${failed?.migrationName ?? '(unknown)'} failed`, { cause: error });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
