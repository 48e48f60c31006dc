/**
 * The cached-read responder (http/cached-reads.ts): in front of Fastify, it answers a storefront's cache hits of a
 * review, a rating summary and the public review page (JSON and HTML fragment) with exactly the bytes and headers
 * Fastify's route answers, and hands every other request — a miss, a refusal, another shape, a closing server — to
 * Fastify. Driven two ways: the responder alone in a server whose fallback answers 599 (so a test sees which side
 * answered), and the app listening on a socket.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalUrl } from '../../src/server/http/build-server.ts';
import { createCachedReadResponder } from '../../src/server/http/cached-reads.ts';
import {
  buildSite,
  call,
  entityId as newEntityId,
  reviewBody,
  startTestApp,
  type TestApp,
  type TestSite,
} from '../support/app.ts';
import { dialects, type TestDb } from '../support/databases.ts';

/** What the fallback (standing in for Fastify) answers. */
const FALLBACK = 599;
/** Headers that differ between any two answers (or that only Node's server writes). */
const PER_ANSWER = ['date', 'x-wix-request-id', 'connection', 'keep-alive', 'transfer-encoding'];

interface Answer {
  status: number;
  body: string;
  headers: Record<string, string>;
}

async function get(base: string, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(`${base}${path}`, { headers });
  const kept: Record<string, string> = {};
  res.headers.forEach((v, k) => {
    if (!PER_ANSWER.includes(k)) kept[k] = v;
  });
  return { status: res.status, body: await res.text(), headers: kept };
}

