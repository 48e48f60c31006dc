/**
 * Moderation rules per site and namespace (`/verdict/v1/moderation/rules`) and the moderation audit log
 * (`/verdict/v1/moderation/audit`): validation listing every violation, versioning, rules applied on create and on
 * edit per namespace, an audit entry for every decision (create, manual, bulk, edit re-hold), queries by review and
 * by time range with paging, and isolation between sites. The clock is injected, so time ranges are exact.
 */
import { CompiledQuery, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/server/app.ts';
import { loadConfig } from '../../src/server/config.ts';
import { type AuditFilter, moderationRepo } from '../../src/server/moderation/moderation.repo.ts';
import { buildSite, call, contactId, reviewBody, type TestApp, type TestSite, waitFor } from '../support/app.ts';
import { dialects, type TestDb } from '../support/databases.ts';

const RULES = '/verdict/v1/moderation/rules';
const AUDIT = '/verdict/v1/moderation/audit';

describe.each(dialects())('moderation rules and audit on $name', (dialect) => {
  let db: TestDb;
  let t: TestApp;
  let now = new Date('2030-01-01T00:00:00.000Z');
  /** Moves the injected clock forward, so the next write has a later timestamp. */
  const tick = (ms = 1000) => {
    now = new Date(now.getTime() + ms);
    return now.toISOString();
  };

  beforeAll(async () => {
    db = await dialect.open();
    const config = loadConfig({ LOG_LEVEL: 'silent', JOB_POLL_INTERVAL_MS: '50' });
    const ctx = await createApp(db, config, { logger: false, clock: () => now });
    await ctx.app.ready();
    ctx.worker.start();
    t = {
      ...ctx,
      db,
      async close() {
        await ctx.app.close();
        await ctx.worker.stop();
      },
    };
  });
  afterAll(async () => {
    await t.close();
    await db.dispose();
  });

  const putRules = (site: TestSite, body: unknown) => call(t.app, 'PUT', RULES, { auth: site.adminKey, body });
  const getRules = (site: TestSite, namespace: string) =>
    call(t.app, 'GET', `${RULES}?namespace=${encodeURIComponent(namespace)}`, { auth: site.adminKey });
  const audit = (site: TestSite, query: string, auth = site.adminKey) =>
    call(t.app, 'GET', `${AUDIT}?${query}`, { auth });

  async function create(site: TestSite, over: Record<string, unknown> = {}, auth = site.adminKey) {
    const res = await call(t.app, 'POST', '/reviews/v1/reviews', { auth, body: reviewBody(over) });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body.review;
  }

  async function adminKeyId(site: TestSite): Promise<string> {
    const row = await t.deps.db
      .selectFrom('api_keys')
      .select('id')
      .where('site_id', '=', site.siteId)
      .where('kind', '=', 'admin')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  describe('reading and replacing rules', () => {
    it('derives the rules of a namespace without rules from the site moderation setting, at version 0', async () => {
      const site = await buildSite(t);
      const fresh = await getRules(site, 'stores');
      expect(fresh.status).toBe(200);
      expect(fresh.body).toEqual({
        rules: {
          namespace: 'stores',
          rules: [{ type: 'APPROVE_ALL' }],
          version: 0,
          source: 'SITE_SETTINGS',
          updatedDate: null,
        },
      });
      await site.setModeration({ mode: 'HOLD_RATINGS', heldRatings: [1, 2] });
      expect((await getRules(site, 'stores')).body.rules.rules).toEqual([
        { type: 'HOLD_RATINGS', ratings: [1, 2] },
        { type: 'APPROVE_ALL' },
      ]);
      await site.setModeration({ mode: 'HOLD_ALL', heldRatings: [] });
      expect((await getRules(site, 'blog')).body.rules.rules).toEqual([{ type: 'HOLD_ALL' }]);
    });

    it('rejects a body with many schema errors, listing every violation, and saves nothing', async () => {
      const site = await buildSite(t);
      const res = await putRules(site, {
        namespace: '',
        rules: [
          { type: 'NOPE' },
          { type: 'HOLD_RATINGS', ratings: [0, 6] },
          { type: 'HOLD_REPORTED_AUTHOR', minReports: 0 },
          { type: 'HOLD_BLOCKED_WORDS', words: [] },
        ],
        expectedVersion: -1,
      });
      expect(res.status).toBe(400);
      expect(res.body.message).toBeTypeOf('string');
      expect(res.body.details.validationError.fieldViolations).toEqual([
        { field: 'namespace', description: 'must NOT have fewer than 1 characters', violatedRule: 'MIN_LENGTH' },
        {
          field: 'rules[0].type',
          description:
            'must be one of APPROVE_ALL, HOLD_ALL, HOLD_RATINGS, HOLD_MEDIA, HOLD_BLOCKED_WORDS, HOLD_LINKS, HOLD_REPORTED_AUTHOR',
          violatedRule: 'INVALID_ENUM_VALUE',
        },
        { field: 'rules[1].ratings[0]', description: 'must be >= 1', violatedRule: 'MIN' },
        { field: 'rules[1].ratings[1]', description: 'must be <= 5', violatedRule: 'MAX' },
        { field: 'rules[2].minReports', description: 'must be >= 1', violatedRule: 'MIN' },
        { field: 'rules[3].words', description: 'must NOT have fewer than 1 items', violatedRule: 'MIN_SIZE' },
        { field: 'expectedVersion', description: 'must be >= 0', violatedRule: 'MIN' },
      ]);
      expect((await getRules(site, 'stores')).body.rules.version).toBe(0);
    });

    it('rejects rules whose type lacks its field or carries another type’s field, listing each with its path', async () => {
      const site = await buildSite(t);
      const res = await putRules(site, {
        namespace: 'stores',
        rules: [
          { type: 'HOLD_RATINGS' },
          { type: 'HOLD_BLOCKED_WORDS', words: ['fine', '?!'], ratings: [1] },
          { type: 'HOLD_REPORTED_AUTHOR' },
          { type: 'HOLD_ALL', minReports: 2 },
        ],
      });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        message: 'Invalid request',
        details: {
          validationError: {
            fieldViolations: [
              {
                field: 'rules[0].ratings',
                description: 'is required for HOLD_RATINGS',
                violatedRule: 'REQUIRED_FIELD',
              },
              {
                field: 'rules[1].ratings',
                description: 'is not allowed for HOLD_BLOCKED_WORDS',
                violatedRule: 'INVALID_ARGUMENT',
              },
              {
                field: 'rules[1].words[1]',
                description: 'must contain a letter or digit',
                violatedRule: 'INVALID_ARGUMENT',
              },
              {
                field: 'rules[2].minReports',
                description: 'is required for HOLD_REPORTED_AUTHOR',
                violatedRule: 'REQUIRED_FIELD',
              },
              {
                field: 'rules[3].minReports',
                description: 'is not allowed for HOLD_ALL',
                violatedRule: 'INVALID_ARGUMENT',
              },
            ],
          },
        },
      });
      expect((await getRules(site, 'stores')).body.rules.version).toBe(0);
    });

    it('rejects more than 20 rules with a MAX_SIZE violation on rules', async () => {
      const site = await buildSite(t);
      const res = await putRules(site, {
        namespace: 'stores',
        rules: Array.from({ length: 21 }, () => ({ type: 'HOLD_ALL' })),
      });
      expect(res.status).toBe(400);
      expect(res.body.details.validationError.fieldViolations).toEqual([
        { field: 'rules', description: 'must NOT have more than 20 items', violatedRule: 'MAX_SIZE' },
      ]);
    });

    it('stores normalized rules, increments the version by 1 per replace, and refuses a stale expectedVersion with 409', async () => {
      const site = await buildSite(t);
      const at = tick();
      const first = await putRules(site, {
        namespace: 'stores',
        rules: [
          { type: 'HOLD_RATINGS', ratings: [2, 1] },
          { type: 'HOLD_BLOCKED_WORDS', words: ['  spam '] },
        ],
        expectedVersion: 0,
      });
      expect(first.status).toBe(200);
      const stored = {
        namespace: 'stores',
        rules: [
          { type: 'HOLD_RATINGS', ratings: [1, 2] },
          { type: 'HOLD_BLOCKED_WORDS', words: ['spam'] },
        ],
        version: 1,
        source: 'RULES',
        updatedDate: at,
      };
      expect(first.body).toEqual({ rules: stored });
      expect((await getRules(site, 'stores')).body).toEqual({ rules: stored });

      const second = await putRules(site, { namespace: 'stores', rules: [{ type: 'HOLD_MEDIA' }], expectedVersion: 1 });
      expect(second.body.rules).toMatchObject({ rules: [{ type: 'HOLD_MEDIA' }], version: 2 });
      const unversioned = await putRules(site, { namespace: 'stores', rules: [] });
      expect(unversioned.body.rules).toMatchObject({ rules: [], version: 3 });

      const stale = await putRules(site, { namespace: 'stores', rules: [{ type: 'HOLD_ALL' }], expectedVersion: 2 });
      expect(stale.status).toBe(409);
      expect(stale.body).toEqual({
        message: 'The moderation rules have changed since the expected version',
        details: {
          applicationError: {
            code: 'REVISION_MISMATCH',
            description: 'The moderation rules have changed since the expected version',
            data: { currentVersion: 3 },
          },
        },
      });
      const staleNew = await putRules(site, { namespace: 'blog', rules: [{ type: 'HOLD_ALL' }], expectedVersion: 4 });
      expect(staleNew.status).toBe(409);
      expect(staleNew.body.details.applicationError.data).toEqual({ currentVersion: 0 });
      expect((await getRules(site, 'stores')).body.rules).toMatchObject({ rules: [], version: 3 });
      expect((await getRules(site, 'blog')).body.rules.version).toBe(0);
    });
  });

  describe('rules applied to reviews', () => {
    it('applies a namespace’s rules on create, leaving other namespaces on the site setting', async () => {
      const site = await buildSite(t);
      await site.setModeration({ mode: 'HOLD_ALL', heldRatings: [] });
      expect(
        (
          await putRules(site, {
            namespace: 'stores',
            rules: [
              { type: 'HOLD_BLOCKED_WORDS', words: ['spam'] },
              { type: 'HOLD_LINKS' },
              { type: 'HOLD_MEDIA' },
              { type: 'HOLD_RATINGS', ratings: [1] },
            ],
          })
        ).status,
      ).toBe(200);
      const status = async (over: Record<string, unknown>) => (await create(site, over)).moderation.moderationStatus;
      expect(await status({ content: { body: 'Total SPAM!' } })).toBe('IN_MODERATION');
      expect(await status({ content: { title: 'spám' } })).toBe('IN_MODERATION');
      expect(await status({ content: { body: 'not a spammer' } })).toBe('APPROVED');
      expect(await status({ content: { body: 'cheaper at shoes-outlet.com' } })).toBe('IN_MODERATION');
      expect(await status({ content: { media: [{ image: { url: 'https://cdn.example.com/a.jpg' } }] } })).toBe(
        'IN_MODERATION',
      );
      expect(await status({ content: { rating: 1 } })).toBe('IN_MODERATION');
      expect(await status({ content: { rating: 2 } })).toBe('APPROVED');
      // `blog` has no rules of its own: the site setting (HOLD_ALL) decides.
      expect(await status({ namespace: 'blog', content: { body: 'clean' } })).toBe('IN_MODERATION');
    });

    it('re-holds an approved review whose edited content a rule now holds, and audits it', async () => {
      const site = await buildSite(t);
      await putRules(site, { namespace: 'stores', rules: [{ type: 'HOLD_BLOCKED_WORDS', words: ['scam'] }] });
      const review = await create(site);
      expect(review.moderation.moderationStatus).toBe('APPROVED');

      const clean = await call(t.app, 'PATCH', `/reviews/v1/reviews/${review.id}`, {
        auth: site.adminKey,
        body: { review: { revision: review.revision, content: { body: 'Still good' } } },
      });
      expect(clean.body.review.moderation.moderationStatus).toBe('APPROVED');

      const at = tick();
      const edited = await call(t.app, 'PATCH', `/reviews/v1/reviews/${review.id}`, {
        auth: site.adminKey,
        body: { review: { revision: clean.body.review.revision, content: { body: 'A SCAM.' } } },
      });
      expect(edited.status).toBe(200);
      expect(edited.body.review.moderation).toEqual({ moderationStatus: 'IN_MODERATION', manuallyChanged: false });

      const history = await audit(site, `reviewId=${review.id}`);
      expect(history.body.entries.map((e: any) => [e.from, e.to, e.reason])).toEqual([
        ['SUBMITTED', 'APPROVED', 'NO_RULE_MATCHED'],
        ['APPROVED', 'IN_MODERATION', 'RULE:HOLD_BLOCKED_WORDS'],
      ]);
      expect(history.body.entries[1]).toMatchObject({
        actor: { kind: 'ADMIN', id: await adminKeyId(site) },
        createdDate: at,
      });
    });

    it('re-runs the rules on the legacy content update too, and leaves reviews of a namespace without the rule alone', async () => {
      const site = await buildSite(t);
      await putRules(site, { namespace: 'stores', rules: [{ type: 'HOLD_LINKS' }] });
      const held = await create(site);
      const other = await create(site, { namespace: 'blog' });
      const app = await site.appKey(['reviews.manage']);
      const put = (id: string) =>
        call(t.app, 'PUT', `/reviews/v1/reviews/content/${id}`, {
          auth: app,
          body: { content: { body: 'see www.example.org', rating: 4 } },
        });
      expect((await put(held.id)).body.review.moderation.moderationStatus).toBe('IN_MODERATION');
      expect((await put(other.id)).body.review.moderation.moderationStatus).toBe('APPROVED');
      const entries = (await audit(site, `reviewId=${held.id}`)).body.entries;
      expect(entries[1]).toMatchObject({
        from: 'APPROVED',
        to: 'IN_MODERATION',
        reason: 'RULE:HOLD_LINKS',
        actor: { kind: 'APP' },
      });
      expect(entries[1].actor.id).toMatch(/^[0-9a-f-]{36}$/);
      expect((await audit(site, `reviewId=${other.id}`)).body.entries).toHaveLength(1);
    });

    it('applies the rules of the namespace an edit moves the review to', async () => {
      const site = await buildSite(t);
      await putRules(site, { namespace: 'strict', rules: [{ type: 'HOLD_RATINGS', ratings: [3] }] });
      const review = await create(site, { content: { rating: 4 } });
      const moved = await call(t.app, 'PATCH', `/reviews/v1/reviews/${review.id}`, {
        auth: site.adminKey,
        body: { review: { revision: review.revision, namespace: 'strict', content: { rating: 3 } } },
      });
      expect(moved.status, JSON.stringify(moved.body)).toBe(200);
      expect(moved.body.review.moderation.moderationStatus).toBe('IN_MODERATION');
    });
  });

  describe('audit log', () => {
    it('records the automatic decision on create with the rule as reason and the caller as actor, never a secret', async () => {
      const site = await buildSite(t);
      await site.setModeration({ mode: 'HOLD_RATINGS', heldRatings: [1, 2] });
      const at = tick();
      const low = await create(site, { content: { rating: 2 } });
      const visitor = await site.visitorToken();
      const own = await create(site, { author: { authorName: 'Vi' }, content: { rating: 5 } }, visitor);

      const lowEntries = (await audit(site, `reviewId=${low.id}`)).body;
      expect(lowEntries).toEqual({
        entries: [
          {
            id: expect.any(String),
            reviewId: low.id,
            actor: { kind: 'ADMIN', id: await adminKeyId(site) },
            from: 'SUBMITTED',
            to: 'IN_MODERATION',
            reason: 'RULE:HOLD_RATINGS',
            createdDate: at,
          },
        ],
        metadata: { count: 1, cursors: { next: null } },
      });
      const ownEntries = (await audit(site, `reviewId=${own.id}`)).body.entries;
      expect(ownEntries).toEqual([
        expect.objectContaining({
          actor: { kind: 'VISITOR', id: own.author.contactId },
          from: 'SUBMITTED',
          to: 'APPROVED',
          reason: 'RULE:APPROVE_ALL',
        }),
      ]);
      const everything = JSON.stringify((await audit(site, '')).body);
      expect(everything).not.toContain(site.adminKey);
      expect(everything).not.toContain(visitor);
    });

    it('records manual moderation (MANUAL) and bulk moderation (BULK_JOB:<jobId>) with their previous status', async () => {
      const site = await buildSite(t);
      const review = await create(site);
      const app = await site.appKey(['reviews.moderate']);
      tick();
      const rejected = await call(t.app, 'PATCH', `/reviews/v1/reviews/${review.id}/moderate`, {
        auth: app,
        body: { status: 'REJECTED' },
      });
      expect(rejected.status).toBe(200);

      const job = await call(t.app, 'POST', '/reviews/v1/bulk/reviews/moderate', {
        auth: site.adminKey,
        body: { filter: { entityId: review.entityId }, status: 'APPROVED' },
      });
      expect(job.status).toBe(200);
      const jobId = job.body.jobId as string;
      await waitFor(`job ${jobId} to complete`, async () => {
        const res = await call(t.app, 'GET', `/verdict/v1/jobs/${jobId}`, { auth: site.adminKey });
        return res.body.job.status === 'COMPLETED' ? true : undefined;
      });

      const entries = (await audit(site, `reviewId=${review.id}`, app)).body.entries;
      expect(entries.map((e: any) => ({ actor: e.actor.kind, from: e.from, to: e.to, reason: e.reason }))).toEqual([
        { actor: 'ADMIN', from: 'SUBMITTED', to: 'APPROVED', reason: 'RULE:APPROVE_ALL' },
        { actor: 'APP', from: 'APPROVED', to: 'REJECTED', reason: 'MANUAL' },
        { actor: 'JOB', from: 'REJECTED', to: 'APPROVED', reason: `BULK_JOB:${jobId}` },
      ]);
      expect(entries[2].actor).toEqual({ kind: 'JOB', id: jobId });
    });

    it('writes no audit entry when the create fails', async () => {
      const site = await buildSite(t);
      const author = { contactId: contactId(), authorName: 'Ann' };
      const first = await create(site, { entityId: 'dup', author });
      const second = await call(t.app, 'POST', '/reviews/v1/reviews', {
        auth: site.adminKey,
        body: reviewBody({ entityId: 'dup', author }),
      });
      expect(second.status).toBe(409);
      const all = (await audit(site, '')).body.entries;
      expect(all.map((e: any) => e.reviewId)).toEqual([first.id]);
    });

    it('answers a time range [from, to) oldest first, and pages through it with cursors', async () => {
      const site = await buildSite(t);
      const t1 = tick();
      const a = await create(site);
      const t2 = tick();
      const b = await create(site);
      const t3 = tick();
      await call(t.app, 'PATCH', `/reviews/v1/reviews/${a.id}/moderate`, {
        auth: site.adminKey,
        body: { status: 'REJECTED' },
      });
      const t4 = tick();
      await call(t.app, 'PATCH', `/reviews/v1/reviews/${b.id}/moderate`, {
        auth: site.adminKey,
        body: { status: 'REJECTED' },
      });

      const range = async (from: string, to: string) =>
        (await audit(site, `from=${from}&to=${to}`)).body.entries.map((e: any) => [e.reviewId, e.to, e.createdDate]);
      expect(await range(t2, t3)).toEqual([[b.id, 'APPROVED', t2]]);
      expect(await range(t1, t4)).toEqual([
        [a.id, 'APPROVED', t1],
        [b.id, 'APPROVED', t2],
        [a.id, 'REJECTED', t3],
      ]);
      // A time with an offset names the same instant.
      const offset = new Date(new Date(t2).getTime() + 2 * 3600_000).toISOString().replace('Z', '+02:00');
      expect(await range(t1, encodeURIComponent(offset))).toEqual([[a.id, 'APPROVED', t1]]);

      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res: { body: any } = await audit(site, `from=${t1}&limit=1${cursor ? `&cursor=${cursor}` : ''}`);
        expect(res.body.metadata.count).toBe(res.body.entries.length);
        seen.push(...res.body.entries.map((e: any) => e.createdDate));
        cursor = res.body.metadata.cursors.next;
        pages++;
      } while (cursor && pages < 10);
      expect(seen).toEqual([t1, t2, t3, t4]);
      expect(pages).toBe(4);

      const byReview = (await audit(site, `reviewId=${a.id}&from=${t2}`)).body.entries;
      expect(byReview.map((e: any) => e.createdDate)).toEqual([t3]);
    });

    it('rejects bad dates, an empty range, a bad cursor and an out-of-range limit, listing every violation', async () => {
      const site = await buildSite(t);
      const schema = await audit(site, 'from=yesterday&to=2030-13-01T00:00:00Z&limit=101');
      expect(schema.status).toBe(400);
      expect(schema.body.details.validationError.fieldViolations.map((v: any) => [v.field, v.violatedRule])).toEqual([
        ['query.from', 'FORMAT'],
        ['query.to', 'FORMAT'],
        ['query.limit', 'PATTERN'],
      ]);
      const semantic = await audit(site, 'from=2030-02-01T00:00:00Z&to=2030-01-01T00:00:00Z&cursor=not-a-cursor');
      expect(semantic.status).toBe(400);
      expect(semantic.body).toEqual({
        message: 'Invalid request',
        details: {
          validationError: {
            fieldViolations: [
              { field: 'query.to', description: 'must be after query.from', violatedRule: 'INVALID_ARGUMENT' },
              { field: 'query.cursor', description: 'is not a valid cursor', violatedRule: 'INVALID_ARGUMENT' },
            ],
          },
        },
      });
    });
  });

  describe('isolation between sites', () => {
    it("never applies or shows another site's rules or audit entries", async () => {
      const mine = await buildSite(t);
      const theirs = await buildSite(t);
      await putRules(theirs, { namespace: 'stores', rules: [{ type: 'HOLD_ALL' }] });
      const theirReview = await create(theirs);
      expect(theirReview.moderation.moderationStatus).toBe('IN_MODERATION');

      expect((await getRules(mine, 'stores')).body.rules).toMatchObject({ version: 0, source: 'SITE_SETTINGS' });
      const myReview = await create(mine);
      expect(myReview.moderation.moderationStatus).toBe('APPROVED');

      expect((await audit(mine, `reviewId=${theirReview.id}`)).body.entries).toEqual([]);
      expect((await audit(mine, '')).body.entries.map((e: any) => e.reviewId)).toEqual([myReview.id]);
      // A key of one site is refused when it names another site.
      const crossed = await call(t.app, 'GET', `${AUDIT}?reviewId=${theirReview.id}`, {
        auth: mine.adminKey,
        headers: { 'wix-site-id': theirs.siteId },
      });
      expect(crossed.status).toBe(403);
      expect(crossed.body.details.applicationError.code).toBe('PERMISSION_DENIED');
    });
  });
});

