/**
 * Generative robustness test: every route of the live `/openapi.json` (so a route added later is fuzzed without
 * touching this file), called with random and malicious path parameters, query strings, headers and bodies, as
 * every kind of caller. The guarantees: never a 5xx; every 4xx carries the Wix error body; no request hangs (each
 * has a deadline); and a guarded set of reviews, with their rating summaries, is left exactly as it was.
 *
 * Why the guarded data cannot legitimately change. Three sites take part:
 * - F, the fuzzed site: the fuzzer holds its visitor and member tokens, two app keys with few scopes, its admin
 *   key and the sessions of a dashboard owner and moderator. Requests that are valid by chance may change F's data, and that is fine.
 * - H, "another site": the fuzzer holds its admin key and an owner's session and uses them against F's and G's
 *   ids (and may change H).
 * - G, the guarded site: reviews (published, with a reply, held, deleted), votes, a contact, a webhook and the
 *   rating summaries they make, seeded through G's own admin key before the run. The fuzzer never holds any
 *   credential of G, nor its client id (the only way to mint a G visitor token). It does use G's ids — review,
 *   contact, webhook and site ids, entity ids — in paths, bodies, filters and the `wix-site-id` header. Every
 *   credential acts on its own site only, so no request, valid or not, may change G: any change is a cross-site
 *   write, which is exactly what this test must catch. G is compared row by row with the database afterwards.
 *
 * Bounded: a fixed number of runs from a fixed seed (FUZZ_SEED overrides it; the seed is in every failure message),
 * and well under 30 s per dialect. The webhook worker is stopped, so a webhook the fuzzer registers on F is never
 * called. The events long-poll is only ever asked to wait 0 seconds (or an invalid time).
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  API_PREFIXES,
  operation as catalogued,
  OPERATION_NAMES,
  type OperationName,
  possibleErrors,
} from '../../src/contract/operations/index.ts';
import { underPrefix } from '../../src/contract/operations/paths.ts';
import { buildSite, call, reviewBody, startTestApp, type TestApp, type TestSite, waitFor } from '../support/app.ts';
import { dialects, type TestDb } from '../support/databases.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 20_261_204);
const RUNS = 400;
const REQUEST_TIMEOUT_MS = 5_000;
const CALLER_WEIGHTS: Record<string, number> = { admin: 10, otherAdmin: 3, visitor: 2, member: 2, appRead: 2 };

type Json = Record<string, unknown>;
type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

interface Operation {
  operationId: string;
  method: Method;
  path: string;
  pathParams: string[];
  queryParams: string[];
  body: Json | null;
}

/** One generated request, printed whole when an assertion fails. */
interface FuzzRequest {
  method: Method;
  url: string;
  headers: Record<string, string>;
  payload?: string | Buffer;
}

/** Percent-encodes like encodeURIComponent, writing a lone surrogate (which it refuses) as its raw UTF-8 escape. */
const enc = (s: string): string => {
  try {
    return encodeURIComponent(s);
  } catch {
    return [...s].map((ch) => (/[\ud800-\udfff]/.test(ch) ? '%ED%A0%80' : encodeURIComponent(ch))).join('');
  }
};

/** `arb` with probability `p`, else null. */
const sometimes = <T>(arb: fc.Arbitrary<T>, p: number): fc.Arbitrary<T | null> =>
  fc.oneof(
    { weight: Math.round(p * 100), arbitrary: arb },
    { weight: Math.round((1 - p) * 100), arbitrary: fc.constant(null) },
  );

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The operations of an OpenAPI document: method, path template, parameter names and the JSON body schema. */
function operations(doc: unknown): Operation[] {
  const out: Operation[] = [];
  const paths = isObject(doc) && isObject(doc.paths) ? doc.paths : {};
  for (const [path, item] of Object.entries(paths)) {
    if (!isObject(item)) continue;
    for (const [method, op] of Object.entries(item)) {
      if (!isObject(op)) continue;
      const params = Array.isArray(op.parameters) ? op.parameters.filter(isObject) : [];
      const content = isObject(op.requestBody) && isObject(op.requestBody.content) ? op.requestBody.content : {};
      const json = content['application/json'];
      out.push({
        operationId: String(op.operationId),
        method: method.toUpperCase() as Method,
        path,
        pathParams: params.filter((p) => p.in === 'path').map((p) => String(p.name)),
        queryParams: params.filter((p) => p.in === 'query').map((p) => String(p.name)),
        body: isObject(json) && isObject(json.schema) ? json.schema : null,
      });
    }
  }
  return out;
}

