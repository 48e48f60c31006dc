import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GUID_PATTERN, JobIdParams } from '../../contract/index.ts';
import { requestHash } from '../idempotency/idempotency.service.ts';
import { checkPathParams, jsonDepthExceeds, MAX_BODY_DEPTH, pathIdSpecs } from './validation.ts';

/** The nesting depth of a JSON value, computed the obvious (recursive) way. */
const depthOf = (v: unknown): number =>
  Array.isArray(v)
    ? 1 + Math.max(0, ...v.map(depthOf))
    : typeof v === 'object' && v !== null
      ? 1 + Math.max(0, ...Object.values(v).map(depthOf))
      : 0;

describe('jsonDepthExceeds', () => {
  it('agrees with the nesting depth of any JSON text, brackets inside strings and escapes included', () => {
    const tricky = fc.constantFrom('[', ']', '{', '}', '\\', '"', '\\"[', 'a\\\\');
    const json = fc.letrec<{ v: unknown }>((tie) => ({
      v: fc.oneof(
        { depthSize: 'small' },
        fc.oneof(fc.string(), tricky, fc.integer(), fc.boolean(), fc.constant(null)),
        fc.array(tie('v'), { maxLength: 3 }),
        fc.dictionary(fc.oneof(fc.string(), tricky), tie('v'), { maxKeys: 3 }),
      ),
    })).v;
    fc.assert(
      fc.property(json, fc.integer({ min: 0, max: 8 }), (v, max) => {
        expect(jsonDepthExceeds(JSON.stringify(v), max)).toBe(depthOf(v) > max);
      }),
      { seed: 11, numRuns: 500 },
    );
  });

  it('answers for 100,000 levels without recursion', () => {
    expect(jsonDepthExceeds(`${'['.repeat(100_000)}${']'.repeat(100_000)}`, MAX_BODY_DEPTH)).toBe(true);
  });
});

describe('requestHash', () => {
  it('is the SHA-256 of method, route and JSON.stringify(body), for any JSON body', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (body) => {
        const expected = createHash('sha256')
          .update(`POST /r\n${JSON.stringify(body ?? null)}`)
          .digest('hex');
        expect(requestHash('POST', '/r', body)).toBe(expected);
      }),
      { seed: 12, numRuns: 500 },
    );
    expect(requestHash('POST', '/r', undefined)).toBe(createHash('sha256').update('POST /r\nnull').digest('hex'));
  });

  it('hashes a body nested 100,000 levels deep without overflowing the stack', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = i % 2 ? [deep] : { a: deep };
    expect(requestHash('POST', '/r', deep)).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('checkPathParams', () => {
  const ids = pathIdSpecs(JobIdParams);

  it('reads the id parameters a contract schema declares', () => {
    expect(ids).toEqual([
      {
        name: 'jobId',
        format: new RegExp(GUID_PATTERN),
        notFound: { code: 'JOB_NOT_FOUND', message: 'Job not found' },
      },
    ]);
  });

  it.each(['\u0000', `${crypto.randomUUID()}\u0000`, 'not-a-guid', "' OR 1=1", 'x'.repeat(10_000)])(
    'answers an id that is not a GUID (%j) with its 404',
    (jobId) => {
      expect(checkPathParams({ jobId }, ids)?.toBody()).toEqual({
        message: 'Job not found',
        details: { applicationError: { code: 'JOB_NOT_FOUND', description: 'Job not found' } },
      });
    },
  );

  it('lets a GUID through, and refuses a NUL in a parameter that is not an id with a 400 naming it', () => {
    expect(checkPathParams({ jobId: crypto.randomUUID() }, ids)).toBeNull();
    const err = checkPathParams({ slug: 'a\u0000b', other: 'fine' }, []);
    expect(err?.status).toBe(400);
    expect(err?.toBody()).toEqual({
      message: 'Invalid request',
      details: {
        validationError: {
          fieldViolations: [
            { field: 'params.slug', description: 'must not contain NUL characters', violatedRule: 'INVALID_CHARACTER' },
          ],
        },
      },
    });
  });
});
