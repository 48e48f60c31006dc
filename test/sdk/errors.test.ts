/**
 * How `verdict/sdk` turns answers into `VerdictError`: only HTTP 200 is success (as in the official SDK), the Wix
 * body's parts and the request id are kept, and an answer without a Wix body still gives a typed error.
 */

import { createClient } from 'verdict/sdk';
import { describe, expect, it } from 'vitest';
import { verdictError } from './support.ts';

function clientAnswering(status: number, body: string, headers: Record<string, string> = {}) {
  const fetchFn: typeof fetch = async () => new Response(body, { status, headers });
  return createClient({ baseUrl: 'https://reviews.example.com/', auth: { apiKey: 'k' }, fetch: fetchFn }).reviews;
}

describe('VerdictError', () => {
  it('keeps code, description, data and request id of an application error', async () => {
    const body = JSON.stringify({
      message: 'Review already exists',
      details: {
        applicationError: {
          code: 'REVIEW_ALREADY_EXISTS',
          description: 'Review already exists',
          data: { reviewId: 'r1' },
        },
      },
    });
    const err = await verdictError(clientAnswering(409, body, { 'x-wix-request-id': 'req-1' }).getReview('r1'));
    expect(err).toMatchObject({
      name: 'VerdictError',
      status: 409,
      code: 'REVIEW_ALREADY_EXISTS',
      message: 'Review already exists',
      data: { reviewId: 'r1' },
      requestId: 'req-1',
      fieldViolations: [],
    });
  });

  it('lists every field violation of a validation error under code INVALID_ARGUMENT', async () => {
    const fieldViolations = [
      { field: 'review.content.rating', description: 'must be <= 5', violatedRule: 'MAX' },
      { field: 'review.entityId', description: 'is required' },
    ];
    const body = JSON.stringify({ message: 'Invalid request', details: { validationError: { fieldViolations } } });
    const err = await verdictError(clientAnswering(400, body).getReview('r1'));
    expect(err).toMatchObject({ status: 400, code: 'INVALID_ARGUMENT', fieldViolations });
  });

  it('gives HTTP_<status> for an answer without a Wix body, and for a code outside the contract', async () => {
    expect(await verdictError(clientAnswering(502, '<html>Bad gateway</html>').getReview('r1'))).toMatchObject({
      status: 502,
      code: 'HTTP_502',
      message: 'HTTP 502',
    });
    const odd = JSON.stringify({
      message: 'odd',
      details: { applicationError: { code: 'SOMETHING_ELSE', description: 'odd' } },
    });
    expect(await verdictError(clientAnswering(500, odd).getReview('r1'))).toMatchObject({
      code: 'HTTP_500',
      message: 'odd',
    });
  });

  it('treats any status other than 200 as an error, as the official SDK does', async () => {
    expect(await verdictError(clientAnswering(201, '{"review":{}}').getReview('r1'))).toMatchObject({
      status: 201,
      code: 'HTTP_201',
    });
  });
});
