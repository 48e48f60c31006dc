/**
 * The widget's HTTP client: the public first page, and everything a visitor does with a visitor token obtained
 * from `createAccessToken` with the site's public client id. Tokens are kept in localStorage per API and site, so
 * the visitor stays the same identity across pages; they are refreshed here, never by the page. Requests are the
 * catalogue's typed `call` over the few route rows the widget uses: no path or response type is written here, and
 * only types come from the schemas (nothing of the schema library is bundled).
 */
import type {
  CreateReviewAndContactRequest,
  ErrorBody,
  FieldViolation,
  QueryReviewsRequest,
  ReportReason,
  VoteValue,
} from '../../contract/index.ts';
import { type CallOutput, type CallRequest, createCall } from '../../contract/operations/call.ts';
import {
  castVote,
  createAccessToken,
  createReviewAndContact,
  getRatingSummary,
  getReviewPage,
  queryReviews,
  reportReview,
} from '../../contract/operations/routes.ts';

/** A failed call: HTTP status, Wix error code (when there is one), field violations and Retry-After. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string | undefined,
    readonly violations: FieldViolation[],
    readonly retryAfterSeconds: number | undefined,
  ) {
    super(`HTTP ${status}${code ? ` ${code}` : ''}`);
  }
}

interface StoredTokens {
  access: string;
  refresh: string;
  /** Epoch ms after which the access token is not used any more. */
  expires: number;
}

const storage = (): Storage | undefined => {
  try {
    return globalThis.localStorage;
  } catch {
    return undefined; // storage blocked (privacy settings): tokens live for the page only
  }
};

export class WidgetApi {
  private memory: StoredTokens | undefined;
  private pending: Promise<string> | undefined;
  /** Operations anyone may call: no token is sent. */
  private readonly open = createCall({ getReviewPage, createAccessToken }, (r) => this.send(r, false));
  /** Operations a visitor calls with its token. */
  private readonly visitor = createCall(
    { queryReviews, getRatingSummary, castVote, reportReview, createReviewAndContact },
    (r) => this.send(r, true),
  );

  constructor(
    readonly base: string,
    readonly site: string,
  ) {}

  private get storageKey(): string {
    return `verdict:tokens:${this.base}:${this.site}`;
  }

  private load(): StoredTokens | undefined {
    if (this.memory) return this.memory;
    try {
      const raw = storage()?.getItem(this.storageKey);
      this.memory = raw ? (JSON.parse(raw) as StoredTokens) : undefined;
    } catch {
      this.memory = undefined;
    }
    return this.memory;
  }

  private save(t: CallOutput<'createAccessToken'>): string {
    this.memory = {
      access: t.access_token,
      refresh: t.refresh_token,
      expires: Date.now() + (t.expires_in - 60) * 1000,
    };
    try {
      storage()?.setItem(this.storageKey, JSON.stringify(this.memory));
    } catch {
      // storage full or blocked: keep the tokens in memory
    }
    return this.memory.access;
  }

  private tokenCall(
    body: { grantType: 'anonymous' } | { grantType: 'refresh_token'; refreshToken: string },
  ): Promise<CallOutput<'createAccessToken'>> {
    return this.open('createAccessToken', { body: { ...body, clientId: this.site } });
  }

  /** A valid access token: the stored one, a refreshed one (same visitor), or a new visitor's. */
  private token(forceNew = false): Promise<string> {
    this.pending ??= (async () => {
      const stored = this.load();
      if (stored && !forceNew && stored.expires > Date.now()) return stored.access;
      if (stored?.refresh) {
        try {
          return this.save(await this.tokenCall({ grantType: 'refresh_token', refreshToken: stored.refresh }));
        } catch {
          // refresh token expired or the site's secret changed: start as a new visitor
        }
      }
      return this.save(await this.tokenCall({ grantType: 'anonymous' }));
    })().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private async send(request: CallRequest, auth: boolean, retried = false): Promise<unknown> {
    const { method, path, body } = request;
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (auth) headers.Authorization = `Bearer ${await this.token()}`;
    const res = await fetch(this.base + path, {
      method,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    if (res.status === 401 && auth && !retried) {
      await this.token(true);
      return this.send(request, auth, true);
    }
    if (!res.ok) {
      let err: ErrorBody | undefined;
      try {
        err = (await res.json()) as ErrorBody;
      } catch {
        err = undefined;
      }
      const details = err?.details;
      const code = details && 'applicationError' in details ? details.applicationError.code : undefined;
      const violations = details && 'validationError' in details ? details.validationError.fieldViolations : [];
      const retry = Number(res.headers.get('Retry-After'));
      throw new ApiError(res.status, code, violations, Number.isFinite(retry) && retry > 0 ? retry : undefined);
    }
    return res.json();
  }

  /** The public first page (no token): summary, first reviews by relevance, next cursor. */
  firstPage(namespace: string, entityId: string): Promise<CallOutput<'getReviewPage'>> {
    return this.open('getReviewPage', { query: { site: this.site, namespace, entityId } });
  }

  query(req: QueryReviewsRequest): Promise<CallOutput<'queryReviews'>> {
    return this.visitor('queryReviews', { body: req });
  }

  async summary(namespace: string, entityId: string): Promise<CallOutput<'getRatingSummary'>['summary']> {
    return (await this.visitor('getRatingSummary', { query: { namespace, entityId } })).summary;
  }

  vote(reviewId: string, vote: VoteValue): Promise<CallOutput<'castVote'>> {
    return this.visitor('castVote', { params: { reviewId }, body: { vote } });
  }

  async report(reviewId: string, reason: ReportReason, text: string): Promise<void> {
    await this.visitor('reportReview', { params: { reviewId }, body: text ? { reason, text } : { reason } });
  }

  async createReview(req: CreateReviewAndContactRequest): Promise<CallOutput<'createReviewAndContact'>['review']> {
    return (await this.visitor('createReviewAndContact', { body: req })).review;
  }
}
