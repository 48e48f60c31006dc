import { describe, expect, it } from 'vitest';
import { maskSecret, natsSubject, retryDelayMs, retryWindowExhausted, urlViolations } from './webhooks.rules.ts';

describe('webhook rules', () => {
  it('accepts http and https URLs and refuses other schemes, garbage and embedded credentials', () => {
    expect(urlViolations('https://example.com/hook', 'u')).toEqual([]);
    expect(urlViolations('http://127.0.0.1:9/x?y=1', 'u')).toEqual([]);
    expect(urlViolations('ftp://example.com', 'u')).toEqual([
      { field: 'u', description: 'must be an http or https URL', violatedRule: 'FORMAT' },
    ]);
    expect(urlViolations('not a url', 'u')).toEqual([
      { field: 'u', description: 'is not a valid URL', violatedRule: 'FORMAT' },
    ]);
    expect(urlViolations('https://a:b@example.com', 'u')).toEqual([
      { field: 'u', description: 'must not contain credentials', violatedRule: 'FORMAT' },
    ]);
  });

  it('doubles the delay per attempt within [half, full] of the exponential step and caps it', () => {
    expect(retryDelayMs(1, 100, 10_000, 0)).toBe(50);
    expect(retryDelayMs(1, 100, 10_000, 1)).toBe(100);
    expect(retryDelayMs(3, 100, 10_000, 1)).toBe(400);
    expect(retryDelayMs(3, 100, 10_000, 0.5)).toBe(300);
    expect(retryDelayMs(30, 100, 10_000, 1)).toBe(10_000);
    expect(retryDelayMs(1000, 100, 10_000, 0)).toBe(5000);
  });

  it('ends the retry window only once the next attempt would fall after it', () => {
    const start = new Date('2026-01-01T00:00:00.000Z');
    const day = 86_400_000;
    expect(retryWindowExhausted(start, new Date(start.getTime() + day), day)).toBe(false);
    expect(retryWindowExhausted(start, new Date(start.getTime() + day + 1), day)).toBe(true);
  });

  it('masks a secret to its first 6 and last 4 characters and names subjects per site and slug', () => {
    expect(maskSecret('whsec_0123456789abcdef')).toBe('whsec_…cdef');
    expect(natsSubject('s1', 'created')).toBe('verdict.s1.created');
  });
});
