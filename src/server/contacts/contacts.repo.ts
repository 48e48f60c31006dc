/** Queries on `contacts`. */

import type { Executor } from '../db/executor.ts';
import type { ContactRow } from '../db/schema.ts';

export const contactsRepo = {
  byEmail: (db: Executor, siteId: string, emailNormalized: string): Promise<ContactRow | undefined> =>
    db
      .selectFrom('contacts')
      .selectAll()
      .where('site_id', '=', siteId)
      .where('email_normalized', '=', emailNormalized)
      .executeTakeFirst(),
  byId: (db: Executor, siteId: string, id: string): Promise<ContactRow | undefined> =>
    db.selectFrom('contacts').selectAll().where('site_id', '=', siteId).where('id', '=', id).executeTakeFirst(),
  insert: async (db: Executor, row: ContactRow): Promise<void> => {
    await db.insertInto('contacts').values(row).execute();
  },
  remove: async (db: Executor, siteId: string, id: string): Promise<void> => {
    await db.deleteFrom('contacts').where('site_id', '=', siteId).where('id', '=', id).execute();
  },
};

/**
 * Contacts of a site, optionally only those with one of `emails` (normalized, non-empty list), oldest first
 * (created_at, id): after the position `after` when given, else from `offset`.
 */
export const contactsQuery = {
  page: (
    db: Executor,
    siteId: string,
    emails: readonly string[] | undefined,
    after: readonly [string, string] | undefined,
    offset: number,
    limit: number,
  ): Promise<ContactRow[]> => {
    let q = db.selectFrom('contacts').selectAll().where('site_id', '=', siteId);
    if (emails) q = q.where('email_normalized', 'in', [...emails]);
    if (after) q = q.where((eb) => eb(eb.refTuple('created_at', 'id'), '>', eb.tuple(after[0], after[1])));
    else if (offset > 0) q = q.offset(offset);
    return q.orderBy('created_at').orderBy('id').limit(limit).execute();
  },
  total: async (db: Executor, siteId: string, emails: readonly string[] | undefined): Promise<number> => {
    let q = db
      .selectFrom('contacts')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('site_id', '=', siteId);
    if (emails) q = q.where('email_normalized', 'in', [...emails]);
    return Number((await q.executeTakeFirstOrThrow()).n);
  },
};
