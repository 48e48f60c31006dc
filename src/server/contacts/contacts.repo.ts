/** Queries on `contacts`. */
import type { ContactRow } from '../db/schema.ts';
import type { Executor } from '../sites/sites.repo.ts';

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
};
