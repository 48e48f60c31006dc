/**
 * The widget's HTTP client: the public first page, and everything a visitor does with a visitor token obtained
 * from `POST /oauth2/token` with the site's public client id. Tokens are kept in localStorage per API and site, so
 * the visitor stays the same identity across pages; they are refreshed here, never by the page. Response types
 * come from the contract (type-only imports: nothing of the schema library is bundled).
 */
import type {
  CastVoteResponse,
  CreateReviewAndContactRequest,
  ErrorBody,
  FieldViolation,
  QueryReviewsRequest,
  QueryReviewsResponse,
  RatingSummary,
  ReportReason,
  Review,
  ReviewPageData,
  TokenResponse,
  VoteValue,
} from '../../contract/index.ts';

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

  private save(t: TokenResponse): string {
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

  private async tokenCall(body: Record<string, string>): Promise<TokenResponse> {
    return this.send<TokenResponse>('POST', '/oauth2/token', { ...body, clientId: this.site }, false);
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

  private async send<T>(method: string, path: string, body: unknown, auth: boolean, retried = false): Promise<T> {
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
      return this.send<T>(method, path, body, auth, true);
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
    return (await res.json()) as T;
  }

  /** The public first page (no token): summary, first reviews by relevance, next cursor. */
  firstPage(namespace: string, entityId: string): Promise<ReviewPageData> {
    const q = new URLSearchParams({ site: this.site, namespace, entityId });
    return this.send<ReviewPageData>('GET', `/verdict/v1/embed/reviews?${q}`, undefined, false);
  }

  query(req: QueryReviewsRequest): Promise<QueryReviewsResponse> {
    return this.send<QueryReviewsResponse>('POST', '/reviews/v1/reviews/query', req, true);
  }

  async summary(namespace: string, entityId: string): Promise<RatingSummary> {
    const q = new URLSearchParams({ namespace, entityId });
    return (await this.send<{ summary: RatingSummary }>('GET', `/verdict/v1/ratings/summary?${q}`, undefined, true))
      .summary;
  }

  vote(reviewId: string, vote: VoteValue): Promise<CastVoteResponse> {
    return this.send<CastVoteResponse>(
      'POST',
      `/verdict/v1/reviews/${encodeURIComponent(reviewId)}/votes`,
      { vote },
      true,
    );
  }

  async report(reviewId: string, reason: ReportReason, text: string): Promise<void> {
    await this.send(
      'POST',
      `/verdict/v1/reviews/${encodeURIComponent(reviewId)}/reports`,
      text ? { reason, text } : { reason },
      true,
    );
  }

  async createReview(req: CreateReviewAndContactRequest): Promise<Review> {
    return (await this.send<{ review: Review }>('POST', '/reviews/v1/reviews/contact', req, true)).review;
  }
}
