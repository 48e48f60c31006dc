/**
 * GDPR requests about one contact (docs/product.md §3 decision 6): erase everything held about it at once, and export
 * it as JSON. Erasure runs in one transaction: the contact's reviews (live and trashed) are purged with their
 * votes and reports, summaries lose what the live ones contributed, each erased review gets a `deleted` event with
 * `triggeredByAnonymizeRequest: true` whose review is redacted, earlier events of those reviews are redacted in
 * place, the contact's own votes come off the reviews they were cast on, its reports are dropped, audit entries it
 * made no longer name it, and idempotency records that could echo it are dropped. The privacy audit entry keeps
 * counts and the requesting key only.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { ContactExport, EraseContactResponse, Media, ReviewDomainEvent } from '../../contract/index.ts';
import type { Principal } from '../auth/principal.ts';
import { contactsRepo } from '../contacts/contacts.repo.ts';
import { toContact } from '../contacts/contacts.service.ts';
import { type DbDeps, iso } from '../deps.ts';
import { AppError } from '../errors.ts';
import { buildEvents } from '../outbox/outbox.events.ts';
import { outboxRepo } from '../outbox/outbox.repo.ts';
import { eventIdentity } from '../outbox/outbox.rules.ts';
import { toReview } from '../reviews/reviews.mapper.ts';
import { score } from '../reviews/reviews.service.ts';
import type { Executor } from '../sites/sites.repo.ts';
import { summariesRepo } from '../summaries/summaries.repo.ts';
import { contribution, mergeDeltas, summaryDeltas } from '../summaries/summaries.rules.ts';
import { engagementRepo } from './engagement.repo.ts';
import { purgeDate, redactEvent, redactIdentity, redactReview } from './engagement.rules.ts';

const noContact = () => new AppError('not_found', 'CONTACT_NOT_FOUND', 'Nothing is held about this contact');

/** Contact ids are GUIDs or visitor ids; this also keeps them safe inside a LIKE pattern. */
const SAFE_ID = /^[A-Za-z0-9-]{1,100}$/;

