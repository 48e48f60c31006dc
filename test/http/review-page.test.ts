/**
 * The public review-page routes: the first page as JSON, as an HTML fragment and as schema.org JSON-LD. Only
 * published reviews; ETag, Cache-Control and 304; hostile user text stays inert in the fragment; the JSON-LD,
 * expanded offline with `jsonld`, carries every property Google's review snippets need; CORS for shop pages.
 */
import jsonld from 'jsonld';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMBED_FIRST_PAGE_SIZE } from '../../src/contract/index.ts';
import { escapeHtml } from '../../src/server/embed/embed.rules.ts';
import { safeMediaUrl } from '../../src/web/widget/messages.ts';
import { buildSite, call, contactId, entityId, startTestApp, type TestApp, type TestSite } from '../support/app.ts';
import { dialects, type TestDb } from '../support/databases.ts';

const XSS = {
  name: '"><img src=x onerror=alert(1)>',
  title: "<script>alert('t')</script>",
  body: '</script><svg onload=alert(2)> & <!-- \u2028',
  reply: '<a href="javascript:alert(3)">click</a>',
};

/** A schema.org context with nothing but the vocabulary: expansion needs no network. */
const SCHEMA_ORG_CONTEXT = { '@context': { '@vocab': 'https://schema.org/' } };
const documentLoader = async (url: string) => {
  if (url.replace(/\/$/, '') !== 'https://schema.org') throw new Error(`unexpected remote context ${url}`);
  return { contextUrl: undefined, documentUrl: url, document: SCHEMA_ORG_CONTEXT };
};
const S = (p: string) => `https://schema.org/${p}`;
type Expanded = Record<string, { '@value'?: unknown; '@id'?: string }[] & Record<string, unknown>[]> & {
  '@type'?: string[];
};
const value = (node: Expanded, p: string): unknown =>
  (node[S(p)] as { '@value'?: unknown }[] | undefined)?.[0]?.['@value'];
const child = (node: Expanded, p: string): Expanded | undefined =>
  (node[S(p)] as unknown as Expanded[] | undefined)?.[0];

