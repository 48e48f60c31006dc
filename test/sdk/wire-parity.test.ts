/**
 * Wire parity with the official SDK: the same Velo code, run once through `@wix/sdk` + `@wix/reviews` and once
 * through `verdict/sdk`, sends the same request bodies (both captured by a fake fetch; no server involved). This is
 * what "change the import and the set-up, nothing else" rests on.
 */
import { reviews as wixReviews } from '@wix/reviews';
import { ApiKeyStrategy, createClient as createWixClient } from '@wix/sdk';
import { createClient } from 'verdict/sdk';
import { describe, expect, it } from 'vitest';

const REVIEW = {
  id: '6c7c6f5e-0d5b-4d8e-9a55-4f2f3f0d7a11',
  namespace: 'stores',
  entityId: 'p1',
  content: { media: [], rating: 4 },
  createdDate: '2026-01-01T00:00:00.000Z',
  updatedDate: '2026-01-01T00:00:00.000Z',
  author: {},
  foundHelpful: 0,
  foundUnhelpful: 0,
  helpfulness: 0,
  moderation: { moderationStatus: 'APPROVED', manuallyChanged: false },
  revision: '1',
  verified: false,
  origin: { type: 'ORGANIC' },
  reviewDate: '2026-01-01T00:00:00.000Z',
  relevanceScore: 0,
  publishCount: 1,
};

/** A fetch that records `METHOD path-without-prefix` and the JSON body, and answers a plausible 200. */
function recorder() {
  const sent: { call: string; body: unknown }[] = [];
  const fetchFn: typeof fetch = async (input, init) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const path = url.pathname.replace(/^\/_api/, '');
    sent.push({
      call: `${init?.method ?? 'GET'} ${path}`,
      body: typeof init?.body === 'string' ? JSON.parse(init.body) : undefined,
    });
    const body = path.endsWith('/query')
      ? { reviews: [], metadata: { count: 0, cursors: { next: null, prev: null } } }
      : path.endsWith('/count')
        ? { count: 0 }
        : path.includes('/bulk/')
          ? { jobId: 'j1' }
          : { review: REVIEW };
    return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
  };
  return { sent, fetchFn };
}

function clients() {
  const official = recorder();
  const mine = recorder();
  const wix = createWixClient({
    modules: { reviews: wixReviews },
    auth: ApiKeyStrategy({ apiKey: 'k', siteId: 's' }),
    host: { apiBaseUrl: 'reviews.example.com' },
    fetch: official.fetchFn,
  });
  const verdict = createClient({ baseUrl: 'https://reviews.example.com', auth: { apiKey: 'k' }, fetch: mine.fetchFn });
  return { wix: wix.reviews, verdict: verdict.reviews, official: official.sent, mine: mine.sent };
}

describe('verdict/sdk sends what the official SDK sends', () => {
  const since = new Date('2026-01-01T00:00:00.000Z');

  it('for query builder chains with every operator, sort and limit', async () => {
    const { wix, verdict, official, mine } = clients();
    await wix
      .queryReviews()
      .eq('entityId', 'p1')
      .ge('content.rating', 3)
      .in('_id', ['a', 'b'])
      .descending('_createdDate')
      .limit(10)
      .find();
    await verdict
      .queryReviews()
      .eq('entityId', 'p1')
      .ge('content.rating', 3)
      .in('_id', ['a', 'b'])
      .descending('_createdDate')
      .limit(10)
      .find();
    await wix
      .queryReviews()
      .ne('verified', true)
      .gt('helpfulness', 1)
      .lt('relevanceScore', 9)
      .le('_createdDate', since)
      .ascending('content.rating', 'helpfulness')
      .find();
    await verdict
      .queryReviews()
      .ne('verified', true)
      .gt('helpfulness', 1)
      .lt('relevanceScore', 9)
      .le('_createdDate', since)
      .ascending('content.rating', 'helpfulness')
      .find();
    await wix.queryReviews({ returnPrivateReviews: true }).eq('moderation.moderationStatus', 'IN_MODERATION').find();
    await verdict
      .queryReviews({ returnPrivateReviews: true })
      .eq('moderation.moderationStatus', 'IN_MODERATION')
      .find();
    expect(mine).toHaveLength(3);
    expect(mine).toEqual(official);
  });

  it('for isEmpty, isNotEmpty, or, and, not and skipTo', async () => {
    const { wix, verdict, official, mine } = clients();
    // The official builder types hide these runtime operators; they are called through the runtime object.
    const w = wix.queryReviews() as any;
    const low = () => (wix.queryReviews() as any).le('content.rating', 1);
    await w.isEmpty('author.contactId').isNotEmpty('author.contactId').find();
    await verdict.queryReviews().isEmpty('author.contactId').isNotEmpty('author.contactId').find();
    await (wix.queryReviews().eq('entityId', 'p1') as any)
      .or(low())
      .and((wix.queryReviews() as any).ge('helpfulness', 0))
      .find();
    await verdict
      .queryReviews()
      .eq('entityId', 'p1')
      .or(verdict.queryReviews().le('content.rating', 1))
      .and(verdict.queryReviews().ge('helpfulness', 0))
      .find();
    await (wix.queryReviews() as any).not(low().or(low())).find();
    await verdict
      .queryReviews()
      .not(verdict.queryReviews().le('content.rating', 1).or(verdict.queryReviews().le('content.rating', 1)))
      .find();
    await wix.queryReviews().limit(5).skipTo('cursor-1').find();
    await verdict.queryReviews().limit(5).skipTo('cursor-1').find();
    expect(mine).toHaveLength(4);
    expect(mine).toEqual(official);
  });

  it('for createReview, updateReview, setReply, moderation, countReviews and the bulk calls', async () => {
    const { wix, verdict, official, mine } = clients();
    // A fresh object per client: the official SDK rewrites the media of the object it is given.
    const input = () => ({
      namespace: 'stores',
      entityId: 'p1',
      author: { contactId: '1c7c6f5e-0d5b-4d8e-9a55-4f2f3f0d7a12' },
      content: { rating: 5, title: 'T', media: [{ image: 'wix:image://v1/abc/x.jpg#originWidth=10&originHeight=20' }] },
    });
    for (const r of [wix, verdict] as const) {
      await r.createReview(input());
      await r.updateReview(REVIEW.id, { revision: '1', content: { title: 'U' } });
      await r.setReply(REVIEW.id, 'Thanks');
      await r.updateModerationStatus(REVIEW.id, { status: 'REJECTED' });
      await r.countReviews({ filter: { entityId: 'p1' }, includePrivateReviews: true });
      await r.bulkDeleteReviews({ filter: { entityId: 'p1' } });
      await r.bulkUpdateModerationStatus({ filter: { entityId: 'p1' }, status: 'APPROVED' });
    }
    expect(mine).toHaveLength(7);
    expect(mine).toEqual(official);
  });
});
