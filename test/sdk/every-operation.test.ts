/**
 * Every operation of the catalogue has exactly one named SDK method, and docs/sdk.md lists each of them. Each method
 * is called once against a fetch that records the request and answers 200 `{}`; the request's method and path name
 * the operation it reached (its row of `routes.ts`). So a catalogue operation without a method, a method without an
 * example here, two methods on one operation, or a method sending something else, all fail. Public operations go
 * without credentials, the others with the client's.
 */
import { readFileSync } from 'node:fs';
import { createClient, type VerdictClient } from 'verdict/sdk';
import { beforeAll, describe, expect, it } from 'vitest';
import { OPERATION_NAMES, type OperationName, operation } from '../../src/contract/operations/index.ts';

/** One call of each SDK method that makes a request, keyed by its path on the client. */
const EXAMPLES: Record<string, (c: VerdictClient) => unknown> = {
  'reviews.createReview': (c) => c.reviews.createReview({ namespace: 'stores', entityId: 'p', content: { rating: 5 } }),
  'reviews.createReviewAndContact': (c) => c.reviews.createReviewAndContact('stores', 'p', { rating: 5 }),
  'reviews.getReview': (c) => c.reviews.getReview('r1'),
  'reviews.updateReview': (c) => c.reviews.updateReview('r1', { revision: '1' }),
  'reviews.updateReviewContent': (c) => c.reviews.updateReviewContent('r1', { content: { rating: 4 } }),
  'reviews.deleteReview': (c) => c.reviews.deleteReview('r1'),
  'reviews.queryReviews': (c) => c.reviews.queryReviews().find(),
  'reviews.countReviews': (c) => c.reviews.countReviews(),
  'reviews.setReply': (c) => c.reviews.setReply('r1', 'Thanks'),
  'reviews.removeReply': (c) => c.reviews.removeReply('r1'),
  'reviews.updateModerationStatus': (c) => c.reviews.updateModerationStatus('r1', { status: 'APPROVED' }),
  'reviews.bulkCreateReview': (c) => c.reviews.bulkCreateReview([]),
  'reviews.bulkDeleteReviews': (c) => c.reviews.bulkDeleteReviews({ filter: { entityId: 'p' } }),
  'reviews.bulkUpdateModerationStatus': (c) =>
    c.reviews.bulkUpdateModerationStatus({ filter: { entityId: 'p' }, status: 'REJECTED' }),
  'reviews.castVote': (c) => c.reviews.castVote('r1', 'HELPFUL'),
  'reviews.reportReview': (c) => c.reviews.reportReview('r1', { reason: 'SPAM' }),
  'ratings.getRatingSummary': (c) => c.ratings.getRatingSummary('stores', 'p'),
  'ratings.batchRatingSummaries': (c) => c.ratings.batchRatingSummaries('stores', ['p']),
  'contacts.createContact': (c) => c.contacts.createContact({ name: { first: 'Ann' } }),
  'contacts.getContact': (c) => c.contacts.getContact('c1'),
  'contacts.queryContacts': (c) => c.contacts.queryContacts(),
  'contacts.createMemberToken': (c) => c.contacts.createMemberToken('c1'),
  'jobs.getJob': (c) => c.jobs.getJob('j1'),
  'webhooks.create': (c) =>
    c.webhooks.create({
      url: 'https://hooks.example.com',
      eventTypes: ['wix.reviews.v1.review_created'],
      format: 'json',
    }),
  'webhooks.list': (c) => c.webhooks.list(),
  'webhooks.get': (c) => c.webhooks.get('w1'),
  'webhooks.update': (c) => c.webhooks.update('w1', { format: 'wix' }),
  'webhooks.delete': (c) => c.webhooks.delete('w1'),
  'webhooks.getPublicKey': (c) => c.webhooks.getPublicKey(),
  'webhooks.deliveries.list': (c) => c.webhooks.deliveries.list('w1', { limit: 5 }),
  'webhooks.deliveries.redeliver': (c) => c.webhooks.deliveries.redeliver('w1', 'd1'),
  'moderation.rules.get': (c) => c.moderation.rules.get('stores'),
  'moderation.rules.update': (c) => c.moderation.rules.update({ namespace: 'stores', rules: [] }),
  'moderation.rules.preview': (c) => c.moderation.rules.preview({ namespace: 'stores', review: { rating: 1 } }),
  'moderation.rules.versions.list': (c) => c.moderation.rules.versions.list('stores', { limit: 10 }),
  'moderation.rules.versions.get': (c) => c.moderation.rules.versions.get('stores', 2),
  'moderation.audit.query': (c) => c.moderation.audit.query({ reviewId: 'r1' }),
  'trash.list': (c) => c.trash.list(),
  'trash.restore': (c) => c.trash.restore('r1'),
  'reports.list': (c) => c.reports.list('r1'),
  'reports.dismiss': (c) => c.reports.dismiss('r1'),
  'privacy.exportContact': (c) => c.privacy.exportContact('c1'),
  'privacy.eraseContact': (c) => c.privacy.eraseContact('c1'),
  'settings.site.get': (c) => c.settings.site.get(),
  'settings.site.update': (c) => c.settings.site.update({ moderation: { mode: 'APPROVE_ALL', heldRatings: [] } }),
  'settings.engagement.get': (c) => c.settings.engagement.get(),
  'settings.engagement.update': (c) => c.settings.engagement.update({ reportThreshold: 3 }),
  'metrics.read': (c) => c.metrics.read(),
  'keys.list': (c) => c.keys.list({ limit: 20 }),
  'keys.create': (c) => c.keys.create({ name: 'Shop backend', scopes: ['reviews.read'] }),
  'keys.revoke': (c) => c.keys.revoke('k1'),
  'imports.start': (c) => c.imports.start('{}', { format: 'verdict', dryRun: true }),
  'exports.download': (c) => c.exports.download({ format: 'ndjson' }),
  'insights.get': (c) =>
    c.insights.get({ namespace: 'stores', from: '2026-01-01T00:00:00Z', to: '2026-07-01T00:00:00Z', top: 5 }),
  'dashboard.signIn': (c) => c.dashboard.signIn({ email: 'ann@example.com', password: 'correct horse battery' }),
  'dashboard.getSession': (c) => c.dashboard.getSession(),
  'dashboard.signOut': (c) => c.dashboard.signOut({ everywhere: true }),
  'dashboard.changePassword': (c) =>
    c.dashboard.changePassword({ currentPassword: 'correct horse battery', newPassword: 'staple battery horse' }),
  'dashboard.sessions.list': (c) => c.dashboard.sessions.list({ userId: 'u1' }),
  'dashboard.sessions.end': (c) => c.dashboard.sessions.end('s1'),
  'dashboard.users.list': (c) => c.dashboard.users.list({ limit: 20 }),
  'dashboard.users.create': (c) =>
    c.dashboard.users.create({ email: 'bo@example.com', role: 'moderator', password: 'a long first password' }),
  'dashboard.users.update': (c) => c.dashboard.users.update('u1', { role: 'owner' }),
  'dashboard.users.delete': (c) => c.dashboard.users.delete('u1'),
  'dashboard.audit.query': (c) => c.dashboard.audit.query({ limit: 20 }),
  'storefront.getReviewPage': (c) => c.storefront.getReviewPage({ site: 's', namespace: 'stores', entityId: 'p' }),
  'storefront.getReviewFragment': (c) =>
    c.storefront.getReviewFragment({ site: 's', namespace: 'stores', entityId: 'p' }),
  'storefront.getProductJsonLd': (c) =>
    c.storefront.getProductJsonLd({ site: 's', namespace: 'stores', entityId: 'p', name: 'Boot' }),
  'visitors.createAccessToken': (c) => c.visitors.createAccessToken({ grantType: 'anonymous', clientId: 's' }),
  'events.read': (c) => c.events.read({ limit: 10, waitSeconds: 0 }),
};