describe.each(dialects())('review page routes on $name', (dialect) => {
  let db: TestDb;
  let t: TestApp;
  let site: TestSite;
  beforeAll(async () => {
    db = await dialect.open();
    t = await startTestApp(db);
    site = await buildSite(t);
  });
  afterAll(async () => {
    await t.close();
    await db.dispose();
  });

  async function review(
    entity: string,
    rating: number,
    over: { name?: string; title?: string; body?: string; media?: unknown[] } = {},
  ) {
    const res = await call(t.app, 'POST', '/reviews/v1/reviews', {
      auth: site.adminKey,
      body: {
        review: {
          namespace: 'stores',
          entityId: entity,
          author: { contactId: contactId(), authorName: over.name ?? 'Ann' },
          content: {
            rating,
            title: over.title ?? `Rated ${rating}`,
            body: over.body ?? 'Fine',
            media: over.media ?? [],
          },
        },
      },
    });
    expect(res.status).toBe(200);
    return res.body.review as { id: string };
  }
  const moderate = async (id: string, status: string) =>
    expect(
      (await call(t.app, 'PATCH', `/reviews/v1/reviews/${id}/moderate`, { auth: site.adminKey, body: { status } }))
        .status,
    ).toBe(200);
  const q = (entity: string, extra = '') =>
    `?site=${site.clientId}&namespace=stores&entityId=${encodeURIComponent(entity)}${extra}`;

  it('answers the first page and summary without credentials, published reviews only, continued by a visitor', async () => {
    const entity = entityId();
    for (const r of [5, 4, 3, 2, 1]) await review(entity, r);
    const hidden = await review(entity, 5, { title: 'rejected one' });
    await moderate(hidden.id, 'REJECTED');
    const res = await call(t.app, 'GET', `/verdict/v1/embed/reviews${q(entity)}`);
    expect(res.status).toBe(200);
    expect(res.body.summary).toEqual({
      namespace: 'stores',
      entityId: entity,
      count: 5,
      average: 3,
      histogram: { 1: 1, 2: 1, 3: 1, 4: 1, 5: 1 },
    });
    expect(res.body.reviews).toHaveLength(EMBED_FIRST_PAGE_SIZE);
    expect(
      res.body.reviews.every(
        (r: { moderation: { moderationStatus: string } }) => r.moderation.moderationStatus === 'APPROVED',
      ),
    ).toBe(true);
    expect(res.headers['cache-control']).toMatch(/max-age=\d+/);
    // The cursor continues as a visitor: the rest, without the rejected review.
    const next = await call(t.app, 'POST', '/reviews/v1/reviews/query', {
      auth: await site.visitorToken(),
      body: { query: { cursorPaging: { cursor: res.body.nextCursor, limit: 10 } } },
    });
    expect(next.status).toBe(200);
    const ids = [...res.body.reviews, ...next.body.reviews].map((r: { id: string }) => r.id);
    expect(new Set(ids).size).toBe(5);
    expect(ids).not.toContain(hidden.id);
    expect(next.body.metadata.cursors.next).toBeNull();
  });

  it('sends an ETag and answers 304 to If-None-Match, on all three routes', async () => {
    const entity = entityId();
    await review(entity, 4);
    for (const path of [
      '/verdict/v1/embed/reviews',
      '/verdict/v1/embed/reviews.html',
      '/verdict/v1/embed/reviews.jsonld',
    ]) {
      const url = `${path}${q(entity, '&name=Kettle')}`;
      const first = await t.app.inject({ method: 'GET', url });
      expect(first.statusCode, path).toBe(200);
      const etag = first.headers.etag as string;
      expect(etag, path).toMatch(/^"[\w-]+"$/);
      expect(first.headers['cache-control'], path).toContain('public');
      const again = await t.app.inject({ method: 'GET', url, headers: { 'if-none-match': `W/"x", ${etag}` } });
      expect(again.statusCode, path).toBe(304);
      expect(again.body, path).toBe('');
      await review(entity, 2);
      const changed = await t.app.inject({ method: 'GET', url, headers: { 'if-none-match': etag } });
      expect(changed.statusCode, path).toBe(200);
      expect(changed.headers.etag, path).not.toBe(etag);
    }
  });

  it('refuses an unknown site with 404 and bad parameters with every violation listed', async () => {
    const unknown = await call(t.app, 'GET', `/verdict/v1/embed/reviews?site=nope&namespace=stores&entityId=x`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.details.applicationError.code).toBe('SITE_NOT_FOUND');
    const bad = await call(
      t.app,
      'GET',
      `/verdict/v1/embed/reviews.jsonld?site=${site.clientId}&namespace=&url=ftp://x`,
    );
    expect(bad.status).toBe(400);
    const fields = bad.body.details.validationError.fieldViolations.map((v: { field: string }) => v.field).sort();
    expect(fields).toEqual(expect.arrayContaining(['query.entityId', 'query.name', 'query.namespace', 'query.url']));
  });

  it('renders hostile user text in the fragment as inert text and shows http(s) media', async () => {
    const entity = entityId();
    const r = await review(entity, 1, {
      name: XSS.name,
      title: XSS.title,
      body: XSS.body,
      media: [{ image: { url: 'https://img.example/a.jpg', altText: XSS.title } }],
    });
    expect(
      (
        await call(t.app, 'PATCH', `/reviews/v1/reviews/${r.id}/reply`, {
          auth: site.adminKey,
          body: { message: XSS.reply },
        })
      ).status,
    ).toBe(200);
    const res = await t.app.inject({
      method: 'GET',
      url: `/verdict/v1/embed/reviews.html${q(entity, '&locale=de-DE')}`,
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    const html = res.body;
    // Outside the JSON script, no user text opens a tag: only the fragment's own tags remain.
    const [markup, json] = html.split('<script type="application/json" data-verdict-page>');
    const tags = [...(markup ?? '').matchAll(/<([a-z0-9]+)/gi)].map((m) => m[1]?.toLowerCase());
    expect(new Set(tags)).toEqual(
      new Set(['section', 'h2', 'p', 'strong', 'ul', 'li', 'article', 'h3', 'time', 'img', 'blockquote']),
    );
    expect(markup).toContain(escapeHtml(XSS.reply));
    expect(markup).toContain('src="https://img.example/a.jpg"');
    expect(markup).toContain(escapeHtml(XSS.body));
    expect(markup).toContain('Kundenbewertungen');
    // The JSON script holds exactly one closing tag (its own) and parses back to the same data.
    expect(json?.match(/<\/script/gi)).toHaveLength(1);
    const data = JSON.parse((json ?? '').slice(0, (json ?? '').indexOf('</script>')));
    expect(data.reviews[0].content.body).toBe(XSS.body);
    expect(data.reviews[0].reply.message).toBe(XSS.reply);
  });

  it('puts only http(s) URLs into src attributes', () => {
    expect(safeMediaUrl('javascript:alert(1)')).toBeUndefined();
    expect(safeMediaUrl('data:text/html,<script>alert(1)</script>')).toBeUndefined();
    expect(safeMediaUrl(' JAVASCRIPT:alert(1)')).toBeUndefined();
    expect(safeMediaUrl('https://img.example/a b.jpg')).toBe('https://img.example/a%20b.jpg');
  });

  it('escapes the five HTML characters in every hostile string', () => {
    for (const s of [...Object.values(XSS), `a'b"c<d>e&f`, '&amp;']) {
      const out = escapeHtml(s);
      expect(out).not.toMatch(/[<>"']/);
      expect(out.replace(/&#(\d+);/g, (_m, n: string) => String.fromCharCode(Number(n)))).toBe(s);
    }
  });

  it('gives JSON-LD that expands offline to a Product with AggregateRating and the latest published Reviews', async () => {
    const entity = entityId();
    for (const r of [5, 4, 4]) await review(entity, r, { name: `Author ${r}` });
    const held = await review(entity, 1, { title: 'held' });
    await moderate(held.id, 'REJECTED');
    const res = await t.app.inject({
      method: 'GET',
      url: `/verdict/v1/embed/reviews.jsonld${q(entity, `&name=${encodeURIComponent('Kettle "Pro" <2>')}&url=${encodeURIComponent('https://shop.example/kettle')}`)}`,
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/ld\+json/);
    const doc = JSON.parse(res.body);
    const [product] = (await jsonld.expand(doc, { documentLoader: documentLoader as never })) as unknown as Expanded[];
    expect(product?.['@type']).toEqual([S('Product')]);
    expect(value(product as Expanded, 'name')).toBe('Kettle "Pro" <2>');
    const agg = child(product as Expanded, 'aggregateRating') as Expanded;
    expect(agg['@type']).toEqual([S('AggregateRating')]);
    expect(value(agg, 'ratingValue')).toBe(4.3);
    expect(value(agg, 'reviewCount')).toBe(3);
    expect(value(agg, 'bestRating')).toBe(5);
    expect(value(agg, 'worstRating')).toBe(1);
    const reviews = product?.[S('review')] as unknown as Expanded[];
    expect(reviews).toHaveLength(3);
    for (const r of reviews) {
      expect(r['@type']).toEqual([S('Review')]);
      const author = child(r, 'author') as Expanded;
      expect(author['@type']).toEqual([S('Person')]);
      expect(value(author, 'name')).toMatch(/^Author \d$/);
      expect(value(r, 'datePublished')).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(value(r, 'reviewBody')).toBe('Fine');
      const rating = child(r, 'reviewRating') as Expanded;
      expect([4, 5]).toContain(value(rating, 'ratingValue'));
    }
  });

  it('gives no AggregateRating to an entity without published reviews', async () => {
    const entity = entityId();
    const r = await review(entity, 5);
    await moderate(r.id, 'REJECTED');
    const res = await call(t.app, 'GET', `/verdict/v1/embed/reviews.jsonld${q(entity, '&name=Empty')}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ '@context': 'https://schema.org', '@type': 'Product', name: 'Empty', review: [] });
  });

  it('answers CORS preflights and exposes the headers the widget reads', async () => {
    const pre = await t.app.inject({
      method: 'OPTIONS',
      url: '/reviews/v1/reviews/query',
      headers: {
        origin: 'https://shop.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });
    expect(pre.statusCode).toBe(204);
    expect(pre.headers['access-control-allow-origin']).toBe('*');
    expect(String(pre.headers['access-control-allow-headers']).toLowerCase()).toContain('authorization');
    const get = await t.app.inject({
      method: 'GET',
      url: `/verdict/v1/embed/reviews${q(entityId())}`,
      headers: { origin: 'https://shop.example' },
    });
    expect(get.headers['access-control-allow-origin']).toBe('*');
    const exposed = String(get.headers['access-control-expose-headers']);
    for (const h of ['X-Wix-Request-Id', 'RateLimit', 'RateLimit-Policy', 'Retry-After', 'ETag'])
      expect(exposed).toContain(h);
  });

  it('serves the widget script with caching headers and revalidation', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/widget.js' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/javascript/);
    expect(res.headers['cache-control']).toMatch(/public, max-age=\d+/);
    expect(res.body).toContain('verdict-reviews');
    const again = await t.app.inject({
      method: 'GET',
      url: '/widget.js',
      headers: { 'if-none-match': String(res.headers.etag) },
    });
    expect(again.statusCode).toBe(304);
  });

  it('lists the routes and their schemas in /openapi.json', async () => {
    const doc = (await call(t.app, 'GET', '/openapi.json')).body;
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/verdict/v1/embed/reviews',
        '/verdict/v1/embed/reviews.html',
        '/verdict/v1/embed/reviews.jsonld',
      ]),
    );
    expect(
      doc.paths['/verdict/v1/embed/reviews.jsonld'].get.responses['200'].content['application/ld+json'],
    ).toBeDefined();
  });
});

describe.each(dialects())('CORS with a configured origin list on $name', (dialect) => {
  let db: TestDb;
  let t: TestApp;
  beforeAll(async () => {
    db = await dialect.open();
    t = await startTestApp(db, { corsOrigins: ['https://shop.example'] });
  });
  afterAll(async () => {
    await t.close();
    await db.dispose();
  });

  it('allows the listed origin and no other', async () => {
    const ok = await t.app.inject({ method: 'GET', url: '/healthz', headers: { origin: 'https://shop.example' } });
    expect(ok.headers['access-control-allow-origin']).toBe('https://shop.example');
    const other = await t.app.inject({ method: 'GET', url: '/healthz', headers: { origin: 'https://evil.example' } });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });
});