async function reviewsOf(db: Executor, siteId: string, contactId: string) {
  return db
    .selectFrom('reviews')
    .selectAll()
    .where('site_id', '=', siteId)
    .where('contact_id', '=', contactId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

/**
 * eraseContact: purges the contact and everything about it (see the file comment), all or nothing. 404
 * CONTACT_NOT_FOUND when nothing is held about the id (so a repeated erase answers 404).
 */
export async function eraseContact(deps: DbDeps, p: Principal, contactId: string): Promise<EraseContactResponse> {
  if (!SAFE_ID.test(contactId)) throw noContact();
  const siteId = p.siteId;
  return deps.db.transaction().execute(async (trx) => {
    const nowDate = deps.clock();
    const now = iso(nowDate);
    const contact = await contactsRepo.byId(trx, siteId, contactId);
    const reviews = await reviewsOf(trx, siteId, contactId);
    const votes = await engagementRepo.votesOfVoter(trx, siteId, contactId);
    const reports = await engagementRepo.reportsOfReporter(trx, siteId, contactId);
    if (!contact && reviews.length === 0 && votes.length === 0 && reports.length === 0) throw noContact();

    // The contact's reviews: summaries, a redacted `deleted` event each, earlier events redacted, then purged.
    const deltas = mergeDeltas(reviews.flatMap((row) => summaryDeltas(contribution(row), null)));
    await summariesRepo.applyMany(trx, siteId, deltas, now);
    const ids = reviews.map((r) => r.id);
    if (ids.length > 0) {
      const past = await trx
        .selectFrom('outbox_events')
        .select(['id', 'body_json', 'identity_json'])
        .where('site_id', '=', siteId)
        .where('entity_id', 'in', ids)
        .execute();
      for (const e of past) {
        const body = JSON.stringify(redactEvent(JSON.parse(e.body_json) as ReviewDomainEvent));
        // An event the erased visitor or member made names them in its identity: it becomes UNKNOWN.
        const identity = redactIdentity(e.identity_json, contactId);
        await trx
          .updateTable('outbox_events')
          .set({ body_json: body, identity_json: identity })
          .where('site_id', '=', siteId)
          .where('id', '=', e.id)
          .execute();
      }
      const events = reviews.flatMap((row) =>
        buildEvents(redactReview(toReview(row, nowDate)), [{ slug: 'deleted' }], row.event_sequence + 1, now, {
          anonymize: true,
        }),
      );
      await outboxRepo.append(trx, siteId, events, eventIdentity(p));
      await engagementRepo.purgeReviews(trx, siteId, ids);
      await trx.deleteFrom('moderation_audit').where('site_id', '=', siteId).where('review_id', 'in', ids).execute();
    }

    // The contact's votes on other reviews come off their counters; its reports go.
    for (const v of votes) {
      const h = v.vote === 'HELPFUL' ? 1 : 0;
      const row = await engagementRepo.removeVoteCounts(trx, siteId, v.review_id, h, 1 - h);
      if (row) await engagementRepo.setRelevance(trx, row, score(row, nowDate, JSON.parse(row.media_json) as Media[]));
    }
    await trx.deleteFrom('review_votes').where('site_id', '=', siteId).where('voter_id', '=', contactId).execute();
    await trx.deleteFrom('review_reports').where('site_id', '=', siteId).where('reporter_id', '=', contactId).execute();
    await trx
      .updateTable('review_reports')
      .set({ review_author_id: null })
      .where('site_id', '=', siteId)
      .where('review_author_id', '=', contactId)
      .execute();

    // Traces elsewhere: audit entries it made, idempotency records of its requests or echoing it.
    await trx
      .updateTable('moderation_audit')
      .set({ actor_id: null })
      .where('site_id', '=', siteId)
      .where('actor_id', '=', contactId)
      .execute();
    await trx
      .deleteFrom('idempotency_keys')
      .where('site_id', '=', siteId)
      .where((eb) =>
        eb.or([
          eb('principal', '=', `member:${contactId}`),
          eb('principal', '=', `visitor:${contactId}`),
          eb('response_json', 'like', `%${contactId}%`),
        ]),
      )
      .execute();
    if (contact) await trx.deleteFrom('contacts').where('site_id', '=', siteId).where('id', '=', contactId).execute();
    // SQLite's full-text index keeps deleted words in its segments until they are merged: merge them now, so no
    // word of the erased reviews stays in the index (PostgreSQL's GIN index is over the live rows' expression).
    if (deps.dialect === 'sqlite' && ids.length > 0) {
      await sql`insert into reviews_fts(reviews_fts) values ('optimize')`.execute(trx);
    }

    const erased = {
      contact: contact !== undefined,
      reviews: reviews.length,
      votes: votes.length,
      reports: reports.length,
    };
    await trx
      .insertInto('privacy_audit')
      .values({
        site_id: siteId,
        id: randomUUID(),
        kind: 'ERASE_CONTACT',
        actor_kind: p.kind,
        actor_id: p.kind === 'ADMIN' || p.kind === 'APP' ? p.keyId : null,
        summary_json: JSON.stringify(erased),
        created_at: now,
      })
      .execute();
    return { erased };
  });
}

/** exportContact: everything held about one contact, as JSON; 404 CONTACT_NOT_FOUND when nothing is. */
export async function exportContact(
  deps: DbDeps,
  p: Principal,
  contactId: string,
  retentionDays: number,
): Promise<ContactExport> {
  if (!SAFE_ID.test(contactId)) throw noContact();
  const siteId = p.siteId;
  const [contact, reviews, votes, reports] = await Promise.all([
    contactsRepo.byId(deps.db, siteId, contactId),
    reviewsOf(deps.db, siteId, contactId),
    engagementRepo.votesOfVoter(deps.db, siteId, contactId),
    engagementRepo.reportsOfReporter(deps.db, siteId, contactId),
  ]);
  if (!contact && reviews.length === 0 && votes.length === 0 && reports.length === 0) throw noContact();
  const nowDate = deps.clock();
  const now = iso(nowDate);
  await deps.db
    .insertInto('privacy_audit')
    .values({
      site_id: siteId,
      id: randomUUID(),
      kind: 'EXPORT_CONTACT',
      actor_kind: p.kind,
      actor_id: p.kind === 'ADMIN' || p.kind === 'APP' ? p.keyId : null,
      summary_json: JSON.stringify({ reviews: reviews.length, votes: votes.length, reports: reports.length }),
      created_at: now,
    })
    .execute();
  return {
    contact: contact ? toContact(contact) : null,
    reviews: reviews.filter((r) => r.deleted_at === null).map((r) => toReview(r, nowDate)),
    deletedReviews: reviews.flatMap((r) =>
      r.deleted_at === null
        ? []
        : [
            {
              review: toReview(r, nowDate),
              deletedDate: r.deleted_at,
              purgeDate: purgeDate(r.deleted_at, retentionDays),
            },
          ],
    ),
    votes: votes.map((v) => ({
      reviewId: v.review_id,
      vote: v.vote,
      createdDate: v.created_at,
      updatedDate: v.updated_at,
    })),
    reports: reports.map((r) => ({
      id: r.id,
      reviewId: r.review_id,
      reason: r.reason as ContactExport['reports'][number]['reason'],
      ...(r.text !== null ? { text: r.text } : {}),
      status: r.status,
      reporterKind: r.reporter_kind as ContactExport['reports'][number]['reporterKind'],
      createdDate: r.created_at,
      ...(r.dismissed_at !== null ? { dismissedDate: r.dismissed_at } : {}),
    })),
  };
}
