/**
 * Review operations, named after the Wix operations. Each decides what changes (authorization, validation, the
 * moderation rules) and hands the change to the unit of work (unit-of-work.ts), which writes the review with its
 * summary delta, relevance, events and audit entry in one transaction (docs/product.md §3–5, §7).
 */
import {
  type BulkCreateReviewResponse,
  type BulkReviewCreateInput,
  type CreateReviewAndContactRequest,
  type EventIdentity,
  type FieldViolation,
  GUID_PATTERN,
  type Media,
  type ModerationStatus,
  type Review,
  type ReviewContentInput,
  type ReviewCreateInput,
  type ReviewUpdateInput,
} from '../../contract/index.ts';
import { privateReadScope } from '../auth/permissions.rules.ts';
import { ownContactId, type Principal } from '../auth/principal.ts';
import { findOrCreateContactByEmail, findOrCreateOwnContact } from '../contacts/contacts.service.ts';
import type { ReviewRow, ReviewRowPatch } from '../db/schema.ts';
import { type DbDeps, iso } from '../deps.ts';
import { openReportsByAuthor } from '../engagement/reports.service.ts';
import { AppError, invalid, isUniqueViolation, notFound } from '../errors.ts';
import { timeOrderedId } from '../ids.ts';
import {
  evaluateRules,
  type RuleDecision,
  type RuleSubject,
  readsAuthorReports,
} from '../moderation/moderation.rules.ts';
import { type AuditDecision, auditActor, ruleBook, rulesFor } from '../moderation/moderation.service.ts';
import type { EventSpec } from '../outbox/outbox.events.ts';
import { eventIdentity } from '../outbox/outbox.rules.ts';
import type { SiteCache } from '../sites/site-cache.ts';
import { toReview } from './reviews.mapper.ts';
import { reviewsRepo } from './reviews.repo.ts';
import {
  applyContent,
  applyUpdate,
  CONTENT_MASK,
  contentFingerprint,
  type Editable,
  maskAllows,
  maskViolations,
  mediaViolations,
  normalizeMask,
  scoreDay,
  UPDATE_MASK,
} from './reviews.rules.ts';
import { insertReviews, type NewReview, type ReviewChange, runReviewWrite, type WriteDeps } from './unit-of-work.ts';

export interface ReviewsDeps extends WriteDeps {
  sites: SiteCache;
}

/** A review about to be inserted, already authorized and validated. */
interface Draft {
  id: string | undefined;
  namespace: string;
  entityId: string;
  contactId: string | null;
  authorName: string | null;
  title: string | null;
  body: string | null;
  media: Media[];
  rating: number;
  reviewDate: string | undefined;
}

/**
 * Review ids are always GUIDs (generated, or client-supplied and checked on create). Anything else cannot name a
 * review, so it is answered as not found before it reaches the database (PostgreSQL refuses a NUL byte in text
 * with an error that would otherwise become a 500).
 */
const REVIEW_ID = new RegExp(GUID_PATTERN);
const isReviewId = (id: string): boolean => REVIEW_ID.test(id);

const alreadyExists = (reviewId: string | undefined) =>
  new AppError('conflict', 'REVIEW_ALREADY_EXISTS', 'A review by this author for this entity already exists', {
    ...(reviewId ? { data: { reviewId } } : {}),
  });

const revisionMismatch = (current: number) =>
  new AppError('conflict', 'REVISION_MISMATCH', 'The entity has already changed since the requested revision', {
    data: { currentRevision: String(current) },
  });

function originOf(p: Principal): { type: 'ORGANIC' | 'APP'; appId: string | null } {
  if (p.kind === 'APP') return { type: 'APP', appId: p.appId };
  if (p.kind === 'ADMIN' || p.kind === 'USER') return { type: 'APP', appId: null };
  return { type: 'ORGANIC', appId: null };
}

/**
 * The author a caller may write as: visitors and members only as themselves; keys as any contact.
 * Throws PERMISSION_DENIED when a visitor or member names someone else.
 */
function authorContact(p: Principal, requested: string | null | undefined): string | null {
  const own = ownContactId(p);
  if (own === undefined) return requested ?? null;
  if (requested && requested !== own) {
    throw new AppError('forbidden', 'PERMISSION_DENIED', 'Visitors and members can only write reviews as themselves');
  }
  return own;
}