describe.each(dialects())('moderation audit index use on $name', (dialect) => {
  const SITE = 'a0000000-0000-4000-8000-000000000001';
  let db: TestDb;
  beforeAll(async () => {
    db = await dialect.open();
    const rows = [];
    for (let i = 0; i < 3000; i++) {
      rows.push({
        site_id: i % 10 === 0 ? SITE : `b0000000-0000-4000-8000-00000000000${i % 7}`,
        id: crypto.randomUUID(),
        review_id: `r${i % 300}`,
        actor_kind: 'ADMIN',
        actor_id: 'k',
        from_status: 'SUBMITTED',
        to_status: 'APPROVED',
        reason: 'RULE:APPROVE_ALL',
        created_at: new Date(Date.UTC(2030, 0, 1) + i * 60_000).toISOString(),
      });
    }
    for (let i = 0; i < rows.length; i += 200)
      await db.db
        .insertInto('moderation_audit')
        .values(rows.slice(i, i + 200))
        .execute();
    await sql`analyze`.execute(db.db);
  });
  afterAll(async () => {
    await db.dispose();
  });

  async function plan(f: AuditFilter): Promise<string> {
    const c = moderationRepo.auditQuery(db.db, SITE, f).compile();
    if (db.dialect === 'sqlite') {
      const r = await db.db.executeQuery<{ detail: string }>(
        CompiledQuery.raw(`explain query plan ${c.sql}`, [...c.parameters]),
      );
      return r.rows.map((x) => x.detail).join('\n');
    }
    // Tiny tables make a sequential scan cheapest on PostgreSQL; forbid it to see which index the planner can use.
    return db.db.transaction().execute(async (trx) => {
      await sql`set local enable_seqscan = off`.execute(trx);
      await sql`set local enable_bitmapscan = off`.execute(trx);
      const r = await trx.executeQuery<{ 'QUERY PLAN': string }>(
        CompiledQuery.raw(`explain ${c.sql}`, [...c.parameters]),
      );
      return r.rows.map((x) => x['QUERY PLAN']).join('\n');
    });
  }

  const noScanOrSort = /Seq Scan|TEMP B-TREE|SCAN moderation_audit(?! USING)|^\s*(->\s*)?Sort\b/m;

  it('serves the history of one review from the by-review index, in order, without a sort', async () => {
    const text = await plan({ reviewId: 'r10', limit: 51, after: ['2030-01-01T00:00:00.000Z', 'x'] });
    expect(text).toContain('moderation_audit_review_idx');
    expect(text).not.toMatch(noScanOrSort);
  });

  it('serves a time range from the by-time index, in order, without a sort', async () => {
    const text = await plan({ from: '2030-01-01T10:00:00.000Z', to: '2030-01-02T00:00:00.000Z', limit: 51 });
    expect(text).toContain('moderation_audit_created_idx');
    expect(text).not.toMatch(noScanOrSort);
  });
});
