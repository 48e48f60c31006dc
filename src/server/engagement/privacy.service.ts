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
import type { ContactExport, EraseContactResponse, ReviewDomainEvent } from '../../contract/index.ts';
import type { Principal } from '../auth/principal.ts';
import { contactRow, deleteContact, toContact } from '../contacts/contacts.service.ts';
import type { Executor } from '../db/executor.ts';
import { type DbDeps, iso } from '../deps.ts';
import { AppError } from '../errors.ts';
import { forgetRecords } from '../idempotency/idempotency.service.ts';
import { forgetAuditOf } from '../moderation/moderation.service.ts';
import { outboxRepo } from '../outbox/outbox.repo.ts';
import { eventIdentity } from '../outbox/outbox.rules.ts';
import { toReview } from '../reviews/reviews.mapper.ts';
import { reviewsRepo } from '../reviews/reviews.repo.ts';
import { type ReviewChange, runReviewWrite, type WriteDeps } from '../reviews/unit-of-work.ts';
import { engagementRepo } from './engagement.repo.ts';
import { purgeDate, redactEvent, redactIdentity, redactReview } from './engagement.rules.ts';
import { countChange } from './votes.service.ts';

const noContact = () => new AppError('not_found', 'CONTACT_NOT_FOUND', 'Nothing is held about this contact');

/** Contact ids are GUIDs or visitor ids; this also keeps them free of LIKE wildcards (`forgetRecords`). */
const SAFE_ID = /^[A-Za-z0-9-]{1,100}$/;

/**
 * eraseContact: purges the contact and everything about it (see the file comment), all or nothing, in one unit of
 * work. 404 CONTACT_NOT_FOUND when nothing is held about the id (so a repeated erase answers 404).
 *
 * The reviews it touches — the contact's own, live and trashed, and those it voted on — are locked together, in the
 * global order, before anything is read from them; a write racing the erasure therefore either finishes first (and
 * the erasure sees its result) or waits for it. A vote or review the contact adds between the look-up and the lock
 * makes the erasure run again with it included.
 */
export async function eraseContact(deps: WriteDeps, p: Principal, contactId: string): Promise<EraseContactResponse> {
  if (!SAFE_ID.test(contactId)) throw noContact();
  const siteId = p.siteId;
  return runReviewWrite(deps, { siteId, identity: eventIdentity(p) }, async (w) => {
    const [own, voted, reported] = await Promise.all([
      reviewsRepo.idsOfContact(w.db, siteId, contactId),
      engagementRepo.votesOfVoter(w.db, siteId, contactId),
      engagementRepo.reportsOfReporter(w.db, siteId, contactId),
    ]);
    // The reviews it reported are locked too: each open report dropped comes off its review's count.
    const openlyReported = reported.filter((r) => r.status === 'OPEN').map((r) => r.review_id);
    const locked = await w.lock([...own, ...voted.map((v) => v.review_id), ...openlyReported], 'any');
    const reviews = [...locked.values()].filter((r) => r.contact_id === contactId);
    const contact = await contactRow(w.db, siteId, contactId);

    // Its votes go; those on other reviews come off their counters (one statement per batch of reviews). A vote
    // cast after the look-up is on a review this erasure did not lock: it runs again with that review included.
    // Its reports go too, and the open ones come off the counts of the reviews they were on; likewise, a report
    // filed after the look-up makes it run again.
    const votes = await engagementRepo.deleteVotesOfVoter(w.db, siteId, contactId);
    const reports = await engagementRepo.forgetReporter(w.db, siteId, contactId);
    const ids = reviews.map((r) => r.id);
    const gone = new Set(ids);
    const counted = votes.filter((v) => !gone.has(v.review_id));
    const uncounted = reports.filter((r) => r.status === 'OPEN' && !gone.has(r.review_id));
    if ([...counted, ...uncounted].some((x) => !locked.has(x.review_id))) w.retry();
    if (!contact && reviews.length === 0 && votes.length === 0 && reports.length === 0) throw noContact();
    const changes = new Map<string, ReviewChange>();
    for (const v of counted) {
      const row = locked.get(v.review_id);
      if (!row) continue;
      const helpful = v.vote === 'HELPFUL' ? 1 : 0;
      changes.set(row.id, countChange(row, -helpful, helpful - 1));
    }
    for (const r of uncounted) {
      const row = locked.get(r.review_id);
      if (!row) continue;
      const change = changes.get(row.id) ?? { patch: {}, bumpRevision: false, events: [] };
      changes.set(row.id, { ...change, patch: { ...change.patch, open_reports: Math.max(0, row.open_reports - 1) } });
    }
    await w.changeMany(
      [...changes].flatMap(([id, change]) => {
        const row = locked.get(id);
        return row ? [{ row, change }] : [];
      }),
    );

    // The contact's reviews: earlier events redacted in place, a redacted `deleted` event each, then purged with
    // their votes, reports and audit entries (summaries lose what the live ones counted).
    const past = await outboxRepo.ofEntities(w.db, siteId, ids);
    await outboxRepo.rewrite(
      w.db,
      siteId,
      past.map((e) => ({
        id: e.id,
        body_json: JSON.stringify(redactEvent(JSON.parse(e.body_json) as ReviewDomainEvent)),
        // An event the erased visitor or member made names them in its identity: it becomes UNKNOWN.
        identity_json: redactIdentity(e.identity_json, contactId),
      })),
    );
    await w.purge(reviews, { erasure: { redact: redactReview } });
    await engagementRepo.deleteOfReviews(w.db, siteId, ids);
    // A review the contact wrote after the look-up would outlive the erasure: it runs again with that review.
    if ((await reviewsRepo.idsOfContact(w.db, siteId, contactId)).length > 0) w.retry();

    // The traces elsewhere: audit entries it made, idempotency records of or echoing it.
    await forgetAuditOf(w.db, siteId, ids, contactId);
    await forgetRecords(w.db, siteId, [`member:${contactId}`, `visitor:${contactId}`], contactId);
    if (contact) await deleteContact(w.db, siteId, contactId);

    const erased = {
      contact: contact !== undefined,
      reviews: reviews.length,
      votes: votes.length,
      reports: reports.length,
    };
    await auditPrivacy(w.db, p, 'ERASE_CONTACT', erased, w.now);
    return { erased };
  });
}

/** Records who erased or exported a contact's data, with counts only (never the data itself). */
function auditPrivacy(
  db: Executor,
  p: Principal,
  kind: 'ERASE_CONTACT' | 'EXPORT_CONTACT',
  summary: Record<string, unknown>,
  now: string,
): Promise<void> {
  return engagementRepo.insertPrivacyAudit(db, {
    site_id: p.siteId,
    id: randomUUID(),
    kind,
    actor_kind: p.kind,
    actor_id: p.kind === 'ADMIN' || p.kind === 'APP' ? p.keyId : p.kind === 'USER' ? p.userId : null,
    summary_json: JSON.stringify(summary),
    created_at: now,
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
    contactRow(deps.db, siteId, contactId),
    reviewsRepo.ofContact(deps.db, siteId, contactId),
    engagementRepo.votesOfVoter(deps.db, siteId, contactId),
    engagementRepo.reportsOfReporter(deps.db, siteId, contactId),
  ]);
  if (!contact && reviews.length === 0 && votes.length === 0 && reports.length === 0) throw noContact();
  const nowDate = deps.clock();
  const now = iso(nowDate);
  await auditPrivacy(
    deps.db,
    p,
    'EXPORT_CONTACT',
    { reviews: reviews.length, votes: votes.length, reports: reports.length },
    now,
  );
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
