/** The `idempotency_keys` table: one row per (site, caller, key), holding the claim and then the stored answer. */
import type { Selectable } from 'kysely';
import type { Executor } from '../db/executor.ts';
import type { IdempotencyKeysTable } from '../db/schema.ts';

export type IdempotencyRow = Selectable<IdempotencyKeysTable>;

/** One key of one caller of one site. */
export interface KeyRef {
  siteId: string;
  principal: string;
  key: string;
}

export const idempotencyRepo = {
  /** Inserts the claim; throws the driver's unique violation when the key exists. */
  async insertClaim(db: Executor, ref: KeyRef, hash: string, lockedUntil: string, createdAt: string): Promise<void> {
    await db
      .insertInto('idempotency_keys')
      .values({
        site_id: ref.siteId,
        principal: ref.principal,
        idem_key: ref.key,
        request_hash: hash,
        status_code: null,
        response_json: null,
        locked_until: lockedUntil,
        created_at: createdAt,
      })
      .execute();
  },

  find(db: Executor, ref: KeyRef): Promise<IdempotencyRow | undefined> {
    return db
      .selectFrom('idempotency_keys')
      .selectAll()
      .where('site_id', '=', ref.siteId)
      .where('principal', '=', ref.principal)
      .where('idem_key', '=', ref.key)
      .executeTakeFirst();
  },

  /** Takes over a claim whose holder died unanswered; false when another retry took it first. */
  async takeOver(db: Executor, ref: KeyRef, seenLockedUntil: string, lockedUntil: string): Promise<boolean> {
    const r = await db
      .updateTable('idempotency_keys')
      .set({ locked_until: lockedUntil })
      .where('site_id', '=', ref.siteId)
      .where('principal', '=', ref.principal)
      .where('idem_key', '=', ref.key)
      .where('locked_until', '=', seenLockedUntil)
      .where('status_code', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  },

  async storeAnswer(db: Executor, ref: KeyRef, statusCode: number, body: string): Promise<void> {
    await db
      .updateTable('idempotency_keys')
      .set({ status_code: statusCode, response_json: body })
      .where('site_id', '=', ref.siteId)
      .where('principal', '=', ref.principal)
      .where('idem_key', '=', ref.key)
      .execute();
  },

  async remove(db: Executor, ref: KeyRef): Promise<void> {
    await db
      .deleteFrom('idempotency_keys')
      .where('site_id', '=', ref.siteId)
      .where('principal', '=', ref.principal)
      .where('idem_key', '=', ref.key)
      .execute();
  },

  /** The site's records made by these callers or whose stored answer contains `text`. */
  async removeByCallersOrText(
    db: Executor,
    siteId: string,
    principals: readonly string[],
    text: string,
  ): Promise<void> {
    await db
      .deleteFrom('idempotency_keys')
      .where('site_id', '=', siteId)
      .where((eb) => eb.or([eb('principal', 'in', [...principals]), eb('response_json', 'like', `%${text}%`)]))
      .execute();
  },

  async removeCreatedBefore(db: Executor, before: string): Promise<void> {
    await db.deleteFrom('idempotency_keys').where('created_at', '<', before).execute();
  },
};