/** Ids and names the fuzzer mixes into paths, bodies and filters. Filled in `beforeAll`. */
interface Pool {
  /** Ids of the guarded site G (reviews live and deleted, a contact, a webhook, the site). */
  guarded: string[];
  /** Ids of F's own reviews, contacts and webhooks. */
  own: string[];
  /** Entity ids of both sites. */
  entities: string[];
  siteIds: string[];
}

const NASTY_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '..',
  '../../etc/passwd',
  "' OR '1'='1",
  '1; DROP TABLE reviews; --',
  '%',
  '_',
  '\\',
  '"',
  '$where',
  '__proto__',
  'constructor',
  '😀',
  '\ud800',
  'ｅｎｔｉｔｙ',
  'x'.repeat(10_000),
  'NaN',
  '-1',
  '1e308',
  'null',
  'true',
];

/** Path parameter values: ids of every site, random GUIDs, and raw malicious segments (some deliberately unescaped). */
const pathValue = (pool: Pool): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...pool.guarded, ...pool.own).map(enc) },
    { weight: 1, arbitrary: fc.uuid().map(String) },
    { weight: 2, arbitrary: fc.constantFrom(...NASTY_STRINGS).map(enc) },
    {
      weight: 2,
      arbitrary: fc.constantFrom('%00', 'a%00b', '%ZZ', '%ED%A0%80', '..', '%2e%2e', '%2F', 'a;b', '%C0%AE'),
    },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }).map(enc) },
    { weight: 1, arbitrary: fc.constant(`${randomUUID()}%00`) },
  );

const HUGE_NUMBERS = [2_147_483_648, -2_147_483_649, 2 ** 53 + 2, 1e308, -1e308, 5e-324, -0, 1.5, 2 ** 53 + 1];

/** A number that is often outside what the field allows. */
const nastyNumber = fc.oneof(fc.constantFrom(...HUGE_NUMBERS), fc.double(), fc.integer());

/** Scalars of every JSON type, biased to the edges. */
const nastyScalar = (pool: Pool): fc.Arbitrary<unknown> =>
  fc.oneof(
    fc.constantFrom(...NASTY_STRINGS),
    fc.constantFrom(...pool.guarded, ...pool.entities),
    nastyNumber,
    fc.boolean(),
    fc.constant(null),
    fc.string({ unit: 'grapheme', maxLength: 30 }),
  );

const FILTER_FIELDS = [
  'id',
  '_id',
  'namespace',
  'entityId',
  'author.contactId',
  'moderation.moderationStatus',
  'content.rating',
  'createdDate',
  '_createdDate',
  'helpfulness',
  'relevanceScore',
  'verified',
  'origin.type',
  'content.media',
  'reviewDate',
  'updatedDate',
  'content.title',
  'unknown',
];
const FILTER_OPS = ['$eq', '$ne', '$in', '$lt', '$lte', '$gt', '$gte', '$isEmpty', '$nin', '$exists', '$regex'];

/** Wix query-language filters: valid and invalid fields, operators and values, nesting, and very wide `$or`s. */
function filterArb(pool: Pool): fc.Arbitrary<unknown> {
  const value = fc.oneof(
    nastyScalar(pool),
    fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
    fc.constantFrom(1, 2, 3, 4, 5, 'APPROVED', 'IN_MODERATION', 'ORGANIC'),
    fc.array(nastyScalar(pool), { maxLength: 5 }),
    fc.array(fc.integer(), { minLength: 99, maxLength: 120 }),
  );
  const condition = fc
    .tuple(fc.constantFrom(...FILTER_FIELDS), fc.constantFrom(...FILTER_OPS), value, fc.boolean())
    .map(([field, op, v, shorthand]) => (shorthand ? { [field]: v } : { [field]: { [op]: v } }));
  const { node } = fc.letrec<{ node: unknown }>((tie) => ({
    node: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      condition,
      fc.record({ $and: fc.array(tie('node'), { maxLength: 3 }) }),
      fc.record({ $or: fc.array(tie('node'), { maxLength: 3 }) }),
      fc.record({ $not: tie('node') }),
    ),
  }));
  const wide = fc
    .tuple(fc.constantFrom('$or', '$and'), fc.integer({ min: 400, max: 1500 }), fc.constantFrom(...FILTER_FIELDS))
    .map(([op, n, field]) => ({ [op]: Array.from({ length: n }, (_, i) => ({ [field]: `v${i}` })) }));
  const deep = fc.integer({ min: 6, max: 40 }).map((n) => {
    let f: unknown = { entityId: 'x' };
    for (let i = 0; i < n; i++) f = { $not: f };
    return f;
  });
  return fc.oneof({ weight: 5, arbitrary: node }, { weight: 2, arbitrary: wide }, { weight: 1, arbitrary: deep });
}

