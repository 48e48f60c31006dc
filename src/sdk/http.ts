/**
 * The SDK's transport: `fetch` only (Node 20 and browsers), the caller's credentials in `Authorization` exactly as
 * the official SDK sends them, Wix error bodies turned into `VerdictError`, and anonymous visitor tokens fetched
 * and refreshed by the client itself (an expired token is refreshed once and the call retried). Requests are made
 * with the catalogue's typed `call` (`src/contract/operations/call.ts`): no path or response type is written here.
 */
import { type Call, type CallOutput, type CallRequest, createCall } from '../contract/operations/call.ts';
import type { OperationName } from '../contract/operations/names.ts';
import * as routes from '../contract/operations/routes.ts';
import { errorFromResponse, VerdictError } from './errors.ts';

/** Visitor tokens as the client keeps them; persist them (see `onTokens`) to keep the same visitor across loads. */
export interface VisitorTokens {
  accessToken: string;
  refreshToken: string;
  /** Epoch milliseconds after which the access token is refreshed before use. */
  expiresAt: number;
}

/** Who the client acts as. */
export type ClientAuth =
  /** An admin (`vdt_admin_…`) or app (`vdt_app_…`) API key. Server-side only: never ship a key to a browser. */
  | { apiKey: string }
  /**
   * A member token minted by the shop backend (`contacts.createMemberToken`). A function is called again when the
   * server answers UNAUTHENTICATED, so it can mint a fresh token.
   */
  | { memberToken: string | (() => string | Promise<string>) }
  /** An anonymous visitor of the site with this public client id; tokens are fetched and refreshed automatically. */
  | { anonymous: { clientId: string; tokens?: VisitorTokens; onTokens?: (tokens: VisitorTokens) => void } };

/** One set of credentials: the `Authorization` value (none for public calls), and how to renew it after UNAUTHENTICATED. */
export interface Credentials {
  authorization(): Promise<string | undefined>;
  /** Renews the credential; false when renewing cannot help (an API key). */
  renew(): Promise<boolean>;
}

export interface TransportOptions {
  baseUrl: string;
  siteId?: string;
  fetch: typeof fetch;
}

/** Sends the catalogue's operations as JSON requests; success is HTTP 200 only, like the official SDK. */
export class Transport {
  /** Any operation of the catalogue, typed from it, with these credentials. */
  readonly call: Call<OperationName>;

  constructor(
    private readonly opts: TransportOptions,
    private readonly credentials: Credentials,
  ) {
    this.call = createCall(routes, (request) => this.send(request));
  }

  private async send(request: CallRequest): Promise<unknown> {
    try {
      return await this.sendAs(request, await this.credentials.authorization());
    } catch (err) {
      if (!(err instanceof VerdictError) || err.code !== 'UNAUTHENTICATED' || !(await this.credentials.renew()))
        throw err;
      return this.sendAs(request, await this.credentials.authorization());
    }
  }

  private sendAs(request: CallRequest, authorization: string | undefined): Promise<unknown> {
    const headers: Record<string, string> = {};
    if (authorization !== undefined) headers.authorization = authorization;
    if (this.opts.siteId) headers['wix-site-id'] = this.opts.siteId;
    if (request.body !== undefined) headers['content-type'] = 'application/json';
    return fetchJson(
      this.opts.fetch,
      urlOf(this.opts.baseUrl, request.path),
      {
        method: request.method,
        headers,
        body: request.body === undefined ? undefined : JSON.stringify(request.body),
      },
      TEXT_ANSWERS.has(request.operation),
    );
  }
}

/**
 * The operations whose 200 body is a file or a page rather than JSON. Their text is returned as it came: an export
 * of one review is one NDJSON line, which would parse as JSON. Kept here rather than read from the catalogue's
 * `produces`, which would bring the schemas into the browser bundle; test/sdk/text-answers.test.ts compares the two.
 */
export const TEXT_ANSWERS: ReadonlySet<OperationName> = new Set<OperationName>([
  'exportReviews',
  'getReviewFragment',
  'readMetrics',
]);

const urlOf = (baseUrl: string, path: string): string => `${baseUrl.replace(/\/+$/, '')}${path}`;