function dateViolation(value: string | undefined, field: string): FieldViolation[] {
  return value !== undefined && Number.isNaN(Date.parse(value))
    ? [{ field, description: 'must be an ISO-8601 date-time', violatedRule: 'FORMAT' }]
    : [];
}

/** A review ready to insert (its row, creation events and audit entry), with its automatic moderation decision. */
interface PreparedInsert {
  item: NewReview;
  decision: RuleDecision;
}

function fingerprint(draft: Draft): string {
  return contentFingerprint({
    namespace: draft.namespace,
    entityId: draft.entityId,
    contactId: draft.contactId,
    title: draft.title,
    body: draft.body,
    media: draft.media,
    rating: draft.rating,
  });
}

function prepareInsert(
  p: Principal,
  draft: Draft,
  rules: Parameters<typeof evaluateRules>[0],
  nowDate: Date,
  authorOpenReports = 0,
): PreparedInsert {
  const now = iso(nowDate);
  const decision = decide(rules, draft, authorOpenReports);
  const status = decision.status;
  const origin = originOf(p);
  const events: EventSpec[] = [{ slug: 'created' }, { slug: 'moderation_status_changed', previous: 'SUBMITTED' }];
  if (status === 'APPROVED') events.push({ slug: 'review_published' });
  const row: ReviewRow = {
    site_id: p.siteId,
    id: draft.id ?? timeOrderedId(nowDate.getTime()),
    namespace: draft.namespace,
    entity_id: draft.entityId,
    contact_id: draft.contactId,
    author_name: draft.authorName,
    title: draft.title,
    body: draft.body,
    media_json: JSON.stringify(draft.media),
    rating: draft.rating,
    reply_message: null,
    reply_created_at: null,
    reply_updated_at: null,
    found_helpful: 0,
    found_unhelpful: 0,
    helpfulness: 0,
    moderation_status: status,
    manually_changed: 0,
    revision: 1,
    verified: 0,
    origin_type: origin.type,
    origin_app_id: origin.appId,
    review_date: draft.reviewDate ? new Date(draft.reviewDate).toISOString() : now,
    // Derived by the unit of work.
    relevance_rank: 0,
    open_reports: 0,
    publish_count: status === 'APPROVED' ? 1 : 0,
    event_sequence: 0,
    content_hash: fingerprint(draft),
    created_at: now,
    updated_at: now,
    deleted_at: null,
  };
  const audit: AuditDecision = { actor: auditActor(p), from: 'SUBMITTED', to: status, reason: decision.reason };
  return { item: { row, events, audit }, decision };
}

/** Writes prepared reviews in one unit of work: rows, summary deltas, creation events and audit entries. */
function writeInserts(deps: ReviewsDeps, p: Principal, items: readonly PreparedInsert[]): Promise<Review[]> {
  return insertReviews(
    deps,
    { siteId: p.siteId, identity: eventIdentity(p) },
    items.map((x) => x.item),
  );
}

/** Inserts one review with its summary change and events; honours a client-supplied id idempotently. */
async function insertReview(deps: ReviewsDeps, p: Principal, draft: Draft): Promise<Review> {
  const site = await deps.sites.get(p.siteId);
  if (!site) throw new AppError('not_found', 'SITE_NOT_FOUND', 'Site not found');
  if (draft.id !== undefined) {
    const existing = await reviewsRepo.any(deps.db, p.siteId, draft.id);
    if (existing) return replayOrConflict(existing, fingerprint(draft), deps.clock());
  }
  const rules = await rulesFor(deps, p.siteId, draft.namespace);
  const reports = readsAuthorReports(rules)
    ? await openReportsOf(deps, p.siteId, [draft.contactId])
    : new Map<string, number>();
  const prepared = prepareInsert(
    p,
    draft,
    rules,
    deps.clock(),
    draft.contactId ? (reports.get(draft.contactId) ?? 0) : 0,
  );
  try {
    const [review] = await writeInserts(deps, p, [prepared]);
    if (!review) throw new Error('the unit of work returned no review');
    return review;
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    // Lost a race: either the same client id (replay) or the author's uniqueness slot.
    if (draft.id !== undefined) {
      const same = await reviewsRepo.any(deps.db, p.siteId, draft.id);
      if (same) return replayOrConflict(same, prepared.item.row.content_hash, deps.clock());
    }
    throw alreadyExists(
      await slotHolder(deps, p.siteId, {
        namespace: draft.namespace,
        entity_id: draft.entityId,
        contact_id: draft.contactId,
      }),
    );
  }
}

