import { describe, expect, it } from 'vitest';
import { type CallRequest, createCall } from './call.ts';
import { pathsOf, requestPath } from './paths.ts';
import * as routes from './routes.ts';

/** A `call` over every route that records what it would send and answers `answer`. */
function recording(answer: unknown = {}) {
  const sent: CallRequest[] = [];
  const call = createCall(routes, async (request) => {
    sent.push(request);
    return answer;
  });
  return { call, sent };
}

describe('call()', () => {
  it('sends the catalogue method and path, with path parameters percent-encoded and the query appended', async () => {
    const { call, sent } = recording();
    await call('getReview', { params: { reviewId: 'a/b c' }, query: { returnPrivateReviews: 'true' } });
    await call('listWebhookDeliveries', { params: { webhookId: 'w1' }, query: { status: undefined, limit: '5' } });
    await call('castVote', { params: { reviewId: 'r1' }, body: { vote: 'HELPFUL' } });
    await call('listWebhooks');
    expect(sent).toEqual([
      { operation: 'getReview', method: 'GET', path: '/reviews/v1/reviews/a%2Fb%20c?returnPrivateReviews=true' },
      { operation: 'listWebhookDeliveries', method: 'GET', path: '/verdict/v1/webhooks/w1/deliveries?limit=5' },
      {
        operation: 'castVote',
        method: 'POST',
        path: '/verdict/v1/reviews/r1/votes',
        body: { vote: 'HELPFUL' },
      },
      { operation: 'listWebhooks', method: 'GET', path: '/verdict/v1/webhooks' },
    ]);
  });

  it('resolves with what send resolves with, typed from the response schema', async () => {
    const { call } = recording({ count: 3 });
    const res = await call('countReviews', { body: { filter: { entityId: 'e' } } });
    expect(res.count).toBe(3);
  });

  it('refuses to send a request whose path parameter is missing', () => {
    expect(() => requestPath(routes.getReview, {})).toThrow(/missing path parameter reviewId/);
  });

  it('serves a Wix path under its aliases and a Verdict path under itself only', () => {
    expect(pathsOf(routes.createContact)).toEqual([
      '/contacts/v4/contacts',
      '/_api/contacts/v4/contacts',
      '/v4/contacts',
    ]);
    expect(pathsOf(routes.setReply)).toEqual([
      '/reviews/v1/reviews/:reviewId/reply',
      '/_api/reviews/v1/reviews/:reviewId/reply',
      '/reviews/api/v1/reviews/:reviewId/reply',
      '/_api/reviews/api/v1/reviews/:reviewId/reply',
    ]);
    expect(pathsOf(routes.castVote)).toEqual(['/verdict/v1/reviews/:reviewId/votes']);
  });

  it('types input and output from the catalogue (checked by the compiler)', () => {
    // Never run: each line fails to compile if the types drift.
    const typed = async () => {
      const { call } = recording();
      const r = await call('getReview', { params: { reviewId: 'x' } });
      r.review.id satisfies string;
      (await call('getRatingSummary', { query: { namespace: 'stores', entityId: 'e' } })).summary
        .average satisfies number;
      // @ts-expect-error getReview needs its path parameter
      await call('getReview');
      // @ts-expect-error no such operation
      await call('getReviewz');
      // @ts-expect-error not a vote value
      await call('castVote', { params: { reviewId: 'x' }, body: { vote: 'MAYBE' } });
      // @ts-expect-error getRatingSummary needs namespace and entityId
      await call('getRatingSummary', { query: {} });
      const some = createCall({ getReviewPage: routes.getReviewPage }, async () => ({}));
      // @ts-expect-error not in this client's route table
      await some('getReview', { params: { reviewId: 'x' } });
      (await some('getReviewPage', { query: { site: 's', namespace: 'n', entityId: 'e' } })).nextCursor satisfies
        | string
        | null;
    };
    expect(typed).toBeTypeOf('function');
  });
});
