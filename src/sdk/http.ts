/**
 * The SDK's transport: `fetch` only (Node 20 and browsers), the caller's credentials in `Authorization` exactly as
 * the official SDK sends them, Wix error bodies turned into `VerdictError`, and anonymous visitor tokens fetched
 * and refreshed by the client itself (an expired token is refreshed once and the call retried).
 */
import type { TokenResponse } from '../contract/index.ts';
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

export type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export interface RequestOptions {
  query?: Record<string, string | undefined>;
  body?: unknown;
  signal?: AbortSignal;
}

/** One set of credentials: the `Authorization` value, and how to renew it after UNAUTHENTICATED. */
export interface Credentials {
  authorization(): Promise<string>;
  /** Renews the credential; false when renewing cannot help (an API key). */
  renew(): Promise<boolean>;
}

export interface TransportOptions {
  baseUrl: string;
  siteId?: string;
  fetch: typeof fetch;
}

/** Sends one JSON request; success is HTTP 200 only, like the official SDK. */
export class Transport {
  constructor(
    private readonly opts: TransportOptions,
    private readonly credentials: Credentials,
  ) {}

  async request<T>(method: Method, path: string, options: RequestOptions = {}): Promise<T> {
    try {
      return await this.send<T>(method, path, options, await this.credentials.authorization());
    } catch (err) {
      if (!(err instanceof VerdictError) || err.code !== 'UNAUTHENTICATED' || !(await this.credentials.renew()))
        throw err;
      return this.send<T>(method, path, options, await this.credentials.authorization());
    }
  }

  private async send<T>(method: Method, path: string, options: RequestOptions, authorization: string): Promise<T> {
    const headers: Record<string, string> = { authorization };
    if (this.opts.siteId) headers['wix-site-id'] = this.opts.siteId;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    return fetchJson<T>(this.opts.fetch, urlOf(this.opts.baseUrl, path, options.query), {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    });
  }
}

function urlOf(baseUrl: string, path: string, query: RequestOptions['query']): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) params.set(k, v);
  const qs = params.toString();
  return `${baseUrl.replace(/\/+$/, '')}${path}${qs ? `?${qs}` : ''}`;
}

async function fetchJson<T>(fetchFn: typeof fetch, url: string, init: RequestInit): Promise<T> {
  const res = await fetchFn(url, init);
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (res.status !== 200) throw errorFromResponse(res.status, body, res.headers.get('x-wix-request-id') ?? undefined);
  return body as T;
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

  const exchange = async (body: Record<string, string>): Promise<VisitorTokens> => {
    const res = await fetchJson<TokenResponse>(opts.fetch, urlOf(opts.baseUrl, '/oauth2/token', undefined), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...body, clientId: visitor.clientId }),
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