/** The automatic decision for a review's content: its namespace's rules, given the author's open abuse reports. */
function decide(rules: Parameters<typeof evaluateRules>[0], content: RuleSubject, authorOpenReports = 0): RuleDecision {
  return evaluateRules(rules, content, { authorOpenReports });
}

/** Open abuse reports against reviews by each of these authors (for the HOLD_REPORTED_AUTHOR rule). */
async function openReportsOf(
  deps: ReviewsDeps,
  siteId: string,
  contactIds: readonly (string | null)[],
): Promise<Map<string, number>> {
  return openReportsByAuthor(
    deps,
    siteId,
    contactIds.filter((c): c is string => c !== null),
  );
}

function replayOrConflict(existing: ReviewRow, hash: string, now: Date): Review {
  if (existing.deleted_at === null && existing.content_hash === hash) return toReview(existing, now);
  throw new AppError('conflict', 'REVIEW_ALREADY_EXISTS', 'A different review with this id already exists', {
    data: { reviewId: existing.id },
  });
}

function contentDraft(content: ReviewContentInput & { rating: number }) {
  return {
    title: content.title ?? null,
    body: content.body ?? null,
    media: content.media ?? [],
    rating: content.rating,
  };
}

/** createReview: visitors and members write as themselves; the site's moderation setting decides the status. */
export async function createReview(deps: ReviewsDeps, p: Principal, input: ReviewCreateInput): Promise<Review> {
  const violations = [
    ...mediaViolations(input.content.media, 'review.content.media'),
    ...dateViolation(input.reviewDate, 'review.reviewDate'),
  ];
  if (violations.length > 0) throw invalid(violations);
  return insertReview(deps, p, {
    id: input.id,
    namespace: input.namespace,
    entityId: input.entityId,
    contactId: authorContact(p, input.author?.contactId),
    authorName: input.author?.authorName ?? null,
    ...contentDraft(input.content),
    reviewDate: input.reviewDate,
  });
}

/**
 * createReviewAndContact (legacy). Who the author is depends on the caller (docs/adr/0006-review-authors.md):
 * - owner and apps link by email: the contact with `email` (created from name + email when new) is the author;
 *   without an email, or with a new email and no name, nothing is created (400);
 * - visitors and members always write as themselves: the author is their own contact (a visitor's bound to its
 *   visitor id, a member's the one its token names), created from `name` when missing. The submitted email is
 *   neither looked up nor stored, so the answer is the same whether or not some contact has that address.
 */
export async function createReviewAndContact(
  deps: ReviewsDeps,
  p: Principal,
  input: CreateReviewAndContactRequest,
): Promise<Review> {
  const violations = mediaViolations(input.content.media, 'content.media');
  if (violations.length > 0) throw invalid(violations);
  const author =
    p.kind === 'ADMIN' || p.kind === 'APP' || p.kind === 'USER'
      ? await authorByEmail(deps, p, input)
      : await ownAuthor(deps, p, input);
  return insertReview(deps, p, {
    id: undefined,
    namespace: input.namespace,
    entityId: input.entityId,
    ...author,
    ...contentDraft(input.content),
    reviewDate: undefined,
  });
}

type ReviewAuthor = { contactId: string; authorName: string | null };

const notAContact = (field: 'name' | 'email'): FieldViolation => ({
  field,
  description: 'is required when the author is not a contact',
  violatedRule: 'REQUIRED_FIELD',
});

/** Owner and apps: the contact with the submitted email, created from name + email when none has it. */
async function authorByEmail(
  deps: ReviewsDeps,
  p: Principal,
  input: CreateReviewAndContactRequest,
): Promise<ReviewAuthor> {
  if (input.email === undefined) {
    throw invalid([...(input.name === undefined ? [notAContact('name')] : []), notAContact('email')]);
  }
  const found = await findOrCreateContactByEmail(deps, p.siteId, input.email, input.name);
  if (!found.contact) {
    throw invalid([
      { field: 'name', description: 'is required to create a new contact', violatedRule: 'REQUIRED_FIELD' },
    ]);
  }
  return { contactId: found.contact.id, authorName: input.name ?? found.contact.name };
}

