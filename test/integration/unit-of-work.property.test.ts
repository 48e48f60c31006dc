/**
 * Property test of the review unit of work, on both dialects: random sequences of review writes (create, update,
 * moderate, delete, restore, purge, vote, report, erase, reply, bulk jobs) on a few reviews and contacts, several
 * sequences at once. Afterwards every rating summary equals a recount of the reviews table, every review's vote
 * counters equal a recount of its votes, every review's events are numbered 1, 2, 3… in feed order (and end at the
 * review's stored sequence), and every moderation status change has its audit entry. No operation may fail with
 * anything but a documented AppError (a deadlock or a busy database surfacing to the caller is a failure).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../../src/server/auth/principal.ts';
import { eraseContact } from '../../src/server/engagement/privacy.service.ts';
import { reportReview, updateEngagementSettings } from '../../src/server/engagement/reports.service.ts';
import { purgeTrash, restoreReview } from '../../src/server/engagement/trash.service.ts';
import { castVote } from '../../src/server/engagement/votes.service.ts';
import { AppError } from '../../src/server/errors.ts';
import { enqueueBulkJob } from '../../src/server/jobs/jobs.service.ts';
import {
  createReview,
  deleteReview,
  setReply,
  updateModerationStatus,
  updateReviewContent,
} from '../../src/server/reviews/reviews.service.ts';
import { buildSite, startTestApp, type TestApp, waitFor } from '../support/app.ts';
import { dialects, type TestDb } from '../support/databases.ts';

const CONTACTS = 3;
const ENTITIES = 2;

type Op =
  | { kind: 'create'; contact: number; entity: number; rating: number }
  | { kind: 'update'; review: number; rating: number }
  | { kind: 'moderate'; review: number; status: 'APPROVED' | 'REJECTED' }
  | { kind: 'delete'; review: number }
  | { kind: 'restore'; review: number }
  | { kind: 'purge' }
  | { kind: 'vote'; review: number; voter: number; vote: 'HELPFUL' | 'UNHELPFUL' | 'NONE' }
  | { kind: 'report'; review: number; reporter: number }
  | { kind: 'erase'; contact: number }
  | { kind: 'reply'; review: number }
  | { kind: 'bulk'; entity: number; action: 'DELETE' | 'APPROVED' | 'REJECTED' };

const index = fc.nat({ max: 20 });
const rating = fc.integer({ min: 1, max: 5 });
const contact = fc.nat({ max: CONTACTS - 1 });
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('create' as const), contact, entity: fc.nat({ max: ENTITIES - 1 }), rating }),
  fc.record({ kind: fc.constant('update' as const), review: index, rating }),
  fc.record({
    kind: fc.constant('moderate' as const),
    review: index,
    status: fc.constantFrom('APPROVED' as const, 'REJECTED' as const),
  }),
  fc.record({ kind: fc.constant('delete' as const), review: index }),
  fc.record({ kind: fc.constant('restore' as const), review: index }),
  fc.constant({ kind: 'purge' as const }),
  fc.record({
    kind: fc.constant('vote' as const),
    review: index,
    voter: contact,
    vote: fc.constantFrom('HELPFUL' as const, 'UNHELPFUL' as const, 'NONE' as const),
  }),
  fc.record({ kind: fc.constant('report' as const), review: index, reporter: contact }),
  fc.record({ kind: fc.constant('erase' as const), contact }),
  fc.record({ kind: fc.constant('reply' as const), review: index }),
  fc.record({
    kind: fc.constant('bulk' as const),
    entity: fc.nat({ max: ENTITIES - 1 }),
    action: fc.constantFrom('DELETE' as const, 'APPROVED' as const, 'REJECTED' as const),
  }),
);
/** Several sequences of operations, run at the same time (each one in order). */
const scenario = fc.record({
  ratings: fc.array(rating, { minLength: CONTACTS * ENTITIES, maxLength: CONTACTS * ENTITIES }),
  sequences: fc.array(fc.array(op, { minLength: 3, maxLength: 8 }), { minLength: 3, maxLength: 4 }),
});

