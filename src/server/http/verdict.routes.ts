/**
 * Handlers of Verdict's own operations beside the Wix API (catalogue: `src/contract/operations/verdict.ts`): job
 * status, the event feed, rating summaries, member tokens, site settings, and the metrics scrape.
 */
import { AppError } from '../errors.ts';
import { getJob } from '../jobs/jobs.service.ts';
import { readEvents } from '../outbox/events-feed.service.ts';
import { readPage } from '../page-cache/page-cache.ts';
import { PRIVATE_CACHING, sendPage, serialized } from '../page-cache/page-reply.ts';
import { getSiteSettings, updateSiteSettings } from '../sites/sites.service.ts';
import { batchRatingSummaries, getRatingSummary, sharedSummary } from '../summaries/summaries.service.ts';
import type { Handlers } from './route.ts';

export const verdictHandlers = {
  readEvents: (deps, req) =>
    readEvents(deps, req.principal.siteId, {
      after: req.query.after,
      limit: req.query.limit ? Number(req.query.limit) : undefined,
      waitSeconds: req.query.waitSeconds ? Number(req.query.waitSeconds) : undefined,
      ...(deps.shutdown ? { signal: deps.shutdown } : {}),
    }),
  getJob: async (deps, req) => ({ job: await getJob(deps, req.principal, req.params.jobId) }),
  // The same for every caller of the site (nothing in it depends on who asks): kept in the page cache, with an ETag.
  getRatingSummary: async (deps, req) => {
    const { namespace, entityId } = req.query;
    const siteId = req.principal.siteId;
    const { request, reply } = req.http;
    const page = await readPage(deps.pageCache, 'summary', sharedSummary(siteId, namespace, entityId), async () => ({
      body: serialized(reply, { summary: await getRatingSummary(deps, siteId, namespace, entityId) }),
      siteId,
      entityId,
    }));
    return sendPage(request, reply, page, 'application/json; charset=utf-8', PRIVATE_CACHING);
  },
  batchRatingSummaries: async (deps, req) => ({
    summaries: await batchRatingSummaries(deps, req.principal.siteId, req.body.namespace, req.body.entityIds),
  }),
  createMemberToken: async (deps, req) => {
    const ttl = req.body.ttlSeconds ?? 3600;
    return {
      accessToken: await deps.auth.mintMemberToken(req.principal.siteId, req.body.contactId, ttl),
      expiresIn: ttl,
    };
  },
  getSiteSettings: async (deps, req) => ({ settings: await getSiteSettings(deps, req.principal.siteId) }),
  updateSiteSettings: async (deps, req) => ({
    settings: await updateSiteSettings(deps, req.principal.siteId, req.body.settings),
  }),
  // Mounted only when this port serves metrics (build-server.ts); the check keeps the handler total.
  readMetrics: async (deps, req) => {
    const metrics = deps.metrics;
    if (!metrics) throw new AppError('not_found', 'ROUTE_NOT_FOUND', `No route GET ${req.http.request.url}`);
    const { reply } = req.http;
    return reply.type(metrics.registry.contentType).send(await metrics.scrape(req.http.request.log));
  },
} satisfies Partial<Handlers>;