/** The client's functions that make no request of their own: handler registration, the feed loop, call, elevate. */
const NOT_ONE_OPERATION = [
  'call',
  'elevate',
  'events.start',
  'events.stop',
  'reviews.onReviewCreated',
  'reviews.onReviewDeleted',
  'reviews.onReviewModerationStatusChanged',
  'reviews.onReviewPublished',
  'reviews.onReviewUpdated',
];

/** Every function reachable on `value` by property paths: own properties, and the methods of a class instance. */
function functionPaths(value: object, prefix = ''): string[] {
  const keys = new Set(Object.keys(value));
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto && proto !== Object.prototype) {
    for (const key of Object.getOwnPropertyNames(proto)) {
      const descriptor = Object.getOwnPropertyDescriptor(proto, key);
      if (key !== 'constructor' && typeof descriptor?.value === 'function') keys.add(key);
    }
  }
  const out: string[] = [];
  for (const key of keys) {
    const member: unknown = Reflect.get(value, key);
    if (typeof member === 'function') out.push(prefix + key);
    else if (typeof member === 'object' && member !== null) out.push(...functionPaths(member, `${prefix}${key}.`));
  }
  return out;
}

/** The operation a request reached: the route of its method whose template matches its path (literal rows first). */
function operationOf(method: string, path: string): OperationName | undefined {
  const candidates = OPERATION_NAMES.filter((name) => {
    const route = operation(name);
    const pattern = new RegExp(`^${route.path.replace(/\./g, '\\.').replace(/:\w+/g, '[^/]+')}$`);
    return route.method === method && pattern.test(path);
  });
  const params = (name: OperationName) => (operation(name).path.match(/:/g) ?? []).length;
  return candidates.sort((a, b) => params(a) - params(b))[0];
}