/**
 * Visitors and members: their own contact. A visitor that is no contact yet must give name and email, as Wix asks
 * of a new author; the checks read only the caller's own contact, never the submitted email.
 */
async function ownAuthor(deps: ReviewsDeps, p: Principal, input: CreateReviewAndContactRequest): Promise<ReviewAuthor> {
  const own = ownContactId(p);
  if (own === undefined) throw new AppError('forbidden', 'PERMISSION_DENIED', 'This caller has no contact of its own');
  // A visitor becomes a contact only with both name and email (Wix's rule for a new author); a member already is one.
  const mayCreate = p.kind === 'MEMBER' || input.email !== undefined;
  const contact = await findOrCreateOwnContact(deps, p.siteId, own, mayCreate ? input.name : undefined);
  if (!contact && p.kind === 'VISITOR') {
    throw invalid([
      ...(input.name === undefined ? [notAContact('name')] : []),
      ...(input.email === undefined ? [notAContact('email')] : []),
    ]);
  }
  return { contactId: own, authorName: input.name ?? contact?.name ?? null };
}

/** bulkCreateReview: each item succeeds or fails on its own; HTTP 200 with per-item results. */
export async function bulkCreateReview(
  deps: ReviewsDeps,
  p: Principal,
  items: readonly BulkReviewCreateInput[],
  returnEntity: boolean,
): Promise<BulkCreateReviewResponse> {
  const results: (BulkCreateReviewResponse['results'][number] | undefined)[] = new Array(items.length);
  const success = (index: number, review: Review) => {
    results[index] = {
      itemMetadata: { id: review.id, originalIndex: index, success: true },
      ...(returnEntity ? { review } : {}),
    };
  };
  const failure = (index: number, err: AppError) => {
    const body = err.toBody().details;
    const data =
      'applicationError' in body
        ? body.applicationError.data
        : { fieldViolations: body.validationError.fieldViolations };
    const id = items[index]?.id;
    results[index] = {
      itemMetadata: {
        ...(id ? { id } : {}),
        originalIndex: index,
        success: false,
        error: { code: err.code, description: err.publicMessage, ...(data ? { data } : {}) },
      },
    };
  };

  const drafts: { index: number; draft: Draft }[] = [];
  for (const [index, item] of items.entries()) {
    const violations = [
      ...(item.content.rating === undefined
        ? [{ field: `reviews[${index}].content.rating`, description: 'is required', violatedRule: 'REQUIRED_FIELD' }]
        : []),
      ...mediaViolations(item.content.media, `reviews[${index}].content.media`),
      ...dateViolation(item.reviewDate, `reviews[${index}].reviewDate`),
    ];
    if (violations.length > 0) {
      failure(index, invalid(violations, violations.map((v) => `${v.field} ${v.description}`).join('; ')));
      continue;
    }
    drafts.push({
      index,
      draft: {
        id: item.id,
        namespace: item.namespace,
        entityId: item.entityId,
        contactId: item.author.contactId,
        authorName: item.author.authorName ?? null,
        ...contentDraft({ ...item.content, rating: item.content.rating ?? 0 }),
        reviewDate: item.reviewDate,
      },
    });
  }

  // Fast path: items without a client id whose author slot is free go in one transaction. Everything else (client
  // ids, a slot taken in the database or earlier in this batch) takes the single-review path and its answers.
  const slot = (d: Draft) => `${d.namespace}\u0000${d.entityId}\u0000${d.contactId}`;
  const taken = new Set(
    (
      await reviewsRepo.liveSlots(
        deps.db,
        p.siteId,
        drafts.flatMap((x) => (x.draft.contactId ? [x.draft.contactId] : [])),
      )
    ).map((r) => `${r.namespace}\u0000${r.entity_id}\u0000${r.contact_id}`),
  );
  const batch: { index: number; draft: Draft }[] = [];
  const single: { index: number; draft: Draft }[] = [];
  for (const x of drafts) {
    const k = slot(x.draft);
    if (x.draft.id === undefined && !taken.has(k)) {
      taken.add(k);
      batch.push(x);
    } else {
      single.push(x);
    }
  }
  if (batch.length > 0) {
    const rules = await ruleBook(deps, p.siteId);
    const reports = batch.some((x) => readsAuthorReports(rules(x.draft.namespace)))
      ? await openReportsOf(
          deps,
          p.siteId,
          batch.map((x) => x.draft.contactId),
        )
      : new Map<string, number>();
    const nowDate = deps.clock();
    const prepared = batch.map((x) =>
      prepareInsert(
        p,
        x.draft,
        rules(x.draft.namespace),
        nowDate,
        x.draft.contactId ? (reports.get(x.draft.contactId) ?? 0) : 0,
      ),
    );
    try {
      const written = await writeInserts(deps, p, prepared);
      written.forEach((review, i) => {
        success((batch[i] as { index: number }).index, review);
      });
    } catch (err) {
      // A concurrent writer took a slot after the check: nothing of the batch was written; go one by one.
      if (!isUniqueViolation(err)) throw err;
      single.push(...batch);
    }
  }
  single.sort((a, b) => a.index - b.index);
  for (const x of single) {
    try {
      success(x.index, await insertReview(deps, p, x.draft));
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      failure(x.index, err);
    }
  }

  const done = results.filter((r): r is NonNullable<typeof r> => r !== undefined);
  const totalSuccesses = done.filter((r) => r.itemMetadata.success).length;
  return {
    results: done,
    bulkActionMetadata: { totalSuccesses, totalFailures: done.length - totalSuccesses, undetailedFailures: 0 },
  };
}

