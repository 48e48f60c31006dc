/** Queries on sites and api_keys. No business rules here. */
import type { Executor } from '../db/executor.ts';
import { preparedQuery } from '../db/prepared.ts';
import type { ApiKeyRow, SiteRow } from '../db/schema.ts';

// Every authenticated request looks its key up: compiled once (see prepared.ts).
const keyByHash = preparedQuery((db, p: { hash: string }) =>
  db.selectFrom('api_keys').selectAll().where('key_hash', '=', p.hash),
);

export const sitesRepo = {
  byId: (db: Executor, id: string): Promise<SiteRow | undefined> =>
    db.selectFrom('sites').selectAll().where('id', '=', id).executeTakeFirst(),
  byClientId: (db: Executor, clientId: string): Promise<SiteRow | undefined> =>
    db.selectFrom('sites').selectAll().where('client_id', '=', clientId).executeTakeFirst(),
  byName: (db: Executor, name: string): Promise<SiteRow | undefined> =>
    db.selectFrom('sites').selectAll().where('name', '=', name).orderBy('created_at').executeTakeFirst(),
  insert: async (db: Executor, row: SiteRow): Promise<void> => {
    await db.insertInto('sites').values(row).execute();
  },
  updateSettings: async (db: Executor, id: string, settingsJson: string): Promise<void> => {
    await db.updateTable('sites').set({ settings_json: settingsJson }).where('id', '=', id).execute();
  },
  keyByHash: async (db: Executor, hash: string): Promise<ApiKeyRow | undefined> => (await keyByHash(db, { hash }))[0],
  insertKey: async (db: Executor, row: ApiKeyRow): Promise<void> => {
    await db.insertInto('api_keys').values(row).execute();
  },
  listKeys: (db: Executor, siteId: string): Promise<ApiKeyRow[]> =>
    db.selectFrom('api_keys').selectAll().where('site_id', '=', siteId).orderBy('created_at').orderBy('id').execute(),
  /** Up to `limit` keys of a site, oldest first (created_at, id), after the position `after` when given. */
  keysPage: (
    db: Executor,
    siteId: string,
    after: readonly [string, string] | undefined,
    limit: number,
  ): Promise<ApiKeyRow[]> => {
    let q = db.selectFrom('api_keys').selectAll().where('site_id', '=', siteId);
    if (after) q = q.where((eb) => eb(eb.refTuple('created_at', 'id'), '>', eb.tuple(after[0], after[1])));
    return q.orderBy('created_at').orderBy('id').limit(limit).execute();
  },
  revokeKey: async (db: Executor, siteId: string, keyId: string, at: string): Promise<boolean> => {
    const r = await db
      .updateTable('api_keys')
      .set({ revoked_at: at })
      .where('site_id', '=', siteId)
      .where('id', '=', keyId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  },
};
