/**
 * Plumbing for driving a listening Verdict server with the official `@wix/sdk` exactly as a shop developer would:
 * `host.apiBaseUrl` names the server, and a `fetch` that turns the SDK's hard-coded `https://` into `http://`.
 * Every request the SDK makes is recorded so tests can assert the wire paths it chose.
 */
import type { AddressInfo } from 'node:net';
import { reviews } from '@wix/reviews';
import { ApiKeyStrategy, createClient, OAuthStrategy, type Tokens } from '@wix/sdk';
import { type TestApp, type TestSite, waitFor } from '../support/app.ts';

/** The token endpoint the SDK's OAuthStrategy always calls, whatever `host.apiBaseUrl` says. */
const WIX_OAUTH_TOKEN_URL = 'https://www.wixapis.com/oauth2/token';

export interface SentRequest {
  method: string;
  path: string;
}

export interface LocalServer {
  port: number;
  /** `http://127.0.0.1:<port>` */
  base: string;
  /**
   * Every request the SDK sent through `fetch`, in order: path + query for the server, the full original URL for
   * the Wix token endpoint.
   */
  sent: SentRequest[];
  /** The fetch handed to `createClient`: https → http for the server, the Wix token endpoint → the server. */
  fetch: typeof fetch;
}

/** Starts `t` listening on an ephemeral port of 127.0.0.1. */
export async function listenLocally(t: TestApp): Promise<LocalServer> {
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = t.app.server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;
  const sent: SentRequest[] = [];
  const realFetch = globalThis.fetch;
  const rewrite: typeof fetch = async (input, init) => {
    const raw = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const method = init?.method ?? 'GET';
    if (raw.startsWith(WIX_OAUTH_TOKEN_URL)) {
      sent.push({ method, path: raw });
      return realFetch(`${base}/oauth2/token${raw.slice(WIX_OAUTH_TOKEN_URL.length)}`, init);
    }
    const parsed = new URL(raw);
    sent.push({ method, path: `${parsed.pathname}${parsed.search}` });
    return realFetch(raw.replace(/^https:\/\//, 'http://'), init);
  };
  return { port, base, sent, fetch: rewrite };
}

/** A client authenticated with the site's admin API key, as a shop backend would build it. */
export function adminClient(server: LocalServer, site: TestSite, apiKey = site.adminKey) {
  return createClient({
    modules: { reviews },
    auth: ApiKeyStrategy({ apiKey, siteId: site.siteId }),
    host: { apiBaseUrl: `127.0.0.1:${server.port}` },
    fetch: server.fetch,
  });
}

/**
 * A visitor client (OAuthStrategy with the site's public client id). `useCDN: false` keeps requests on
 * `apiBaseUrl` instead of edge.wixapis.com.
 */
export function visitorClient(server: LocalServer, site: TestSite, tokens?: Tokens) {
  return createClient({
    modules: { reviews },
    auth: OAuthStrategy({ clientId: site.clientId, ...(tokens ? { tokens } : {}) }),
    host: { apiBaseUrl: `127.0.0.1:${server.port}` },
    useCDN: false,
    fetch: server.fetch,
  });
}

/**
 * The SDK's OAuthStrategy fetches tokens with the global `fetch`, ignoring `createClient({ fetch })`; while a
 * test runs, the global is swapped for the server's rewriting fetch. Returns the function that restores it.
 */
export function routeGlobalFetchTo(server: LocalServer): () => void {
  const original = globalThis.fetch;
  globalThis.fetch = server.fetch;
  return () => {
    globalThis.fetch = original;
  };
}

export interface JobView {
  id: string;
  status: string;
  processed: number;
  succeeded: number;
  failed: number;
}

/** Polls `GET /verdict/v1/jobs/:jobId` with the admin key until the job has finished; returns the final job. */
export function jobFinished(server: LocalServer, site: TestSite, jobId: string): Promise<JobView> {
  return waitFor(`job ${jobId} to finish`, async () => {
    const res = await fetch(`${server.base}/verdict/v1/jobs/${jobId}`, {
      headers: { authorization: site.adminKey, 'wix-site-id': site.siteId },
    });
    if (res.status !== 200) throw new Error(`GET job ${jobId}: HTTP ${res.status} ${await res.text()}`);
    const { job } = (await res.json()) as { job: JobView };
    return job.status === 'COMPLETED' || job.status === 'FAILED' ? job : undefined;
  });
}

/** What the SDK throws for a non-200 answer (after `@wix/sdk-runtime` transform-error). */
export interface SdkError {
  status: number;
  requestId: string | null;
  details: {
    applicationError?: { code: string; description: string; data: Record<string, unknown> };
    validationError?: { fieldViolations: { field: string; description: string; violatedRule?: string }[] };
    requestId: string | null;
  };
}

/** Runs `fn`, which must throw, and returns the SDK error it threw. */
export async function sdkError(fn: () => Promise<unknown>): Promise<SdkError> {
  try {
    await fn();
  } catch (err) {
    return err as SdkError;
  }
  throw new Error('expected the SDK call to throw');
}