/** getReview: unpublished reviews only with returnPrivateReviews and the right to see them; else 404. */
export async function getReview(
  deps: Pick<DbDeps, 'db' | 'clock'>,
  p: Principal,
  id: string,
  returnPrivate: boolean,
): Promise<Review> {
  if (!isReviewId(id)) throw notFound();
  const row = await reviewsRepo.live(deps.db, p.siteId, id);
  if (!row || !canSee(p, row, returnPrivate)) throw notFound();
  return toReview(row, deps.clock());
}

/**
 * The page-cache key of a review read whose answer is the same for every caller who may read it, or null when it is
 * not one. That is any caller's read without `returnPrivateReviews`: it answers only a published review, whose wire
 * shape carries nothing about the caller (`canSee`, `toReview`), and 404 otherwise (a 404 is not kept). So a
 * visitor's read, a member's and a shop backend's with its API key share one entry; a read with
 * `returnPrivateReviews` may see a private review and is never kept. The day is in the key because
 * `relevanceScore` moves with it.
 */
export function sharedReview(p: Principal, id: string, returnPrivate: boolean, now: Date): string | null {
  if (returnPrivate) return null;
  return JSON.stringify(['review', p.siteId, scoreDay(now), id]);
}

/** Whether `id` names a live review of the site (for what hangs off a review, such as its reports). */
export async function isLiveReview(deps: Pick<DbDeps, 'db'>, siteId: string, id: string): Promise<boolean> {
  return isReviewId(id) && (await reviewsRepo.live(deps.db, siteId, id)) !== undefined;
}

/**
 * The id of the live review holding an author's (namespace, entity) slot, if any: what a 409 REVIEW_ALREADY_EXISTS
 * names after a write lost the slot.
 */
export async function slotHolder(
  deps: Pick<DbDeps, 'db'>,
  siteId: string,
  slot: { namespace: string; entity_id: string; contact_id: string | null },
): Promise<string | undefined> {
  if (!slot.contact_id) return undefined;
  return (await reviewsRepo.liveByAuthor(deps.db, siteId, slot.namespace, slot.entity_id, slot.contact_id))?.id;
}

function canSee(p: Principal, row: ReviewRow, returnPrivate: boolean): boolean {
  if (row.moderation_status === 'APPROVED') return true;
  if (!returnPrivate) return false;
  const scope = privateReadScope(p);
  return scope === 'all' || (scope === 'own' && row.contact_id !== null && row.contact_id === ownContactId(p));
}

/** What one change does to a review (the unit of work derives the rest). */
type Mutation = ReviewChange;

/**
 * Changes one live review in a unit of work: locks it, lets `change` decide from its current state, and writes the
 * change with everything derived from it. With `expectedRevision`, a stale caller gets 409 REVISION_MISMATCH. A
 * change that takes an author's uniqueness slot someone else holds gets 409 REVIEW_ALREADY_EXISTS naming the holder.
 * `identity` names who made the change in its events (`eventIdentity(principal)`, or UNKNOWN for Verdict's own work).
 */
