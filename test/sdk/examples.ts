/**
 * Type-level tests of `verdict/sdk`: every public method used as a shop developer would, with the types it must
 * return; `@ts-expect-error` lines prove wrong uses fail to compile. Checked by `npx tsc --noEmit`, never run.
 */
import {
  createClient,
  elevate,
  memoryPositionStore,
  type Review,
  type ReviewsQueryResult,
  type VerdictClient,
  VerdictError,
  type VerdictErrorCode,
  verifyWebhook,
} from 'verdict/sdk';
import { filePositionStore } from 'verdict/sdk/node';
import type { CallInput, CallOutput } from '../../src/contract/operations/call.ts';
import type { OperationName } from '../../src/contract/operations/names.ts';

type CallInputBody<K extends OperationName> = CallInput<K> extends { body: infer B } ? B : never;

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const assertType = <T extends true>(_: T): void => undefined;

export async function everyMethod(client: VerdictClient): Promise<void> {
  const { reviews, ratings, contacts, jobs } = client;

  const created = await reviews.createReview({
    namespace: 'stores',
    entityId: 'prod-1',
    content: { rating: 5, title: 'Great', media: [{ image: 'https://cdn.example.com/a.png' }] },
    author: { contactId: '6c7c6f5e-0d5b-4d8e-9a55-4f2f3f0d7a11', authorName: 'Ann' },
    reviewDate: new Date(),
  });
  assertType<Equal<typeof created, Review>>(true);
  const id: string = created._id;
  const when: Date = created._createdDate;
  void when;
  // @ts-expect-error REST names do not exist on Velo objects
  void created.id;
  // @ts-expect-error a rating is required on createReview
  await reviews.createReview({ namespace: 'stores', entityId: 'p', content: { title: 'x' } });

  const { review: withContact } = await reviews.createReviewAndContact(
    'stores',
    'prod-2',
    { rating: 4 },
    { name: 'Bo', email: 'bo@example.com' },
  );
  assertType<Equal<typeof withContact, Review>>(true);

  const got = await reviews.getReview(id, { returnPrivateReviews: true });
  assertType<Equal<typeof got, Review>>(true);
  const updated = await reviews.updateReview(
    id,
    { revision: got.revision, content: { title: null } },
    { fieldMask: ['content.title'] },
  );
  assertType<Equal<typeof updated, Review>>(true);
  // @ts-expect-error revision is required on updateReview
  await reviews.updateReview(id, { content: { rating: 1 } });
  const content = await reviews.updateReviewContent(id, { content: { rating: 3 } });
  assertType<Equal<typeof content, Review>>(true);

  const deleted = await reviews.deleteReview(id);
  assertType<Equal<typeof deleted, { review: Review }>>(true);
  const replied = await reviews.setReply(id, 'Thanks');
  assertType<Equal<typeof replied, { review: Review }>>(true);
  const unreplied = await reviews.removeReply(id);
  assertType<Equal<typeof unreplied, { review: Review }>>(true);
  const voted = await reviews.castVote(id, 'HELPFUL');
  assertType<Equal<typeof voted.review, Review>>(true);
  // @ts-expect-error a vote is HELPFUL, UNHELPFUL or NONE
  await reviews.castVote(id, 'LIKE');
  const reported = await reviews.reportReview(id, { reason: 'SPAM', text: 'An advert' });
  assertType<Equal<typeof reported.report._createdDate, Date>>(true);
  const moderated = await reviews.updateModerationStatus(id, { status: 'APPROVED' });
  assertType<Equal<typeof moderated, { review: Review }>>(true);
  // @ts-expect-error only APPROVED or REJECTED can be set
  await reviews.updateModerationStatus(id, { status: 'IN_MODERATION' });

  const { count } = await reviews.countReviews({ filter: { entityId: 'prod-1' }, includePrivateReviews: true });
  const n: number = count;
  void n;

  const page: ReviewsQueryResult = await reviews
    .queryReviews({ returnPrivateReviews: true })
    .eq('entityId', 'prod-1')
    .ne('moderation.moderationStatus', 'REJECTED')
    .gt('content.rating', 1)
    .ge('_createdDate', new Date('2026-01-01'))
    .lt('helpfulness', 100)
    .le('relevanceScore', 1)
    .in('_id', [id])
    .isEmpty('author.contactId')
    .isNotEmpty('author.contactId')
    .and(reviews.queryReviews().eq('verified', true))
    .or(reviews.queryReviews().eq('origin.type', 'APP'))
    .not(reviews.queryReviews().eq('namespace', 'other'))
    .ascending('content.rating')
    .descending('_createdDate', 'helpfulness')
    .limit(10)
    .skipTo('cursor')
    .find();
  const items: Review[] = page.items;
  const sizes: number = page.length + page.pageSize;
  const cursor: string | undefined = page.cursors.next ?? page.cursors.prev;
  void [items, sizes, cursor];
  if (page.hasNext()) await page.next();
  if (page.hasPrev()) await page.prev();
  // @ts-expect-error ratings are numbers
  reviews.queryReviews().eq('content.rating', '5');
  // @ts-expect-error namespace cannot be sorted
  reviews.queryReviews().ascending('namespace');
  // @ts-expect-error entityId has no range operators
  reviews.queryReviews().gt('entityId', 'a');

  const bulk = await reviews.bulkCreateReview(
    [
      {
        namespace: 'stores',
        entityId: 'p',
        author: { contactId: '6c7c6f5e-0d5b-4d8e-9a55-4f2f3f0d7a11' },
        content: {},
      },
    ],
    { returnEntity: true },
  );
  const ok: boolean = bulk.results[0]?.itemMetadata.success ?? false;
  const failures: number = bulk.bulkActionMetadata.totalFailures;
  void [ok, failures];
  const { jobId } = await reviews.bulkDeleteReviews({ filter: { entityId: 'p' } });
  await reviews.bulkUpdateModerationStatus({ filter: { entityId: 'p' }, status: 'REJECTED' });
  const job = await jobs.getJob(jobId);
  const status: 'PENDING' | 'RUNNING' | 'COMPLETED' | 'FAILED' = job.status;
  void status;

  const summary = await ratings.getRatingSummary('stores', 'prod-1');
  const average: number = summary.average + summary.histogram['5'];
  void average;
  const { summaries } = await ratings.batchRatingSummaries('stores', ['prod-1', 'prod-2']);
  void summaries.map((s) => s.count);

  const { accessToken, expiresIn } = await contacts.createMemberToken('6c7c6f5e-0d5b-4d8e-9a55-4f2f3f0d7a11', {
    ttlSeconds: 600,
  });
  void [accessToken, expiresIn];

  const elevatedUpdate = elevate(reviews.updateReview);
  assertType<Equal<typeof elevatedUpdate, typeof reviews.updateReview>>(true);
  await elevatedUpdate(id, { revision: '2' });
  await client.elevate(reviews.deleteReview)(id);

  const off = reviews.onReviewCreated((e) => {
    const r: Review = e.entity;
    const t: Date = e.metadata.eventTime;
    void [r, t];
  });
  off();
  reviews.onReviewUpdated((e) => void e.entity.revision);
  reviews.onReviewDeleted((e) => void e.metadata._id);
  reviews.onReviewModerationStatusChanged((e) => {
    const previous: string = e.data.previousModerationStatus;
    void [previous, e.data.review._id];
  });
  reviews.onReviewPublished(async (e) => {
    void e.data.review.publishCount;
  });
  // @ts-expect-error a published event has data.review, not entity
  reviews.onReviewPublished((e) => void e.entity);

  await client.events.start({ store: filePositionStore('/var/lib/shop/verdict.position'), waitSeconds: 25 });
  await client.events.stop();
  await client.events.start({ store: memoryPositionStore(), startAt: 'end', onError: (err) => void err });

  try {
    await reviews.getReview('x');
  } catch (err) {
    if (err instanceof VerdictError) {
      const code: VerdictErrorCode = err.code;
      const fields: string[] = err.fieldViolations.map((v) => v.field);
      const info: [number, string | undefined] = [err.status, err.requestId];
      void [code, fields, info];
    }
  }

  // The owner and public modules answer with the catalogue's REST types, and take its request parts.
  type Answer<F extends (...args: never[]) => Promise<unknown>> = Awaited<ReturnType<F>>;
  assertType<Equal<Answer<typeof client.trash.list>, CallOutput<'listTrash'>>>(true);
  assertType<Equal<Answer<typeof client.webhooks.deliveries.redeliver>, CallOutput<'redeliverWebhook'>>>(true);
  assertType<Equal<Answer<typeof client.moderation.audit.query>, CallOutput<'queryModerationAudit'>>>(true);
  assertType<Equal<Answer<typeof client.privacy.exportContact>, CallOutput<'exportContact'>>>(true);
  assertType<Equal<Answer<typeof client.storefront.getReviewFragment>, string>>(true);
  assertType<Equal<Answer<typeof client.metrics.read>, string>>(true);
  assertType<Equal<Parameters<typeof client.moderation.rules.update>[0], CallInputBody<'updateModerationRules'>>>(true);
  const { rules } = await client.moderation.rules.get('stores');
  const version: number = rules.version;
  void version;
  // @ts-expect-error a rule type of the catalogue
  await client.moderation.rules.update({ namespace: 'stores', rules: [{ type: 'HOLD_EVERYTHING' }] });
  // @ts-expect-error the engagement settings have no such field
  await client.settings.engagement.update({ reportThreshold: 3, votes: false });
  const { read } = client.events;
  const feed = await read({ limit: 10, waitSeconds: 0 });
  void feed.events.map((e) => e.position);

  const hook = await verifyWebhook('{}', 'secret', { signature: 't=1,v1=00' });
  if (hook.velo?.slug === 'created') void hook.velo.event.entity._id;
  await verifyWebhook('eyJ…', '-----BEGIN PUBLIC KEY-----…');
}

export function setUps(): VerdictClient[] {
  return [
    createClient({ baseUrl: 'https://reviews.example.com', auth: { apiKey: 'vdt_admin_x' } }),
    createClient({
      baseUrl: 'https://reviews.example.com',
      auth: { memberToken: async () => 'token' },
      siteId: 'site',
    }),
    createClient({
      baseUrl: 'https://reviews.example.com',
      auth: { anonymous: { clientId: 'client-id', onTokens: (t) => void t.refreshToken } },
      adminApiKey: 'vdt_admin_x',
    }),
    // @ts-expect-error auth is required
    createClient({ baseUrl: 'https://reviews.example.com' }),
  ];
}
