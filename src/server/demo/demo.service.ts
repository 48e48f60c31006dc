/**
 * "Try it in ten seconds": sample reviews on the default site's demo product, and what the demo page needs.
 * Seeding is idempotent per product: it writes only when the demo product has no reviews yet.
 */
import type { Review } from '../../contract/index.ts';
import type { Principal } from '../auth/principal.ts';
import type { DbDeps } from '../deps.ts';
import { queryReviews } from '../query/query.service.ts';
import { createReview, type ReviewsDeps, setReply } from '../reviews/reviews.service.ts';
import { loadSiteRules, type SiteCache } from '../sites/site-cache.ts';
import { sitesRepo } from '../sites/sites.repo.ts';
import { DEFAULT_SITE_NAME, ensureDefaultSite } from '../sites/sites.service.ts';

/** The product the demo page shows. */
export const DEMO_PRODUCT = { namespace: 'stores', entityId: 'demo-kettle', name: 'Verdict Demo Kettle' } as const;

const SAMPLES: readonly {
  name: string;
  rating: number;
  title: string;
  body: string;
  reply?: string;
  photo?: boolean;
}[] = [
  {
    name: 'Ann',
    rating: 5,
    title: 'Boils in two minutes',
    body: 'Quiet, fast and the lid opens wide enough to clean it.',
    reply: 'Thank you, Ann!',
    photo: true,
  },
  { name: 'Jonas', rating: 4, title: 'Good kettle', body: 'Does the job well. The cord could be a bit longer.' },
  {
    name: 'Priya',
    rating: 5,
    title: 'Love the colour',
    body: 'Looks great on the counter and keeps the water hot for a while.',
  },
  {
    name: 'Marc',
    rating: 2,
    title: 'Handle gets warm',
    body: 'It works, but the handle gets warmer than I would like.',
    reply: 'Sorry to hear that, Marc. Please write to us and we will exchange it.',
  },
  { name: 'Lea', rating: 4, title: 'Solid', body: 'Sturdy and simple. No complaints after three months.' },
  { name: 'Tom', rating: 3, title: 'Okay', body: 'Average kettle for an average price.' },
  {
    name: 'Sofia',
    rating: 5,
    title: 'Best purchase this year',
    body: 'I make tea six times a day, and it has not let me down once.',
  },
  {
    name: 'Kenji',
    rating: 1,
    title: 'Arrived dented',
    body: 'The box was fine but the kettle had a dent on the side.',
  },
];

/** The default site's row, or undefined before the first start created it. */
export async function defaultSite(deps: Pick<ReviewsDeps, 'db'>) {
  return sitesRepo.byName(deps.db, DEFAULT_SITE_NAME);
}

/** Path of the sample photo (an SVG served by the demo routes, so the demo needs no network). */
export const DEMO_PHOTO_PATH = '/demo/kettle.svg';

/**
 * Writes the sample reviews (some with an owner reply, one with a photo) on the demo product of `siteId` unless it
 * has reviews already. Returns how many were written. `baseUrl` makes the photo URL absolute.
 */
export async function seedDemoReviews(deps: ReviewsDeps, siteId: string, baseUrl: string): Promise<number> {
  const owner: Principal = { kind: 'ADMIN', siteId, keyId: 'demo-seed' };
  const existing = await queryReviews(deps, owner, {
    query: {
      filter: { namespace: DEMO_PRODUCT.namespace, entityId: DEMO_PRODUCT.entityId },
      cursorPaging: { limit: 1 },
    },
    returnPrivateReviews: true,
  });
  if (existing.reviews.length > 0) return 0;
  const written: Review[] = [];
  for (const s of SAMPLES) {
    const review = await createReview(deps, owner, {
      namespace: DEMO_PRODUCT.namespace,
      entityId: DEMO_PRODUCT.entityId,
      author: { contactId: crypto.randomUUID(), authorName: s.name },
      content: {
        rating: s.rating,
        title: s.title,
        body: s.body,
        ...(s.photo
          ? { media: [{ image: { url: `${baseUrl}${DEMO_PHOTO_PATH}`, altText: 'The kettle on a kitchen counter' } }] }
          : {}),
      },
    });
    if (s.reply) await setReply(deps, owner, review.id, s.reply);
    written.push(review);
  }
  return written.length;
}

/** A site cache that always reads the database: enough for a one-shot command with no change signal. */
export function readThroughSites(db: DbDeps['db']): SiteCache {
  return {
    get: (id) => sitesRepo.byId(db, id),
    keyByHash: (hash) => sitesRepo.keyByHash(db, hash),
    rules: (id) => loadSiteRules(db, id),
    invalidate: () => {},
  };
}

/**
 * `verdict demo-seed`: the default site (created when missing, with its one-time admin key) and the sample reviews
 * on its demo product. Returns what the command prints.
 */
export async function seedDefaultSiteDemo(
  deps: DbDeps,
  baseUrl: string,
): Promise<{ written: number; siteId: string; clientId: string; adminKey?: string }> {
  const { site, adminKey } = await ensureDefaultSite(deps);
  const written = await seedDemoReviews({ ...deps, sites: readThroughSites(deps.db) }, site.id, baseUrl);
  return { written, siteId: site.id, clientId: site.client_id, ...(adminKey ? { adminKey } : {}) };
}
