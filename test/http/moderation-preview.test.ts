/**
 * The moderation rules preview (`POST /verdict/v1/moderation/rules/preview`) and the saved versions of a namespace's
 * rules (`/verdict/v1/moderation/rules/versions`): the preview decides exactly as a created review is decided,
 * names the rule that matched and writes nothing; every replace stores a version with who saved it and when.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSite, call, reviewBody, startTestApp, type TestApp, type TestSite } from '../support/app.ts';
import { dialects, type TestDb } from '../support/databases.ts';

const RULES = '/verdict/v1/moderation/rules';
const PREVIEW = `${RULES}/preview`;
const VERSIONS = `${RULES}/versions`;

describe.each(dialects())('moderation rules preview and versions on $name', (dialect) => {
  let db: TestDb;
  let t: TestApp;
  beforeAll(async () => {
    db = await dialect.open();
    t = await startTestApp(db);
  });
  afterAll(async () => {
    await t.close();
    await db.dispose();
  });

  const put = (site: TestSite, rules: unknown[], auth = site.adminKey) =>
    call(t.app, 'PUT', RULES, { auth, body: { namespace: 'stores', rules } });
  const preview = (site: TestSite, body: unknown, auth = site.adminKey) => call(t.app, 'POST', PREVIEW, { auth, body });

  describe('preview', () => {
    it("decides with the namespace's current rules as a created review is decided, naming the matching rule", async () => {
      const site = await buildSite(t);
      const rules = [
        { type: 'HOLD_BLOCKED_WORDS', words: ['refund'] },
        { type: 'HOLD_RATINGS', ratings: [1, 2] },
        { type: 'APPROVE_ALL' },
      ];
      expect((await put(site, rules)).status).toBe(200);
      const samples = [
        { content: { rating: 5, title: 'Great', body: 'I want a REFUND now' } },
        { content: { rating: 2, title: 'Meh', body: 'Too small' } },
        { content: { rating: 4, title: 'Fine', body: 'Works' } },
      ];
      const expected = [
        { status: 'IN_MODERATION', reason: 'RULE:HOLD_BLOCKED_WORDS', index: 0 },
        { status: 'IN_MODERATION', reason: 'RULE:HOLD_RATINGS', index: 1 },
        { status: 'APPROVED', reason: 'RULE:APPROVE_ALL', index: 2 },
      ];
      for (const [i, sample] of samples.entries()) {
        const res = await preview(site, { namespace: 'stores', review: sample.content });
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        const want = expected[i];
        expect(res.body.preview).toEqual({
          status: want?.status,
          reason: want?.reason,
          matchedRule: { index: want?.index, rule: rules[want?.index ?? 0] },
          rules,
          source: 'RULES',
        });
        // The same content, created for real, gets the same status.
        const created = await call(t.app, 'POST', '/reviews/v1/reviews', {
          auth: site.adminKey,
          body: reviewBody(sample),
        });
        expect(created.body.review.moderation.moderationStatus).toBe(want?.status);
      }
    });

    it('tries rules given in the request (nothing is saved), and falls back to the site setting without rules', async () => {
      const site = await buildSite(t);
      const given = await preview(site, {
        namespace: 'stores',
        rules: [{ type: 'HOLD_LINKS' }, { type: 'HOLD_REPORTED_AUTHOR', minReports: 2 }],
        review: { rating: 5, body: 'Nice', authorOpenReports: 3 },
      });
      expect(given.status).toBe(200);
      expect(given.body.preview).toMatchObject({
        status: 'IN_MODERATION',
        reason: 'RULE:HOLD_REPORTED_AUTHOR',
        matchedRule: { index: 1, rule: { type: 'HOLD_REPORTED_AUTHOR', minReports: 2 } },
        source: 'REQUEST',
      });
      const none = await preview(site, { namespace: 'stores', rules: [], review: { rating: 1 } });
      expect(none.body.preview).toEqual({
        status: 'APPROVED',
        reason: 'NO_RULE_MATCHED',
        matchedRule: null,
        rules: [],
        source: 'REQUEST',
      });
      const rules = await call(t.app, 'GET', `${RULES}?namespace=stores`, { auth: site.adminKey });
      expect(rules.body.rules.version).toBe(0);

      await site.setModeration({ mode: 'HOLD_RATINGS', heldRatings: [1] });
      const fallback = await preview(site, { namespace: 'stores', review: { rating: 1 } });
      expect(fallback.body.preview).toMatchObject({
        status: 'IN_MODERATION',
        reason: 'RULE:HOLD_RATINGS',
        source: 'SITE_SETTINGS',
      });
    });

    it('lists every problem of a bad preview in one Wix-shaped 400', async () => {
      const site = await buildSite(t);
      const schema = await preview(site, { namespace: '', review: { rating: 9 } });
      expect(schema.status).toBe(400);
      const fields = schema.body.details.validationError.fieldViolations.map((v: { field: string }) => v.field);
      expect(fields).toEqual(expect.arrayContaining(['namespace', 'review.rating']));
      const rules = await preview(site, {
        namespace: 'stores',
        rules: [{ type: 'HOLD_RATINGS' }, { type: 'HOLD_ALL', words: ['x'] }],
        review: { rating: 3 },
      });
      expect(rules.status).toBe(400);
      expect(rules.body.details.validationError.fieldViolations.map((v: { field: string }) => v.field)).toEqual([
        'rules[0].ratings',
        'rules[1].words',
      ]);
    });
  });

  describe('versions', () => {
    it('stores a version on every replace, with who saved it and when, newest first, and serves each one', async () => {
      const site = await buildSite(t);
      expect((await put(site, [{ type: 'HOLD_ALL' }])).status).toBe(200);
      expect((await put(site, [{ type: 'HOLD_RATINGS', ratings: [2, 1] }, { type: 'APPROVE_ALL' }])).status).toBe(200);
      const keyId = (
        await t.deps.db
          .selectFrom('api_keys')
          .select('id')
          .where('site_id', '=', site.siteId)
          .where('kind', '=', 'admin')
          .executeTakeFirstOrThrow()
      ).id;
      const list = await call(t.app, 'GET', `${VERSIONS}?namespace=stores`, { auth: site.adminKey });
      expect(list.status).toBe(200);
      expect(list.body.versions).toEqual([
        { version: 2, ruleCount: 2, actor: { kind: 'ADMIN', id: keyId }, createdDate: expect.any(String) },
        { version: 1, ruleCount: 1, actor: { kind: 'ADMIN', id: keyId }, createdDate: expect.any(String) },
      ]);
      const page = await call(t.app, 'GET', `${VERSIONS}?namespace=stores&before=2&limit=5`, { auth: site.adminKey });
      expect(page.body.versions.map((v: { version: number }) => v.version)).toEqual([1]);

      const one = await call(t.app, 'GET', `${VERSIONS}/2?namespace=stores`, { auth: site.adminKey });
      expect(one.status).toBe(200);
      expect(one.body.version).toEqual({
        namespace: 'stores',
        version: 2,
        rules: [{ type: 'HOLD_RATINGS', ratings: [1, 2] }, { type: 'APPROVE_ALL' }],
        actor: { kind: 'ADMIN', id: keyId },
        createdDate: list.body.versions[0].createdDate,
      });
      const first = await call(t.app, 'GET', `${VERSIONS}/1?namespace=stores`, { auth: site.adminKey });
      expect(first.body.version.rules).toEqual([{ type: 'HOLD_ALL' }]);
    });

    it('answers 404 for a version that does not exist, in this namespace or this site', async () => {
      const site = await buildSite(t);
      const other = await buildSite(t);
      expect((await put(other, [{ type: 'HOLD_ALL' }])).status).toBe(200);
      for (const url of [`${VERSIONS}/1?namespace=stores`, `${VERSIONS}/1?namespace=other`]) {
        const res = await call(t.app, 'GET', url, { auth: site.adminKey });
        expect(res.status).toBe(404);
        expect(res.body.details.applicationError.code).toBe('MODERATION_RULES_VERSION_NOT_FOUND');
      }
      const mine = await call(t.app, 'GET', `${VERSIONS}?namespace=stores`, { auth: site.adminKey });
      expect(mine.body.versions).toEqual([]);
    });

    it('lists every problem of a bad version query in one Wix-shaped 400', async () => {
      const site = await buildSite(t);
      const list = await call(t.app, 'GET', `${VERSIONS}?before=0&limit=500`, { auth: site.adminKey });
      expect(list.status).toBe(400);
      expect(list.body.details.validationError.fieldViolations.map((v: { field: string }) => v.field).sort()).toEqual(
        expect.arrayContaining(['namespace', 'before', 'limit'].map((f) => expect.stringContaining(f))),
      );
      // Like an id, a version that is not a number names nothing.
      const one = await call(t.app, 'GET', `${VERSIONS}/zero`, { auth: site.adminKey });
      expect(one.status).toBe(404);
      expect(one.body.details.applicationError.code).toBe('MODERATION_RULES_VERSION_NOT_FOUND');
      const noNamespace = await call(t.app, 'GET', `${VERSIONS}/1`, { auth: site.adminKey });
      expect(noNamespace.status).toBe(400);
    });

    it('refuses visitors and apps, whatever their scopes', async () => {
      const site = await buildSite(t);
      for (const auth of [await site.visitorToken(), await site.appKey(['reviews.manage', 'reviews.moderate'])]) {
        const requests = [
          call(t.app, 'POST', PREVIEW, { auth, body: { namespace: 'stores', review: { rating: 3 } } }),
          call(t.app, 'GET', `${VERSIONS}?namespace=stores`, { auth }),
          call(t.app, 'GET', `${VERSIONS}/1?namespace=stores`, { auth }),
        ];
        for (const res of await Promise.all(requests)) {
          expect(res.status).toBe(403);
          expect(res.body.details.applicationError.code).toBe('PERMISSION_DENIED');
        }
      }
    });
  });
});
