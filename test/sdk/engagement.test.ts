/** `verdict/sdk` helpfulness votes and abuse reports against a real server, on every dialect. */
import { VerdictError } from 'verdict/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSite, contactId, entityId } from '../support/app.ts';
import { dialects, type TestDb } from '../support/databases.ts';
import { type SdkServer, startSdkServer } from './support.ts';

describe.each(dialects())('verdict/sdk votes and reports on $name', (dialect) => {
  let db: TestDb;
  let s: SdkServer;
  beforeAll(async () => {
    db = await dialect.open();
    s = await startSdkServer(db);
  });
  afterAll(async () => {
    await s.close();
    await db.dispose();
  });

  async function published() {
    const site = await buildSite(s.t);
    const review = await s.client(site, 'admin').reviews.createReview({
      namespace: 'stores',
      entityId: entityId(),
      author: { contactId: contactId() },
      content: { rating: 5, title: 'Great', body: 'Really good.' },
    });
    return { site, review };
  }

  it('castVote records a visitor vote, changes it, withdraws it, and never bumps the revision', async () => {
    const { site, review } = await published();
    const visitor = s.client(site, 'visitor').reviews;
    const first = await visitor.castVote(review._id, 'HELPFUL');
    expect(first.vote).toBe('HELPFUL');
    expect([first.review.foundHelpful, first.review.foundUnhelpful, first.review.helpfulness]).toEqual([1, 0, 1]);
    const changed = await visitor.castVote(review._id, 'UNHELPFUL');
    expect([changed.review.foundHelpful, changed.review.foundUnhelpful, changed.review.helpfulness]).toEqual([
      0, 1, -1,
    ]);
    const withdrawn = await visitor.castVote(review._id, 'NONE');
    expect([withdrawn.review.foundHelpful, withdrawn.review.foundUnhelpful]).toEqual([0, 0]);
    expect(withdrawn.review.revision).toBe(review.revision);
    expect(withdrawn.review._createdDate).toBeInstanceOf(Date);
  });

  it('reportReview files one report per reporter, in Velo shape, and refuses a second', async () => {
    const { site, review } = await published();
    const visitor = s.client(site, 'visitor').reviews;
    const { report } = await visitor.reportReview(review._id, { reason: 'SPAM', text: 'An advert.' });
    expect(report).toMatchObject({
      reviewId: review._id,
      reason: 'SPAM',
      text: 'An advert.',
      status: 'OPEN',
      reporterKind: 'VISITOR',
    });
    expect(report._createdDate).toBeInstanceOf(Date);
    expect(typeof report._id).toBe('string');
    const again = await visitor.reportReview(review._id, { reason: 'FAKE' }).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(VerdictError);
    expect((again as VerdictError).status).toBe(409);
  });

  it('refuses votes from an admin client with PERMISSION_DENIED (votes are for visitors and members)', async () => {
    const { site, review } = await published();
    const err = await s
      .client(site, 'admin')
      .reviews.castVote(review._id, 'HELPFUL')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VerdictError);
    expect((err as VerdictError).code).toBe('PERMISSION_DENIED');
  });
});