describe.each(dialects())('cached-read responder on $name', (dialect) => {
  let db: TestDb;
  let t: TestApp;
  let site: TestSite;
  let visitor: string;
  let server: Server;
  /** The responder alone: 599 means it handed the request on. */
  let front: string;
  /** The app itself, listening. */
  let app: string;
  const closing = new AbortController();

  beforeAll(async () => {
    db = await dialect.open();
    t = await startTestApp(db);
    site = await buildSite(t);
    visitor = `Bearer ${await site.visitorToken()}`;
    const responder = createCachedReadResponder(t.deps, {
      canonicalUrl: canonicalUrl,
      closing: closing.signal,
      log: () => undefined,
    });
    if (!responder) throw new Error('the test app has a page cache and the default CORS policy');
    server = createServer((req, res) => {
      const handOn = () => res.writeHead(FALLBACK).end();
      const taken = responder(req, res);
      if (taken === false) handOn();
      else void taken.then((done) => done || handOn());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    front = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    app = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await t?.close();
    await db?.dispose();
  });

  const create = async (entityId: string) => {
    const res = await call(t.app, 'POST', '/reviews/v1/reviews', {
      auth: site.adminKey,
      body: reviewBody({ entityId }),
    });
    expect(res.status).toBe(200);
    return res.body.review as { id: string };
  };
  /** Fastify's own answer (inject: no responder in front), which also fills the cache. */
  const viaFastify = async (path: string, headers: Record<string, string>): Promise<Answer> => {
    const res = await t.app.inject({ method: 'GET', url: path, headers });
    const kept: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers)) if (!PER_ANSWER.includes(k)) kept[k] = String(v);
    return { status: res.statusCode, body: res.payload, headers: kept };
  };

  it('answers a cached review and summary with the status, bytes and headers of Fastify’s answer', async () => {
    const entity = newEntityId();
    const { id } = await create(entity);
    const shapes = [`/reviews/v1/reviews/${id}`, `/verdict/v1/ratings/summary?namespace=stores&entityId=${entity}`];
    for (const path of shapes) {
      expect((await get(front, path, { authorization: visitor })).status).toBe(FALLBACK);
      const fastify = await viaFastify(path, { authorization: visitor });
      expect(fastify.status).toBe(200);
      const hit = await get(front, path, { authorization: visitor });
      expect(hit).toEqual(fastify);
      expect((await get(app, path, { authorization: visitor })).body).toBe(fastify.body);
      const etag = hit.headers.etag as string;
      const fresh304 = await viaFastify(path, { authorization: visitor, 'if-none-match': etag });
      const hit304 = await get(front, path, { authorization: visitor, 'if-none-match': etag });
      expect(hit304.status).toBe(304);
      expect(hit304).toEqual(fresh304);
    }
    // A shop backend's read with its key (the owner's, an app's) is the same published review: the same entry.
    const review = `/reviews/v1/reviews/${id}`;
    const visitors = await get(front, review, { authorization: visitor });
    for (const key of [site.adminKey, await site.appKey(['reviews.read'])]) {
      expect(await get(front, review, { authorization: key })).toEqual(visitors);
      expect(await viaFastify(review, { authorization: key })).toEqual(visitors);
    }
    // The same review under the Wix alias prefix, and the summary's parameters the other way round.
    expect((await get(front, `/_api/reviews/v1/reviews/${id}`, { authorization: visitor })).status).toBe(200);
    const reversed = await get(front, `/verdict/v1/ratings/summary?entityId=${entity}&namespace=stores`, {
      authorization: visitor,
    });
    expect(reversed.status).toBe(200);
  });

  it('answers the public review page and fragment from memory, with or without credentials, as Fastify does', async () => {
    const entity = newEntityId();
    await create(entity);
    const q = `site=${site.clientId}&namespace=stores&entityId=${entity}`;
    const shapes = [`/verdict/v1/embed/reviews?${q}`, `/verdict/v1/embed/reviews.html?${q}`];
    for (const path of shapes) {
      expect((await get(front, path)).status).toBe(FALLBACK);
      const fastify = await viaFastify(path, {});
      expect(fastify.status).toBe(200);
      const callers: Record<string, string>[] = [
        {},
        { authorization: visitor },
        { authorization: 'Bearer not-a-token' },
      ];
      for (const headers of callers) {
        // Public routes read no credentials, so neither does the responder: the same answer for everyone.
        expect(await get(front, path, headers)).toEqual(fastify);
        expect(await viaFastify(path, headers)).toEqual(fastify);
      }
      expect((await get(app, path)).body).toBe(fastify.body);
      const etag = fastify.headers.etag as string;
      const hit304 = await get(front, path, { 'if-none-match': etag });
      expect(hit304.status).toBe(304);
      expect(hit304).toEqual(await viaFastify(path, { 'if-none-match': etag }));
    }
    // The fragment's locale: English by default, so `locale=en` is the same page; another locale is its own.
    expect((await get(front, `${shapes[1]}&locale=en`)).status).toBe(200);
    expect((await get(front, `${shapes[1]}&locale=de`)).status).toBe(FALLBACK);
    // The parameters in another order are the same request.
    expect(
      (await get(front, `/verdict/v1/embed/reviews?entityId=${entity}&namespace=stores&site=${site.clientId}`)).status,
    ).toBe(200);
  });

  it('hands on public pages it has not kept, or asked for in a way it does not read', async () => {
    const entity = newEntityId();
    await create(entity);
    const q = `site=${site.clientId}&namespace=stores&entityId=${entity}`;
    const page = `/verdict/v1/embed/reviews?${q}`;
    const fragment = `/verdict/v1/embed/reviews.html?${q}`;
    await viaFastify(page, {});
    await viaFastify(fragment, {});
    await viaFastify(`${fragment}&locale=x1`, {}); // refused by validation (400): nothing kept
    expect((await get(front, page)).status).toBe(200);
    const stranger = await buildSite(t);
    const handedOn = [
      `${page}&site=${site.clientId}`, // a parameter twice
      `${page}&extra=1`,
      `${page}&locale=en`, // the page has no locale
      `/verdict/v1/embed/reviews?site=${stranger.clientId}&namespace=stores&entityId=${entity}`,
      `/verdict/v1/embed/reviews?site=${site.clientId}&namespace=stores&entityId=${entity}%41`,
      `/verdict/v1/embed/reviews?site=${site.clientId}&namespace=stores`,
      `/verdict/v1/embed/reviews?site=${site.clientId}&namespace=stores&entityId`,
      `${fragment}&locale=x1`,
      `${fragment}&locale=en&locale=en`,
      `/verdict/v1/embed/reviews.jsonld?${q}&name=Shoe`,
    ];
    for (const path of handedOn) expect([path, (await get(front, path)).status]).toEqual([path, FALLBACK]);
    // A review of the entity changes both pages: the next reads are Fastify's, which renders them anew.
    await create(entity);
    expect((await get(front, page)).status).toBe(FALLBACK);
    expect((await get(front, fragment)).status).toBe(FALLBACK);
    const fresh = await viaFastify(page, {});
    expect((JSON.parse(fresh.body) as { summary: { count: number } }).summary.count).toBe(2);
    expect(await get(front, page)).toEqual(fresh);
  });

  it('hands on every request it must not answer from memory', async () => {
    const entity = newEntityId();
    const { id } = await create(entity);
    const review = `/reviews/v1/reviews/${id}`;
    const summary = `/verdict/v1/ratings/summary?namespace=stores&entityId=${entity}`;
    await viaFastify(review, { authorization: visitor });
    await viaFastify(summary, { authorization: visitor });
    expect((await get(front, review, { authorization: visitor })).status).toBe(200);
    const stranger = await buildSite(t);
    // An app key that reads from memory until it is revoked, then is Fastify's to refuse.
    const made = await call(t.app, 'POST', '/verdict/v1/keys', { auth: site.adminKey, body: { name: 'shop backend' } });
    const revoked = made.body.secret as string;
    expect((await get(front, review, { authorization: revoked })).status).toBe(200);
    const gone = await call(t.app, 'DELETE', `/verdict/v1/keys/${made.body.key.id}`, { auth: site.adminKey });
    expect(gone.status).toBe(200);
    const handedOn: [string, Record<string, string>][] = [
      [review, {}], // no credentials
      [review, { authorization: 'Bearer not-a-token' }],
      [review, { authorization: `${visitor.slice(0, -2)}xx` }], // forged signature
      [review, { authorization: `Bearer ${await stranger.visitorToken()}` }], // another site's visitor
      [review, { authorization: visitor, 'wix-site-id': stranger.siteId }],
      [review, { authorization: 'vdt_admin_not-a-key' }],
      [review, { authorization: revoked }],
      [review, { cookie: 'verdict_session=whatever' }],
      [`${review}?returnPrivateReviews=false`, { authorization: visitor }],
      [`/reviews/v1/reviews/${id.slice(0, 4)}%2D${id.slice(5)}`, { authorization: visitor }],
      [`${summary}&namespace=stores`, { authorization: visitor }],
      [`${summary}&extra=1`, { authorization: visitor }],
      [`/verdict/v1/ratings/summary?namespace=stores&entityId=${entity}x`, { authorization: visitor }],
      [`/verdict/v1/ratings/summary?namespace=stores&entityId=${newEntityId()}`, { authorization: visitor }],
    ];
    for (const [path, headers] of handedOn)
      expect([path, (await get(front, path, headers)).status]).toEqual([path, FALLBACK]);
    const head = await fetch(`${front}${review}`, { method: 'HEAD', headers: { authorization: visitor } });
    expect(head.status).toBe(FALLBACK);
  });

  it('hands on a read of an entity written since its page was kept, and everything once the server is closing', async () => {
    const entity = newEntityId();
    const { id } = await create(entity);
    const review = `/reviews/v1/reviews/${id}`;
    await viaFastify(review, { authorization: visitor });
    expect((await get(front, review, { authorization: visitor })).status).toBe(200);
    await create(entity);
    expect((await get(front, review, { authorization: visitor })).status).toBe(FALLBACK);
    await viaFastify(review, { authorization: visitor });
    expect((await get(front, review, { authorization: visitor })).status).toBe(200);
    closing.abort();
    expect((await get(front, review, { authorization: visitor })).status).toBe(FALLBACK);
  });

  it('counts the requests it answers in the request metrics, under the route', async () => {
    const entity = newEntityId();
    const { id } = await create(entity);
    const path = `/reviews/v1/reviews/${id}`;
    await viaFastify(path, { authorization: visitor });
    const count = async () => {
      const text = String((await call(t.app, 'GET', '/metrics', { auth: site.adminKey })).body);
      const line = text
        .split('\n')
        .find(
          (l) =>
            l.startsWith('verdict_http_request_duration_seconds_count') &&
            l.includes('route="/reviews/v1/reviews/:reviewId"') &&
            l.includes('status_code="200"'),
        );
      return line ? Number(line.split(' ').pop()) : 0;
    };
    const before = await count();
    for (let i = 0; i < 3; i++) expect((await get(app, path, { authorization: visitor })).status).toBe(200);
    expect(await count()).toBe(before + 3);
  });

  it('writes the request log lines Fastify writes, under the request id it answers with', async () => {
    const lines: Record<string, unknown>[] = [];
    // A Fastify logger (its serializers included) writing to memory; its own route's lines are the reference.
    const reference = Fastify({
      logger: { level: 'info', stream: { write: (line: string) => void lines.push(JSON.parse(line)) } },
      genReqId: () => crypto.randomUUID(),
    });
    reference.get('/reference', async () => ({ ok: true }));
    const responder = createCachedReadResponder(t.deps, {
      canonicalUrl,
      closing: new AbortController().signal,
      log: () => reference.log,
    });
    if (!responder) throw new Error('the test app has a page cache and the default CORS policy');
    const logging = createServer((req, res) => {
      const taken = responder(req, res);
      if (taken === false) res.writeHead(FALLBACK).end();
      else void taken.then((done) => done || res.writeHead(FALLBACK).end());
    });
    await new Promise<void>((resolve) => logging.listen(0, '127.0.0.1', resolve));
    await reference.listen({ port: 0, host: '127.0.0.1' });
    try {
      const base = `http://127.0.0.1:${(logging.address() as AddressInfo).port}`;
      const entity = newEntityId();
      const { id } = await create(entity);
      const path = `/reviews/v1/reviews/${id}`;
      await viaFastify(path, { authorization: visitor });
      lines.length = 0; // the reference server's "listening" line
      const res = await fetch(`${base}${path}`, { headers: { authorization: visitor } });
      expect(res.status).toBe(200);
      const ours = lines.splice(0);
      await fetch(`http://127.0.0.1:${(reference.server.address() as AddressInfo).port}/reference`);
      const theirs = lines.splice(0);
      const shape = (l: Record<string, unknown>) => ({
        keys: Object.keys(l).sort(),
        req: Object.keys((l.req as object | undefined) ?? {}).sort(),
        res: Object.keys((l.res as object | undefined) ?? {}).sort(),
      });
      expect(ours.map((l) => l.msg)).toEqual(['incoming request', 'request completed']);
      expect(ours.map(shape)).toEqual(theirs.map(shape));
      const requestId = res.headers.get('x-wix-request-id');
      expect(ours.map((l) => l.reqId)).toEqual([requestId, requestId]);
      expect(ours[0]?.req).toMatchObject({ method: 'GET', url: path, remoteAddress: '127.0.0.1' });
      expect(ours[1]?.res).toEqual({ statusCode: 200 });
      expect(ours[1]?.responseTime).toEqual(expect.any(Number));
    } finally {
      await new Promise((resolve) => logging.close(resolve));
      await reference.close();
    }
  });
});