/**
 * A value for a JSON schema of the live OpenAPI document: mostly well-formed (so requests get past validation and
 * reach the services), with every part liable to be replaced by a wrong type, an edge value or random JSON, and
 * objects liable to grow unknown properties.
 */
function fromSchema(schema: unknown, pool: Pool, depth: number, name = ''): fc.Arbitrary<unknown> {
  if (!isObject(schema) || depth > 8) return fc.jsonValue({ maxDepth: 2 });
  const wellFormed = wellFormedFor(schema, pool, depth, name);
  return fc.oneof(
    { weight: 12, arbitrary: wellFormed },
    { weight: 1, arbitrary: nastyScalar(pool) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  );
}

function wellFormedFor(schema: Json, pool: Pool, depth: number, name: string): fc.Arbitrary<unknown> {
  if (name === 'filter') return filterArb(pool);
  if (Array.isArray(schema.anyOf) && schema.anyOf.length > 0) {
    return fc.oneof(...schema.anyOf.map((s) => fromSchema(s, pool, depth + 1, name)));
  }
  if (Array.isArray(schema.allOf) && schema.allOf.length > 0) {
    return fc
      .tuple(...schema.allOf.map((s) => fromSchema(s, pool, depth + 1, name)))
      .map((parts) => (parts.every(isObject) ? Object.assign({}, ...parts) : parts[0]));
  }
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return fc.constantFrom(...schema.enum);
  const orNull = (a: fc.Arbitrary<unknown>) => (schema.nullable ? fc.option(a, { nil: null, freq: 5 }) : a);
  switch (schema.type) {
    case 'object': {
      const props = isObject(schema.properties) ? schema.properties : {};
      const required = new Set(Array.isArray(schema.required) ? schema.required.map(String) : []);
      const entries = Object.entries(props).map(
        ([key, s]) =>
          [
            key,
            fc.option(fromSchema(s, pool, depth + 1, key), { nil: undefined, freq: required.has(key) ? 15 : 2 }),
          ] as const,
      );
      const record = fc.tuple(...entries.map(([, a]) => a)).map((values) => {
        const out: Json = {};
        entries.forEach(([key], i) => {
          if (values[i] !== undefined) out[key] = values[i];
        });
        return out;
      });
      const extra = sometimes(
        fc.dictionary(fc.constantFrom('extra', '$set', '__proto__x', 'id', 'siteId'), nastyScalar(pool)),
        0.1,
      );
      return orNull(fc.tuple(record, extra).map(([r, x]) => (x ? { ...r, ...x } : r)));
    }
    case 'array': {
      const max = typeof schema.maxItems === 'number' ? Math.min(schema.maxItems + 1, 4) : 4;
      return orNull(fc.array(fromSchema(schema.items, pool, depth + 1, name), { maxLength: max }));
    }
    case 'string': {
      const choices: fc.Arbitrary<unknown>[] = [fc.string({ maxLength: 20 }), fc.constantFrom(...NASTY_STRINGS)];
      if (typeof schema.pattern === 'string' && schema.pattern.includes('[0-9a-fA-F]{8}')) {
        choices.push(fc.constantFrom(...pool.guarded, ...pool.own), fc.uuid().map(String));
      }
      if (schema.format === 'date-time') choices.push(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()));
      if (schema.format === 'email') choices.push(fc.emailAddress());
      if (schema.format === 'uri' || name === 'url')
        choices.push(fc.constantFrom('http://127.0.0.1:9/hook', 'ftp://x', 'https://'));
      if (/entityId/i.test(name)) choices.push(fc.constantFrom(...pool.entities));
      if (schema.example !== undefined) choices.push(fc.constant(schema.example));
      if (typeof schema.maxLength === 'number') choices.push(fc.constant('y'.repeat(schema.maxLength + 1)));
      return orNull(fc.oneof(...choices));
    }
    case 'integer':
      return orNull(
        fc.oneof(
          fc.integer({
            min: typeof schema.minimum === 'number' ? schema.minimum : -5,
            max: typeof schema.maximum === 'number' ? schema.maximum : 1000,
          }),
          nastyNumber,
        ),
      );
    case 'number':
      return orNull(nastyNumber);
    case 'boolean':
      return orNull(fc.boolean());
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** Bodies that are not well-formed JSON of the right shape at all. */
const rawBody = fc.oneof(
  fc.constantFrom(
    '',
    '{',
    '{"a":}',
    'null',
    '[]',
    '"str"',
    '1e999999',
    '{"__proto__":{"admin":true}}',
    '{"constructor":{"prototype":{"x":1}}}',
    '{"a":"\\u0000"}',
    '\u0000',
    '{"a":1,"a":2}',
  ),
  fc.integer({ min: 60, max: 20_000 }).map((n) => `{"query":{"filter":${'['.repeat(n)}1${']'.repeat(n)}}}`),
  fc.integer({ min: 60, max: 5_000 }).map((n) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`),
  fc.constant(Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d])),
  fc.integer({ min: 70_000, max: 300_000 }).map((n) => `{"query":{"search":"${'a'.repeat(n)}"}}`),
  fc.jsonValue({ maxDepth: 6 }).map((v) => JSON.stringify(v)),
);

const CONTENT_TYPES = [
  'application/json',
  'application/json',
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=latin1',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/jsonx',
  '',
];

/** A query string: the operation's own parameters and strangers, with edge values, repeated keys and raw escapes. */
function queryString(op: Operation, pool: Pool): fc.Arbitrary<string> {
  const keys = [...op.queryParams, 'returnPrivateReviews', 'limit', 'cursor', 'reviewId', 'x', '__proto__', 'a[b]'];
  const value = fc.oneof(
    fc.constantFrom(...NASTY_STRINGS.slice(0, -6)).map(enc),
    fc.constantFrom(
      '%00',
      '%ZZ',
      '1',
      '0',
      '100',
      '101',
      '-1',
      '1e3',
      'true',
      'false',
      'APPROVED',
      'OPEN',
      'p1',
      'pzzzzzzzzzz',
    ),
    fc.constantFrom(...pool.guarded, ...pool.entities, ...pool.siteIds),
    fc.date({ noInvalidDate: true }).map((d) => enc(d.toISOString())),
    fc.string({ maxLength: 20 }).map(enc),
  );
  return fc.array(fc.tuple(fc.constantFrom(...keys), value), { maxLength: 5 }).map((pairs) =>
    pairs
      // The event feed's long-poll would legitimately hold the request: it is only ever asked to wait 0 s (or
      // given an invalid time).
      .map(([k, v]) => (k === 'waitSeconds' && /^[0-9]+$/.test(v) && v !== '0' && Number(v) <= 25 ? [k, '0'] : [k, v]))
      .map(([k, v]) => `${k}=${v}`)
      .join('&'),
  );
}

describe.each(dialects())('fuzzing every route on $name', (dialect) => {
  let db: TestDb;
  let t: TestApp;
  let f: TestSite;
  let g: TestSite;
  let h: TestSite;
  const pool: Pool = { guarded: [], own: [], entities: [], siteIds: [] };
  const callers: Record<string, string | undefined> = {};
  /** Dashboard users of F (owner, moderator) and of H (owner): a session cookie and its CSRF token. */
  const sessionCallers: Record<string, Record<string, string>> = {};
  let ops: Operation[] = [];

  /** Everything of G the guarantee covers, row by row. */
  async function guardedData() {
    const site = g.siteId;
    const [reviews, summaries, votes, reports, contacts, webhooks, events] = await Promise.all([
      t.deps.db.selectFrom('reviews').selectAll().where('site_id', '=', site).orderBy('id').execute(),
      t.deps.db.selectFrom('entity_summaries').selectAll().where('site_id', '=', site).orderBy('entity_id').execute(),
      t.deps.db.selectFrom('review_votes').selectAll().where('site_id', '=', site).orderBy('review_id').execute(),
      t.deps.db.selectFrom('review_reports').selectAll().where('site_id', '=', site).orderBy('id').execute(),
      t.deps.db.selectFrom('contacts').selectAll().where('site_id', '=', site).orderBy('id').execute(),
      t.deps.db.selectFrom('webhooks').selectAll().where('site_id', '=', site).orderBy('id').execute(),
      sql<{ n: number | string }>`select count(*) as n from outbox_events where site_id = ${site}`.execute(t.deps.db),
    ]);
    return { reviews, summaries, votes, reports, contacts, webhooks, events: Number(events.rows[0]?.n) };
  }
  let before: Awaited<ReturnType<typeof guardedData>>;

  const ok = (res: { status: number; body: unknown }, what: string) => {
    if (res.status !== 200) throw new Error(`setup: ${what} answered ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as Json;
  };

  beforeAll(async () => {
    db = await dialect.open();
    t = await startTestApp(db);
    // No webhook the fuzzer registers is ever called.
    await t.webhookWorker.stop();
    f = await buildSite(t);
    g = await buildSite(t);
    h = await buildSite(t);

    // The guarded site: published reviews (one with a reply and votes), a held one, a deleted one, a contact and a
    // webhook, all made with G's own credentials, which the fuzzer never sees.
    const gEntity = `g-${randomUUID().slice(0, 8)}`;
    const made: Json[] = [];
    for (const rating of [5, 3, 1]) {
      made.push(
        ok(
          await call(t.app, 'POST', '/reviews/v1/reviews', {
            auth: g.adminKey,
            body: reviewBody({ entityId: gEntity, content: { rating } }),
          }),
          'G review',
        ),
      );
    }
    const ids = made.map((b) => String((b.review as Json).id));
    const [first, second, third] = ids as [string, string, string];
    ok(
      await call(t.app, 'PATCH', `/reviews/v1/reviews/${first}/reply`, {
        auth: g.adminKey,
        body: { message: 'Thanks' },
      }),
      'G reply',
    );
    ok(
      await call(t.app, 'PATCH', `/reviews/v1/reviews/${second}/moderate`, {
        auth: g.adminKey,
        body: { status: 'REJECTED' },
      }),
      'G moderate',
    );
    ok(await call(t.app, 'DELETE', `/reviews/v1/reviews/${third}`, { auth: g.adminKey }), 'G delete');
    ok(
      await call(t.app, 'POST', `/verdict/v1/reviews/${first}/votes`, {
        auth: await g.visitorToken(),
        body: { vote: 'HELPFUL' },
      }),
      'G vote',
    );
    const contact = ok(
      await call(t.app, 'POST', '/contacts/v4/contacts', {
        auth: g.adminKey,
        body: { info: { name: { first: 'Gail' }, emails: { items: [{ email: `gail-${randomUUID()}@example.com` }] } } },
      }),
      'G contact',
    );
    const hook = ok(
      await call(t.app, 'POST', '/verdict/v1/webhooks', {
        auth: g.adminKey,
        body: {
          webhook: { url: 'http://127.0.0.1:9/hook', eventTypes: ['wix.reviews.v1.review_updated'], format: 'json' },
        },
      }),
      'G webhook',
    );
    pool.guarded.push(...ids, String((contact.contact as Json).id), String((hook.webhook as Json).id), g.siteId);
    pool.entities.push(gEntity);

    // F's own reviews, for requests that may legitimately succeed.
    const fEntity = `f-${randomUUID().slice(0, 8)}`;
    for (const rating of [4, 2]) {
      const r = ok(
        await call(t.app, 'POST', '/reviews/v1/reviews', {
          auth: f.adminKey,
          body: reviewBody({ entityId: fEntity, content: { rating } }),
        }),
        'F review',
      );
      pool.own.push(String((r.review as Json).id));
    }
    pool.entities.push(fEntity, 'stores');
    pool.siteIds.push(f.siteId, g.siteId, h.siteId);

    callers.none = undefined;
    callers.garbage = 'Bearer not-a-token';
    callers.visitor = await f.visitorToken();
    callers.member = await f.memberToken(randomUUID());
    callers.appRead = await f.appKey(['reviews.read']);
    callers.appNoScope = await f.appKey([]);
    callers.otherAdmin = h.adminKey;
    callers.admin = f.adminKey;
    sessionCallers.ownerSession = (await f.dashboardUser('owner')).headers;
    sessionCallers.moderatorSession = (await f.dashboardUser('moderator')).headers;
    sessionCallers.otherOwnerSession = (await h.dashboardUser('owner')).headers;

    ops = operations((await call(t.app, 'GET', '/openapi.json')).body);
    // Wait for G's setup to settle (its summaries are written in the same transactions; nothing runs after).
    await waitFor('G rating summaries', async () => ((await guardedData()).summaries.length > 0 ? true : undefined));
    before = await guardedData();
  }, 60_000);

  afterAll(async () => {
    await t?.close();
    await db?.dispose();
  });

  it('enumerates the routes of /openapi.json: exactly the operations of the catalogue', () => {
    expect(ops.map((o) => o.operationId).sort()).toEqual([...OPERATION_NAMES].sort());
    expect(ops.some((o) => o.pathParams.includes('reviewId'))).toBe(true);
  });

  /** One generated request for an operation. */
  function requestArb(): fc.Arbitrary<FuzzRequest> {
    return fc
      .constantFrom(...ops)
      .chain((op) =>
        fc.record({
          op: fc.constant(op),
          method: fc.oneof(
            { weight: 19, arbitrary: fc.constant(op.method) },
            { weight: 1, arbitrary: fc.constantFrom<Method>('GET', 'POST', 'PATCH', 'PUT', 'DELETE') },
          ),
          prefix: fc.constantFrom(...API_PREFIXES.reviews),
          params: fc.array(pathValue(pool), { minLength: op.pathParams.length, maxLength: op.pathParams.length }),
          query: queryString(op, pool),
          body: op.body
            ? fc.oneof(
                { weight: 5, arbitrary: fromSchema(op.body, pool, 0).map((v) => JSON.stringify(v) ?? 'null') },
                { weight: 1, arbitrary: rawBody },
              )
            : sometimes(rawBody, 0.2).map((b) => b ?? undefined),
          caller: fc.oneof(
            // Mostly the site's owner, so most requests get past the permission check and reach validation and
            // the services.
            ...[...Object.keys(callers), ...Object.keys(sessionCallers)].map((c) => ({
              weight: CALLER_WEIGHTS[c] ?? 1,
              arbitrary: fc.constant(c),
            })),
          ),
          contentType: fc.constantFrom(...CONTENT_TYPES),
          idempotencyKey: sometimes(
            fc.constantFrom('k1', 'k2', '', ' ', 'x'.repeat(300), 'ключ', 'a b', randomUUID()),
            0.3,
          ),
          siteHeader: sometimes(fc.constantFrom(...pool.siteIds, 'not-a-site', ''), 0.15),
        }),
      )
      .map((r) => {
        let i = 0;
        let path = r.op.path.replace(/\{[^}]+\}/g, () => r.params[i++] ?? '');
        if (underPrefix(path, API_PREFIXES.reviews[0])) path = r.prefix + path.slice(API_PREFIXES.reviews[0].length);
        const headers: Record<string, string> = {};
        const auth = callers[r.caller];
        if (auth !== undefined) headers.authorization = auth;
        Object.assign(headers, sessionCallers[r.caller] ?? {});
        if (r.idempotencyKey !== null) headers['idempotency-key'] = r.idempotencyKey;
        if (r.siteHeader !== null) headers['wix-site-id'] = r.siteHeader;
        if (r.body !== undefined && r.contentType !== '') headers['content-type'] = r.contentType;
        return {
          method: r.method,
          url: r.query ? `${path}?${r.query}` : path,
          headers,
          ...(r.body === undefined ? {} : { payload: r.body }),
        };
      });
  }

  async function send(req: FuzzRequest) {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)), REQUEST_TIMEOUT_MS);
    });
    try {
      return await Promise.race([
        t.app.inject({ method: req.method, url: req.url, headers: req.headers, payload: req.payload }),
        deadline,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  const describeRequest = (req: FuzzRequest) => {
    const payload = req.payload === undefined ? '' : String(req.payload);
    return `${req.method} ${req.url.slice(0, 300)} ${JSON.stringify(req.headers).slice(0, 300)} ${payload.slice(0, 500)}${payload.length > 500 ? `… (${payload.length} chars)` : ''}`;
  };

  it(`never answers 5xx, always a Wix error body on 4xx, never hangs (${RUNS} runs, seed ${SEED})`, async () => {
    const started = Date.now();
    let statuses: Record<number, number> = {};
    try {
      await fc.assert(
        fc.asyncProperty(requestArb(), async (req) => {
          const res = await send(req);
          statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
          if (res.statusCode >= 500)
            throw new Error(`${res.statusCode} for ${describeRequest(req)}: ${res.body.slice(0, 300)}`);
          if (res.statusCode >= 400 && !isWixErrorBody(res.body)) {
            throw new Error(
              `${res.statusCode} without the Wix error body for ${describeRequest(req)}: ${res.body.slice(0, 300)}`,
            );
          }
          // Every error code is one the catalogue lists for the operation the request reached.
          const routed = routedOperation(req.method, req.url);
          const code = res.statusCode >= 400 ? errorCode(res.body) : undefined;
          if (routed && code && code !== 'ROUTE_NOT_FOUND' && !(possibleErrors(routed) as string[]).includes(code)) {
            throw new Error(
              `${routed} answered ${res.statusCode} ${code}, which the catalogue does not list for it, for ${describeRequest(req)}`,
            );
          }
        }),
        { seed: SEED, numRuns: RUNS, endOnFailure: true },
      );
    } catch (err) {
      throw new Error(`fuzzing failed on ${dialect.name} with FUZZ_SEED=${SEED}: ${(err as Error).message}`);
    } finally {
      statuses = Object.fromEntries(Object.entries(statuses).sort());
      console.info(
        `fuzz on ${dialect.name}: ${RUNS} requests in ${Date.now() - started} ms, statuses ${JSON.stringify(statuses)}`,
      );
    }
  }, 120_000);

  it("left the guarded site's reviews, summaries, votes, reports, contacts, webhooks and events as they were", async () => {
    expect(await guardedData()).toEqual(before);
  });
});

/** The Wix error body: a message and exactly one of an application error or a non-empty list of field violations. */
function isWixErrorBody(text: string): boolean {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return false;
  }
  if (!isObject(body) || typeof body.message !== 'string' || !isObject(body.details)) return false;
  const { applicationError, validationError } = body.details;
  if (isObject(applicationError)) {
    return typeof applicationError.code === 'string' && typeof applicationError.description === 'string';
  }
  return (
    isObject(validationError) &&
    Array.isArray(validationError.fieldViolations) &&
    validationError.fieldViolations.length > 0 &&
    validationError.fieldViolations.every(
      (v) => isObject(v) && typeof v.field === 'string' && typeof v.description === 'string',
    )
  );
}