interface Sent {
  method: string;
  path: string;
  authorization: string | null;
}

describe('the SDK reaches every operation of the catalogue', () => {
  /** For each method: what it sent. */
  const reached = new Map<string, Sent[]>();
  const client = () => {
    const sent: Sent[] = [];
    const fetch: typeof globalThis.fetch = async (input, init) => {
      const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
      sent.push({
        method: init?.method ?? 'GET',
        path: url.pathname,
        authorization: new Headers(init?.headers).get('authorization'),
      });
      return new Response('{}', { status: 200, headers: { 'content-type': 'application/json' } });
    };
    return { sent, sdk: createClient({ baseUrl: 'http://verdict.test', auth: { apiKey: 'vdt_admin_k' }, fetch }) };
  };

  beforeAll(async () => {
    for (const [path, example] of Object.entries(EXAMPLES)) {
      const { sent, sdk } = client();
      // The fake answer `{}` is not what most operations return; only the request matters here.
      await Promise.resolve()
        .then(() => example(sdk))
        .catch(() => undefined);
      reached.set(path, sent);
    }
  });

  it('every function of a client is either an example here or makes no request of its own', () => {
    const paths = functionPaths(client().sdk).sort();
    expect(paths).toEqual([...Object.keys(EXAMPLES), ...NOT_ONE_OPERATION].sort());
  });

  it('each method sends exactly one request, to an operation of the catalogue', () => {
    for (const [path, sent] of reached) {
      expect([path, sent.length]).toEqual([path, 1]);
      const [request] = sent;
      expect([path, request && operationOf(request.method, request.path)]).not.toEqual([path, undefined]);
    }
  });

  it('every operation is reached by exactly one method', () => {
    const methodsOf = new Map<OperationName, string[]>(OPERATION_NAMES.map((name) => [name, []]));
    for (const [path, [request]] of reached) {
      const name = request && operationOf(request.method, request.path);
      if (name) methodsOf.get(name)?.push(path);
    }
    const notExactlyOne = [...methodsOf].filter(([, methods]) => methods.length !== 1);
    expect(notExactlyOne).toEqual([]);
  });

  it('public operations are sent without credentials, the others with the client’s', () => {
    for (const [path, [request]] of reached) {
      const name = request && operationOf(request.method, request.path);
      if (!name || !request) continue;
      const expected = operation(name).access.public === true ? null : 'vdt_admin_k';
      expect([path, request.authorization]).toEqual([path, expected]);
    }
  });

  it('docs/sdk.md lists every method with the operation it calls', () => {
    const doc = readFileSync(new URL('../../docs/sdk.md', import.meta.url), 'utf8');
    const section = doc.split(/^## /m).find((s) => s.startsWith('Every method'));
    expect(section, 'docs/sdk.md has a section "## Every method"').toBeDefined();
    const listed = [...(section ?? '').matchAll(/^\| `([\w.]+)\(.*?\)` \| `(\w+)` \|/gm)].map(
      (m) => `${m[1]} → ${m[2]}`,
    );
    const actual = [...reached].map(
      ([path, [request]]) => `${path} → ${request && operationOf(request.method, request.path)}`,
    );
    expect(listed.sort()).toEqual(actual.sort());
  });
});
