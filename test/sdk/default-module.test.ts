/**
 * The Velo module form of `verdict/sdk`: the default export and the named `reviews` are one module, with the
 * functions of a client's `reviews`, bound at call time to the client `configure()` set — so it can be imported,
 * destructured and elevated before configure runs. A fake fetch records credentials (no server needed).
 */
import reviews, { configure, createClient, elevate, reviews as namedReviews, VerdictError } from 'verdict/sdk';
import { describe, expect, it } from 'vitest';

const NOT_FOUND = {
  message: 'Review not found',
  details: { applicationError: { code: 'REVIEW_NOT_FOUND', description: 'Review not found' } },
};

/** A fetch answering every call with REVIEW_NOT_FOUND and recording each call's method, path and Authorization. */
function recordingFetch() {
  const calls: { method: string; path: string; authorization: string | null }[] = [];
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    calls.push({
      method: init?.method ?? 'GET',
      path: url.pathname,
      authorization: new Headers(init?.headers).get('authorization'),
    });
    return new Response(JSON.stringify(NOT_FOUND), { status: 404, headers: { 'content-type': 'application/json' } });
  };
  return { fetch, calls };
}

const rejection = async (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => undefined,
    (err: unknown) => err,
  );

describe('the default reviews module', () => {
  // The order matters: the first test runs before any configure().
  it('exists before configure() and refuses to call until then', () => {
    expect(reviews).toBe(namedReviews);
    const { getReview } = reviews;
    expect(() => getReview('r1')).toThrow(/configure\(\{ baseUrl, auth \}\) first/);
  });

  it('has every function of a client’s reviews module', () => {
    const client = createClient({ baseUrl: 'http://localhost', auth: { apiKey: 'k' } });
    expect(Object.keys(reviews).sort()).toEqual(Object.keys(client.reviews).sort());
    for (const fn of Object.values(reviews)) expect(typeof fn).toBe('function');
  });

  it('calls the configured client, and elevate() taken before configure uses its admin key', async () => {
    const elevatedSetReply = elevate(reviews.setReply);
    const { fetch, calls } = recordingFetch();
    const client = configure({
      baseUrl: 'http://verdict.test',
      auth: { memberToken: 'member' },
      adminApiKey: 'admin',
      fetch,
    });
    expect(client.reviews.getReview).toBeTypeOf('function');

    const err = await rejection(reviews.getReview('r1'));
    expect(err).toBeInstanceOf(VerdictError);
    expect(err).toMatchObject({ code: 'REVIEW_NOT_FOUND', status: 404 });
    await rejection(elevatedSetReply('r1', 'Thanks'));
    expect(calls).toEqual([
      { method: 'GET', path: '/reviews/v1/reviews/r1', authorization: 'member' },
      { method: 'PATCH', path: '/reviews/v1/reviews/r1/reply', authorization: 'admin' },
    ]);
  });

  it('follows a later configure(): the same functions call the new client', async () => {
    const { getReview } = reviews;
    const first = recordingFetch();
    configure({ baseUrl: 'http://one.test', auth: { apiKey: 'one' }, fetch: first.fetch });
    await rejection(getReview('r1'));
    const second = recordingFetch();
    configure({ baseUrl: 'http://two.test', auth: { apiKey: 'two' }, fetch: second.fetch });
    await rejection(getReview('r2'));
    expect(first.calls.map((c) => c.authorization)).toEqual(['one']);
    expect(second.calls.map((c) => c.authorization)).toEqual(['two']);
  });

  it('leaves elevate() of a client’s own functions as it was', async () => {
    const { fetch, calls } = recordingFetch();
    const client = createClient({
      baseUrl: 'http://verdict.test',
      auth: { memberToken: 'm' },
      adminApiKey: 'a',
      fetch,
    });
    await rejection(elevate(client.reviews.removeReply)('r1'));
    expect(calls).toEqual([{ method: 'DELETE', path: '/reviews/v1/reviews/r1/reply', authorization: 'a' }]);
    expect(() => elevate(() => 1)).toThrow(TypeError);
  });
});