/** The code of a Wix error body: `applicationError.code`, or INVALID_ARGUMENT for field violations. */
function errorCode(text: string): string | undefined {
  const body: unknown = JSON.parse(text);
  if (!isObject(body) || !isObject(body.details)) return undefined;
  const { applicationError } = body.details;
  return isObject(applicationError) ? String(applicationError.code) : 'INVALID_ARGUMENT';
}

/**
 * The catalogue operation the router sends `method url` to: the canonical prefix put back for an alias, then the
 * operation whose path template matches, a static segment before a parameter (as the router prefers).
 */
function routedOperation(method: Method, url: string): OperationName | undefined {
  let path = url.split('?')[0] ?? '';
  for (const [canonical, ...aliases] of Object.values(API_PREFIXES)) {
    const alias = aliases.find((a) => underPrefix(path, a));
    if (alias) path = canonical + path.slice(alias.length);
  }
  const matching = OPERATION_NAMES.filter((name) => {
    const op = catalogued(name);
    const pattern = op.path.replace(/[.]/g, '\\.').replace(/:\w+/g, '[^/]+');
    return op.method === method && new RegExp(`^${pattern}$`).test(path);
  });
  const params = (name: OperationName) => (catalogued(name).path.match(/:/g) ?? []).length;
  return matching.sort((a, b) => params(a) - params(b))[0];
}