export async function mutateReview(
  deps: ReviewsDeps,
  siteId: string,
  identity: EventIdentity,
  id: string,
  expectedRevision: string | undefined,
  change: (row: ReviewRow, now: string) => Mutation,
): Promise<Review> {
  if (!isReviewId(id)) throw notFound();
  // The state being written, so a uniqueness conflict can name the review that holds the slot.
  let attempted: { namespace: string; entity_id: string; contact_id: string | null } | undefined;
  try {
    return await runReviewWrite(deps, { siteId, identity }, async (w) => {
      const row = (await w.lock([id])).get(id);
      if (!row) throw notFound();
      if (expectedRevision !== undefined && String(row.revision) !== expectedRevision) {
        throw revisionMismatch(row.revision);
      }
      const m = change(row, w.now);
      attempted = { ...row, ...(m.patch as Partial<ReviewRow>) };
      return w.change(row, m);
    });
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    throw alreadyExists(attempted ? await slotHolder(deps, siteId, attempted) : undefined);
  }
}

function editable(row: ReviewRow): Editable {
  return {
    namespace: row.namespace,
    entityId: row.entity_id,
    authorName: row.author_name,
    title: row.title,
    body: row.body,
    media: JSON.parse(row.media_json) as Media[],
    rating: row.rating,
    reviewDate: row.review_date,
  };
}

/**
 * The patch and events for an edit. Editing the content of a published review re-runs the moderation rules of its
 * (new) namespace; if one holds it, the review returns to IN_MODERATION and the decision is audited.
 */
function editMutation(row: ReviewRow, next: Editable, now: string, recheck: Recheck): Mutation {
  const patch: ReviewRowPatch = {
    namespace: next.namespace,
    entity_id: next.entityId,
    author_name: next.authorName,
    title: next.title,
    body: next.body,
    media_json: JSON.stringify(next.media),
    rating: next.rating,
    review_date: next.reviewDate,
    updated_at: now,
  };
  const events: EventSpec[] = [{ slug: 'updated' }];
  const contentChanged =
    next.title !== row.title ||
    next.body !== row.body ||
    next.rating !== row.rating ||
    JSON.stringify(next.media) !== row.media_json;
  const decision = contentChanged && row.moderation_status === 'APPROVED' ? recheck.decide(next) : undefined;
  if (decision?.status === 'IN_MODERATION') {
    patch.moderation_status = 'IN_MODERATION';
    patch.manually_changed = 0;
    events.push({ slug: 'moderation_status_changed', previous: 'APPROVED' });
    return {
      patch,
      bumpRevision: true,
      events,
      audit: { actor: recheck.actor, from: 'APPROVED', to: 'IN_MODERATION', reason: decision.reason },
    };
  }
  return { patch, bumpRevision: true, events };
}

/** How an edit re-runs the rules: the decision for the edited content, and who made the edit. */
interface Recheck {
  decide(next: Editable): RuleDecision;
  actor: AuditDecision['actor'];
}

async function recheckFor(deps: ReviewsDeps, p: Principal, id: string): Promise<Recheck> {
  const rules = await ruleBook(deps, p.siteId);
  // The author is immutable, so its open reports can be counted before the mutation reads the row.
  const author = isReviewId(id) ? (await reviewsRepo.live(deps.db, p.siteId, id))?.contact_id : undefined;
  const reports = author ? ((await openReportsOf(deps, p.siteId, [author])).get(author) ?? 0) : 0;
  return { decide: (next) => decide(rules(next.namespace), next, reports), actor: auditActor(p) };
}

/** updateReview: PATCH semantics with an optional field mask; `revision` must be current. */
export async function updateReview(
  deps: ReviewsDeps,
  p: Principal,
  id: string,
  input: ReviewUpdateInput,
  rawMask: unknown,
): Promise<Review> {
  const mask = normalizeMask(rawMask);
  const violations = [
    ...maskViolations(mask, UPDATE_MASK, 'fieldMask'),
    ...mediaViolations(input.content?.media, 'review.content.media'),
    ...dateViolation(input.reviewDate, 'review.reviewDate'),
  ];
  if (input.id !== undefined && input.id !== id) {
    violations.push({
      field: 'review.id',
      description: 'must match the id in the path',
      violatedRule: 'INVALID_ARGUMENT',
    });
  }
  if (violations.length > 0) throw invalid(violations);
  const recheck = await recheckFor(deps, p, id);
  return mutateReview(deps, p.siteId, eventIdentity(p), id, input.revision, (row, now) => {
    const requested = input.author?.contactId;
    if (requested !== undefined && requested !== row.contact_id) {
      throw invalid([{ field: 'review.author.contactId', description: 'is immutable', violatedRule: 'IMMUTABLE' }]);
    }
    return editMutation(row, applyUpdate(editable(row), input, mask), now, recheck);
  });
}

