/**
 * `client.call`: any operation of the catalogue through the SDK, by name, with the request built from the
 * catalogue's route (method, path, encoded parameters, query) and the answer in REST shape; `elevate(client.call)`
 * makes the same call with the admin key. On every dialect, against a real server.
 */
import { elevate, VerdictError } from 'verdict/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSite, contactId, entityId } from '../support/app.ts';
import { dialects, type TestDb } from '../support/databases.ts';
import { type SdkServer, startSdkServer } from './support.ts';

describe.each(dialects())('verdict/sdk call() on $name', (dialect) => {
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

  it('reaches operations the modules do not wrap: delete, list the trash, restore', async () => {
    const site = await buildSite(s.t);
    const owner = s.client(site, 'admin');
    const review = await owner.reviews.createReview({
      namespace: 'stores',
      entityId: entityId(),
      author: { contactId: contactId() },
      content: { rating: 4 },
    });
    await owner.call('deleteReview', { params: { reviewId: review._id } });
    const trash = await owner.call('listTrash', { query: { limit: '10' } });
    expect(trash.reviews.map((r) => r.review.id)).toEqual([review._id]);
    const restored = await owner.call('restoreReview', { params: { reviewId: review._id } });
    expect(restored.review.id).toBe(review._id);
    expect(s.sent.slice(-3).map((r) => `${r.method} ${r.path}`)).toEqual([
      `DELETE /reviews/v1/reviews/${review._id}`,
      'GET /verdict/v1/trash?limit=10',
      `POST /verdict/v1/reviews/${review._id}/restore`,
    ]);
  });

  it('throws VerdictError with the server code, and works as the owner through elevate()', async () => {
    const site = await buildSite(s.t);
    const visitor = s.client(site, 'visitor', { adminApiKey: site.adminKey });
    const denied = await visitor.call('listWebhooks').catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(VerdictError);
    expect((denied as VerdictError).code).toBe('PERMISSION_DENIED');
    const { webhooks } = await elevate(visitor.call)('listWebhooks');
    expect(webhooks).toEqual([]);
  });
});
