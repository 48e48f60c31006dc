/**
 * The public review page of one entity: the site is found by its public client id and only published reviews are
 * read, through the same query as every other reader (queryReviews, as a reader that may see nothing private).
 */
import {
  EMBED_FIRST_PAGE_SIZE,
  JSONLD_REVIEW_COUNT,
  type ProductJsonLd,
  type Review,
  type ReviewPageData,
} from '../../contract/index.ts';
import type { Principal } from '../auth/principal.ts';
import { AppError } from '../errors.ts';
import { queryReviews } from '../query/query.service.ts';
import type { ReviewsDeps } from '../reviews/reviews.service.ts';
import { sitesRepo } from '../sites/sites.repo.ts';
import { getRatingSummary } from '../summaries/summaries.service.ts';
import { productJsonLd } from './embed.rules.ts';

/** A reader that may see published reviews only: what anyone on the shop's page may see. */
async function publicReader(deps: Pick<ReviewsDeps, 'db'>, clientId: string): Promise<Principal> {
  const site = await sitesRepo.byClientId(deps.db, clientId);
  if (!site) throw new AppError('not_found', 'SITE_NOT_FOUND', 'No site has this client id');
  return { kind: 'APP', siteId: site.id, keyId: 'public-review-page', appId: null, scopes: ['reviews.read'] };
}

async function published(
  deps: ReviewsDeps,
  p: Principal,
  namespace: string,
  entityId: string,
  sort: { fieldName: string; order: 'ASC' | 'DESC' }[],
  limit: number,
): Promise<{ reviews: Review[]; next: string | null }> {
  const page = await queryReviews(deps, p, {
    query: { filter: { namespace, entityId }, sort, cursorPaging: { limit } },
  });
  return { reviews: page.reviews, next: page.metadata.cursors.next };
}

/** Summary and first published reviews by relevance, with the cursor a visitor continues from. */
export async function getReviewPage(
  deps: ReviewsDeps,
  clientId: string,
  namespace: string,
  entityId: string,
): Promise<ReviewPageData> {
  return (await reviewPageOfSite(deps, clientId, namespace, entityId)).page;
}

/** `getReviewPage`, with the id of the site it was read from (what a cached copy of it is dropped by). */
export async function reviewPageOfSite(
  deps: ReviewsDeps,
  clientId: string,
  namespace: string,
  entityId: string,
): Promise<{ siteId: string; page: ReviewPageData }> {
  const p = await publicReader(deps, clientId);
  const [summary, page] = await Promise.all([
    getRatingSummary(deps, p.siteId, namespace, entityId),
    published(deps, p, namespace, entityId, [{ fieldName: 'relevanceScore', order: 'DESC' }], EMBED_FIRST_PAGE_SIZE),
  ]);
  return { siteId: p.siteId, page: { summary, reviews: page.reviews, nextCursor: page.next } };
}

/** schema.org JSON-LD of the product with its rating and latest published reviews. */
export async function getProductJsonLd(
  deps: ReviewsDeps,
  clientId: string,
  q: { namespace: string; entityId: string; name: string; url?: string | undefined },
): Promise<ProductJsonLd> {
  return (await productJsonLdOfSite(deps, clientId, q)).doc;
}

/** `getProductJsonLd`, with the id of the site it was read from. */
export async function productJsonLdOfSite(
  deps: ReviewsDeps,
  clientId: string,
  q: { namespace: string; entityId: string; name: string; url?: string | undefined },
): Promise<{ siteId: string; doc: ProductJsonLd }> {
  const p = await publicReader(deps, clientId);
  const [summary, page] = await Promise.all([
    getRatingSummary(deps, p.siteId, q.namespace, q.entityId),
    published(deps, p, q.namespace, q.entityId, [{ fieldName: 'createdDate', order: 'DESC' }], JSONLD_REVIEW_COUNT),
  ]);
  return { siteId: p.siteId, doc: productJsonLd({ name: q.name, url: q.url }, summary, page.reviews) };
}