/** updateReviewContent (legacy PUT): replaces content fields, limited by an optional mask. No revision check. */
export async function updateReviewContent(
  deps: ReviewsDeps,
  p: Principal,
  id: string,
  content: ReviewContentInput,
  rawMask: unknown,
): Promise<Review> {
  const mask = normalizeMask(rawMask);
  const violations = [
    ...maskViolations(mask, CONTENT_MASK, 'fieldMask'),
    ...mediaViolations(content.media, 'content.media'),
  ];
  if (violations.length > 0) throw invalid(violations);
  const recheck = await recheckFor(deps, p, id);
  const allowed = maskAllows(mask);
  return mutateReview(deps, p.siteId, eventIdentity(p), id, undefined, (row, now) => {
    const current = editable(row);
    return editMutation(row, { ...current, ...applyContent(current, content, allowed) }, now, recheck);
  });
}

/** deleteReview: soft delete; the review leaves every read path and frees its uniqueness slot. */
export async function deleteReview(deps: ReviewsDeps, p: Principal, id: string): Promise<Review> {
  return mutateReview(deps, p.siteId, eventIdentity(p), id, undefined, deletion);
}

/** The mutation of a deletion; shared by the single and bulk operations. */
export function deletion(_row: ReviewRow, now: string): Mutation {
  return { patch: { deleted_at: now }, bumpRevision: false, events: [{ slug: 'deleted' }] };
}

/** setReply: one reply per review; a second call overwrites it (keeping its creation date). */
export async function setReply(deps: ReviewsDeps, p: Principal, id: string, message: string): Promise<Review> {
  return mutateReview(deps, p.siteId, eventIdentity(p), id, undefined, (row, now) => ({
    patch: {
      reply_message: message,
      reply_created_at: row.reply_created_at ?? now,
      reply_updated_at: now,
      updated_at: now,
    },
    bumpRevision: true,
    events: [{ slug: 'updated' }],
  }));
}

export async function removeReply(deps: ReviewsDeps, p: Principal, id: string): Promise<Review> {
  return mutateReview(deps, p.siteId, eventIdentity(p), id, undefined, (_row, now) => ({
    patch: { reply_message: null, reply_created_at: null, reply_updated_at: null, updated_at: now },
    bumpRevision: true,
    events: [{ slug: 'updated' }],
  }));
}

/** The mutation that sets a moderation status by hand; shared by the single and bulk operations. */
export function moderationMutation(
  row: ReviewRow,
  status: 'APPROVED' | 'REJECTED',
  now: string,
  audit: Pick<AuditDecision, 'actor' | 'reason'>,
): Mutation {
  const previous = row.moderation_status as ModerationStatus;
  const events: EventSpec[] = [{ slug: 'updated' }];
  if (previous !== status) events.push({ slug: 'moderation_status_changed', previous });
  const entersApproved = status === 'APPROVED' && previous !== 'APPROVED';
  if (entersApproved) events.push({ slug: 'review_published' });
  return {
    patch: {
      moderation_status: status,
      manually_changed: 1,
      publish_count: row.publish_count + (entersApproved ? 1 : 0),
      updated_at: now,
    },
    bumpRevision: true,
    events,
    audit: { ...audit, from: previous, to: status },
  };
}

/** updateModerationStatus: the owner or an app sets APPROVED or REJECTED by hand (audited with reason MANUAL). */
export async function updateModerationStatus(
  deps: ReviewsDeps,
  p: Principal,
  id: string,
  status: 'APPROVED' | 'REJECTED',
): Promise<Review> {
  return mutateReview(deps, p.siteId, eventIdentity(p), id, undefined, (row, now) =>
    moderationMutation(row, status, now, { actor: auditActor(p), reason: 'MANUAL' }),
  );
}
