/**
 * The dashboard's HTTP client: the catalogue's typed `call` over every route row, sent with the session cookie
 * (`credentials: 'same-origin'`) and, on every request that changes something, the session's CSRF token in
 * `x-csrf-token`. No path or response type is written here: both come from the catalogue.
 */
import type { ErrorBody, FieldViolation } from '../../contract/index.ts';
import { type Call, type CallInput, type CallRequest, createCall } from '../../contract/operations/call.ts';
import type { OperationName } from '../../contract/operations/names.ts';
import { requestPath } from '../../contract/operations/paths.ts';
import * as routes from '../../contract/operations/routes.ts';

/** A failed call: HTTP status, Wix error code (when there is one), message, field violations and Retry-After. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string | undefined,
    message: string,
    readonly violations: FieldViolation[],
    readonly retryAfterSeconds: number | undefined,
  ) {
    super(message);
  }
}

/** What a person reads for a failed call: the violations when the server listed them, else its message. */
export function describeError(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.violations.length > 0) return err.violations.map((v) => `${v.field}: ${v.description}`).join('; ');
    if (err.status === 0) return 'The server could not be reached. Check your connection and try again.';
    return err.message;
  }
  return err instanceof Error ? err.message : String(err);
}

/** Sends through `fetch` (the page's own, or a test's); `onUnauthenticated` runs when the session has ended. */
export class DashboardApi {
  /** The session's CSRF token, from sign-in or the session read; sent on every request that is not a GET. */
  csrfToken: string | undefined;
  onUnauthenticated: (() => void) | undefined;
  readonly call: Call<OperationName>;

  constructor(readonly base = '') {
    this.call = createCall(routes, (r) => this.send(r));
  }

  /**
   * The address of a GET operation whose answer is a file to download (an export): a link the browser follows with
   * the session cookie, so a large file streams to disk instead of through the page's memory.
   */
  href<N extends OperationName>(operation: N, input: CallInput<N>): string {
    const { params, query } = input as { params?: Record<string, string>; query?: Record<string, string | undefined> };
    return this.base + requestPath(routes[operation], params, query);
  }

  private async send(request: CallRequest): Promise<unknown> {
    const headers: Record<string, string> = { accept: 'application/json' };
    // A string body is a file's text (an import upload), sent as it is; every other body is JSON.
    const raw = typeof request.body === 'string';
    if (request.body !== undefined) headers['content-type'] = raw ? 'text/plain; charset=utf-8' : 'application/json';
    if (request.method !== 'GET' && this.csrfToken) headers['x-csrf-token'] = this.csrfToken;
    let res: Response;
    try {
      res = await fetch(this.base + request.path, {
        method: request.method,
        credentials: 'same-origin',
        headers,
        ...(request.body !== undefined ? { body: raw ? (request.body as string) : JSON.stringify(request.body) } : {}),
      });
    } catch (err) {
      throw new ApiError(0, undefined, err instanceof Error ? err.message : 'network error', [], undefined);
    }
    const text = await res.text();
    if (res.ok) return text ? JSON.parse(text) : {};
    let body: Partial<ErrorBody> | undefined;
    try {
      body = JSON.parse(text) as ErrorBody;
    } catch {
      body = undefined;
    }
    const details = body?.details;
    const code = details && 'applicationError' in details ? details.applicationError.code : undefined;
    const violations = details && 'validationError' in details ? details.validationError.fieldViolations : [];
    const retry = Number(res.headers.get('retry-after'));
    const error = new ApiError(
      res.status,
      code,
      body?.message ?? `HTTP ${res.status}`,
      violations,
      Number.isFinite(retry) && retry > 0 ? retry : undefined,
    );
    // Sign-in itself answers 401 for wrong credentials; that is the form's to show, not a lost session.
    if (res.status === 401 && request.operation !== 'signIn') this.onUnauthenticated?.();
    throw error;
  }
}
