/**
 * Plumbing for driving a listening Verdict server with `verdict/sdk`: a real server on an ephemeral port, a clock
 * tests can move, and a fetch that records every request the SDK sends.
 */
import type { AddressInfo } from 'node:net';
import { type ClientAuth, createClient, type VerdictClient, VerdictError } from 'verdict/sdk';
import { createApp } from '../../src/server/app.ts';
import { loadConfig } from '../../src/server/config.ts';
import type { TestApp, TestSite } from '../support/app.ts';
import type { TestDb } from '../support/databases.ts';

export interface SentRequest {
  method: string;
  path: string;
  body: unknown;
}

export interface SdkServer {
  t: TestApp;
  baseUrl: string;
  /** Every request SDK clients made through `fetch`, in order. */
  sent: SentRequest[];
  fetch: typeof fetch;
  /** Moves the server clock (tokens expire by it). */
  advance(ms: number): void;
  client(site: TestSite, auth: ClientAuth | 'admin' | 'visitor', opts?: { adminApiKey?: string }): VerdictClient;
  close(): Promise<void>;
}

/** Starts an app over `db` with a movable clock, listening on 127.0.0.1:0. */
export async function startSdkServer(db: TestDb): Promise<SdkServer> {
  let offset = 0;
  const config = loadConfig({ LOG_LEVEL: 'silent', JOB_POLL_INTERVAL_MS: '50', VISITOR_TOKEN_TTL_SECONDS: '3600' });
  const ctx = await createApp(db, config, { logger: false, clock: () => new Date(Date.now() + offset) });
  await ctx.app.ready();
  ctx.worker.start();
  await ctx.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = ctx.app.server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;
  const sent: SentRequest[] = [];
  const recording: typeof fetch = async (input, init) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const body = typeof init?.body === 'string' ? JSON.parse(init.body) : undefined;
    sent.push({ method: init?.method ?? 'GET', path: `${url.pathname}${url.search}`, body });
    return globalThis.fetch(input, init);
  };
  const t: TestApp = {
    ...ctx,
    db,
    async close() {
      await t.app.close();
      await t.worker.stop();
    },
  };
  return {
    t,
    baseUrl,
    sent,
    fetch: recording,
    advance(ms) {
      offset += ms;
    },
    client(site, auth, opts = {}) {
      const resolved: ClientAuth =
        auth === 'admin'
          ? { apiKey: site.adminKey }
          : auth === 'visitor'
            ? { anonymous: { clientId: site.clientId } }
            : auth;
      return createClient({ baseUrl, auth: resolved, siteId: site.siteId, fetch: recording, ...opts });
    },
    close: () => t.close(),
  };
}

/** The VerdictError `p` (or the call `p` makes) rejects with; fails the test when it resolves or rejects otherwise. */
export async function verdictError(p: Promise<unknown> | (() => Promise<unknown>)): Promise<VerdictError> {
  const err = await (typeof p === 'function' ? p() : p).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof VerdictError)) throw new Error(`expected a VerdictError, got ${String(err)}`);
  return err;
}