describe.each(dialects())('review unit of work on $name', (dialect) => {
  let db: TestDb;
  let t: TestApp;
  let siteId: string;
  let admin: Principal;

  beforeAll(async () => {
    db = await dialect.open();
    t = await startTestApp(db);
    const site = await buildSite(t);
    siteId = site.siteId;
    admin = { kind: 'ADMIN', siteId, keyId: 'property-test' };
    // Ratings 1 and 2 are held: an edit to a low rating sends a published review back to moderation (the rules).
    await site.setModeration({ mode: 'HOLD_RATINGS', heldRatings: [1, 2] });
    // One member's report holds a review, so holds happen often.
    await updateEngagementSettings(t.deps, siteId, { reportThreshold: 1 });
  });
  afterAll(async () => {
    await t?.close();
    await db?.dispose();
  });

  /** Runs one operation; a documented refusal (404, 409, …) is an answer, anything else is returned as a failure. */
  async function run(op: Op, contacts: string[], entities: string[], reviews: string[]): Promise<unknown> {
    const deps = t.deps;
    const review = () => reviews[('review' in op ? op.review : 0) % reviews.length] as string;
    const member = (i: number): Principal => ({ kind: 'MEMBER', siteId, contactId: contacts[i] as string });
    try {
      switch (op.kind) {
        case 'create': {
          const r = await createReview(deps, admin, {
            namespace: 'stores',
            entityId: entities[op.entity] as string,
            author: { contactId: contacts[op.contact] as string, authorName: 'Ann' },
            content: { rating: op.rating, title: 'Title', body: 'Body' },
          });
          reviews.push(r.id);
          return undefined;
        }
        case 'update':
          await updateReviewContent(
            deps,
            admin,
            review(),
            { rating: op.rating, title: 'Title', body: 'Body' },
            undefined,
          );
          return undefined;
        case 'moderate':
          await updateModerationStatus(deps, admin, review(), op.status);
          return undefined;
        case 'delete':
          await deleteReview(deps, admin, review());
          return undefined;
        case 'restore':
          await restoreReview(deps, admin, review());
          return undefined;
        case 'purge':
          await purgeTrash(deps, deps.clock(), 0);
          return undefined;
        case 'vote':
          await castVote(deps, member(op.voter), review(), op.vote);
          return undefined;
        case 'report':
          await reportReview(deps, member(op.reporter), review(), { reason: 'SPAM' });
          return undefined;
        case 'erase':
          await eraseContact(deps, admin, contacts[op.contact] as string);
          return undefined;
        case 'reply':
          await setReply(deps, admin, review(), 'Thank you');
          return undefined;
        case 'bulk': {
          // A bulk job over one entity, run by the app's job worker in batches; the sequence waits for it.
          const filter = { entityId: entities[op.entity] as string };
          const jobId =
            op.action === 'DELETE'
              ? await enqueueBulkJob(deps, admin, 'BULK_DELETE_REVIEWS', { filter })
              : await enqueueBulkJob(deps, admin, 'BULK_MODERATE_REVIEWS', { filter, status: op.action });
          const job = await waitFor(`bulk job ${jobId}`, async () => {
            const row = await db.db.selectFrom('jobs').selectAll().where('id', '=', jobId).executeTakeFirst();
            return row?.status === 'COMPLETED' || row?.status === 'FAILED' ? row : undefined;
          });
          return job.status === 'COMPLETED' && job.failed === 0 ? undefined : { op, error: `job ${job.status}` };
        }
      }
    } catch (err) {
      if (err instanceof AppError && err.kind !== 'internal' && err.kind !== 'unavailable') return undefined;
      return {
        op,
        error: err instanceof Error ? `${(err as { code?: string }).code ?? ''} ${err.message}` : String(err),
      };
    }
  }

  // Each run has entities and contacts of its own, so the checks look at that run's rows only.
  async function summariesMatchRecount(entities: string[]): Promise<void> {
    const stored = await db.db
      .selectFrom('entity_summaries')
      .select(['namespace', 'entity_id', 'review_count', 'rating_sum', 'r1', 'r2', 'r3', 'r4', 'r5'])
      .where('site_id', '=', siteId)
      .where('entity_id', 'in', entities)
      .execute();
    const live = await db.db
      .selectFrom('reviews')
      .select(['namespace', 'entity_id', 'rating'])
      .where('site_id', '=', siteId)
      .where('entity_id', 'in', entities)
      .where('deleted_at', 'is', null)
      .where('moderation_status', '=', 'APPROVED')
      .execute();
    const key = (ns: string, e: string) => `${ns}/${e}`;
    const recount = new Map<string, number[]>();
    for (const r of live) {
      const k = key(r.namespace, r.entity_id);
      const c = recount.get(k) ?? [0, 0, 0, 0, 0, 0, 0];
      c[0] = (c[0] ?? 0) + 1;
      c[1] = (c[1] ?? 0) + r.rating;
      c[1 + r.rating] = (c[1 + r.rating] ?? 0) + 1;
      recount.set(k, c);
    }
    const kept = new Map(
      stored
        .map(
          (s) =>
            [
              key(s.namespace, s.entity_id),
              [s.review_count, s.rating_sum, s.r1, s.r2, s.r3, s.r4, s.r5].map(Number),
            ] as const,
        )
        .filter(([, c]) => c.some((n) => n !== 0)),
    );
    expect(Object.fromEntries(kept)).toEqual(Object.fromEntries(recount));
  }

  async function votesMatchRecount(reviews: string[]): Promise<void> {
    const rows = await db.db
      .selectFrom('reviews')
      .select(['id', 'found_helpful', 'found_unhelpful', 'helpfulness'])
      .where('site_id', '=', siteId)
      .where('id', 'in', reviews)
      .execute();
    const votes = await db.db
      .selectFrom('review_votes')
      .select(['review_id', 'vote'])
      .where('site_id', '=', siteId)
      .where('review_id', 'in', reviews)
      .execute();
    const counted = (id: string, v: string) => votes.filter((x) => x.review_id === id && x.vote === v).length;
    const stored = rows.map((r) => [r.id, r.found_helpful, r.found_unhelpful, r.helpfulness]);
    const recount = rows.map((r) => {
      const h = counted(r.id, 'HELPFUL');
      const u = counted(r.id, 'UNHELPFUL');
      return [r.id, h, u, h - u];
    });
    expect(stored).toEqual(recount);
    // No vote outlives its review.
    expect(votes.filter((v) => !rows.some((r) => r.id === v.review_id))).toEqual([]);
  }

  async function eventsAreGaplessAndAudited(reviews: string[]): Promise<void> {
    const events = await db.db
      .selectFrom('outbox_events')
      .select(['entity_id', 'entity_event_sequence', 'slug', 'body_json'])
      .where('site_id', '=', siteId)
      .where('entity_id', 'in', reviews)
      .orderBy('position')
      .execute();
    const rows = await db.db
      .selectFrom('reviews')
      .select(['id', 'event_sequence'])
      .where('site_id', '=', siteId)
      .where('id', 'in', reviews)
      .execute();
    const audit = await db.db
      .selectFrom('moderation_audit')
      .select(['review_id', 'from_status', 'to_status'])
      .where('site_id', '=', siteId)
      .where('review_id', 'in', reviews)
      .execute();
    const byReview = new Map<string, typeof events>();
    for (const e of events) byReview.set(e.entity_id, [...(byReview.get(e.entity_id) ?? []), e]);
    const gaps: unknown[] = [];
    const unaudited: unknown[] = [];
    for (const [id, list] of byReview) {
      const sequences = list.map((e) => Number(e.entity_event_sequence));
      if (sequences.some((s, i) => s !== i + 1)) gaps.push({ id, sequences });
      const row = rows.find((r) => r.id === id);
      if (row && Number(row.event_sequence) !== sequences.length)
        gaps.push({ id, stored: row.event_sequence, sequences });
      // An erased review loses its audit entries on purpose (its last event says so).
      const erased = list.some(
        (e) => (JSON.parse(e.body_json) as { triggeredByAnonymizeRequest?: boolean }).triggeredByAnonymizeRequest,
      );
      if (erased) continue;
      const changes = list
        .filter((e) => e.slug === 'moderation_status_changed')
        .map((e) => {
          const body = (
            JSON.parse(e.body_json) as {
              actionEvent: {
                body: { previousModerationStatus: string; review: { moderation: { moderationStatus: string } } };
              };
            }
          ).actionEvent.body;
          return `${body.previousModerationStatus}->${body.review.moderation.moderationStatus}`;
        })
        .sort();
      const audited = audit
        .filter((a) => a.review_id === id && a.from_status !== a.to_status)
        .map((a) => `${a.from_status}->${a.to_status}`)
        .sort();
      if (JSON.stringify(changes) !== JSON.stringify(audited)) unaudited.push({ id, changes, audited });
    }
    expect(gaps).toEqual([]);
    expect(unaudited).toEqual([]);
  }

  it('keeps summaries, vote counts, event sequences and the audit log exact under concurrent writes', async () => {
    const started = Date.now();
    await fc.assert(
      fc.asyncProperty(scenario, async ({ ratings, sequences }) => {
        const contacts = Array.from({ length: CONTACTS }, () => crypto.randomUUID());
        const entities = Array.from({ length: ENTITIES }, () => `e-${crypto.randomUUID()}`);
        const reviews: string[] = [];
        for (let c = 0; c < CONTACTS; c++) {
          for (let e = 0; e < ENTITIES; e++) {
            const r = await createReview(t.deps, admin, {
              namespace: 'stores',
              entityId: entities[e] as string,
              author: { contactId: contacts[c] as string, authorName: 'Ann' },
              content: { rating: ratings[c * ENTITIES + e] ?? 5, title: 'Title', body: 'Body' },
            });
            reviews.push(r.id);
          }
        }
        const failures = (
          await Promise.all(
            sequences.map(async (ops) => {
              const out: unknown[] = [];
              for (const o of ops) {
                const failure = await run(o, contacts, entities, reviews);
                if (failure !== undefined) out.push(failure);
              }
              return out;
            }),
          )
        ).flat();
        expect(failures).toEqual([]);
        await summariesMatchRecount(entities);
        await votesMatchRecount(reviews);
        await eventsAreGaplessAndAudited(reviews);
      }),
      { numRuns: 40, interruptAfterTimeLimit: 25_000, markInterruptAsFailure: false },
    );
    // fast-check stops early (without failing) when the time budget is spent, so CI stays within bounds.
    expect(Date.now() - started).toBeLessThan(60_000);
  }, 90_000);
});