/**
 * The answer's parsed JSON body, or its text when `asText` (an operation of `TEXT_ANSWERS`). A 200 body that is not
 * JSON is returned as text too, so a text operation missing from that list still answers. Decided by the operation
 * and the body, not the `Content-Type`, which some fetch stand-ins leave at `text/plain` for JSON.
 */
async function fetchJson(fetchFn: typeof fetch, url: string, init: RequestInit, asText = false): Promise<unknown> {
  const res = await fetchFn(url, init);
  const text = await res.text();
  if (asText && res.status === 200) return text;
  let body: unknown;
  let json = true;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    json = false;
    body = undefined;
  }
  if (res.status !== 200) throw errorFromResponse(res.status, body, res.headers.get('x-wix-request-id') ?? undefined);
  return json ? body : text;
}

/** No credentials: for the public operations (token exchange, review page), which anyone may call. */
export function noCredentials(): Credentials {
  return { authorization: async () => undefined, renew: async () => false };
}

/** A fixed API key. */
export function apiKeyCredentials(apiKey: string): Credentials {
  return { authorization: async () => apiKey, renew: async () => false };
}

/** A member token, re-read from the function (if one was given) after UNAUTHENTICATED. */
export function memberCredentials(token: string | (() => string | Promise<string>)): Credentials {
  if (typeof token === 'string') return { authorization: async () => token, renew: async () => false };
  let current: Promise<string> | undefined;
  const mint = (): Promise<string> => {
    const p = Promise.resolve().then(token);
    current = p;
    // A failed mint is not remembered: the next call asks the function again.
    p.catch(() => {
      if (current === p) current = undefined;
    });
    return p;
  };
  return {
    authorization: () => current ?? mint(),
    renew: async () => {
      await mint();
      return true;
    },
  };
}

/** Refresh this long before the stated expiry, so a token never expires in flight. */
const EXPIRY_MARGIN_MS = 30_000;

/**
 * Anonymous visitor tokens from `POST /oauth2/token`: fetched on first use, refreshed (same visitor) shortly before
 * they expire or when the server says UNAUTHENTICATED; a refused refresh token falls back to a new visitor.
 * Concurrent calls share one token request.
 */
export function visitorCredentials(
  opts: TransportOptions,
  visitor: { clientId: string; tokens?: VisitorTokens; onTokens?: (tokens: VisitorTokens) => void },
  now: () => number = Date.now,
): Credentials {
  let tokens = visitor.tokens;
  let pending: Promise<VisitorTokens> | undefined;

  // Tokens are exchanged without credentials, so not through a Transport.
  const tokenCall = createCall({ createAccessToken: routes.createAccessToken }, (request) =>
    fetchJson(opts.fetch, urlOf(opts.baseUrl, request.path), {
      method: request.method,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(request.body),
    }),
  );
  const exchange = async (
    body: { grantType: 'anonymous' } | { grantType: 'refresh_token'; refreshToken: string },
  ): Promise<VisitorTokens> => {
    const res: CallOutput<'createAccessToken'> = await tokenCall('createAccessToken', {
      body: { ...body, clientId: visitor.clientId },
    });
    const next = {
      accessToken: res.access_token,
      refreshToken: res.refresh_token,
      expiresAt: now() + res.expires_in * 1000,
    };
    tokens = next;
    visitor.onTokens?.(next);
    return next;
  };

  const renewNow = (): Promise<VisitorTokens> => {
    pending ??= (async () => {
      try {
        if (tokens) {
          try {
            return await exchange({ grantType: 'refresh_token', refreshToken: tokens.refreshToken });
          } catch (err) {
            if (!(err instanceof VerdictError) || (err.status !== 401 && err.status !== 400)) throw err;
          }
        }
        return await exchange({ grantType: 'anonymous' });
      } finally {
        pending = undefined;
      }
    })();
    return pending;
  };

  return {
    async authorization() {
      if (pending) return (await pending).accessToken;
      if (!tokens || tokens.expiresAt - EXPIRY_MARGIN_MS <= now()) return (await renewNow()).accessToken;
      return tokens.accessToken;
    },
    async renew() {
      await renewNow();
      return true;
    },
  };
}
