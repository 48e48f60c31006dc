import { describe, expect, it } from 'vitest';
import { bucketStart, bucketsOf, checkPeriod, ratingsOverTime } from './insights.rules.ts';

describe('bucketStart', () => {
  it.each([
    ['2026-03-04', 'day', '2026-03-04'],
    ['2026-03-04', 'month', '2026-03-01'],
    // 2026-03-04 is a Wednesday; weeks start on Monday.
    ['2026-03-04', 'week', '2026-03-02'],
    ['2026-03-02', 'week', '2026-03-02'],
    ['2026-03-08', 'week', '2026-03-02'],
    // A week across a year's end starts in the old year.
    ['2026-01-01', 'week', '2025-12-29'],
  ] as const)('%s by %s starts on %s', (day, bucket, start) => {
    expect(bucketStart(day, bucket)).toBe(start);
  });
});

describe('bucketsOf', () => {
  it('lists every bucket that meets [from, to), the end excluded', () => {
    expect(bucketsOf('2026-01-30T00:00:00.000Z', '2026-02-02T00:00:00.000Z', 'day')).toEqual([
      '2026-01-30',
      '2026-01-31',
      '2026-02-01',
    ]);
    expect(bucketsOf('2025-11-15T00:00:00.000Z', '2026-02-01T00:00:00.000Z', 'month')).toEqual([
      '2025-11-01',
      '2025-12-01',
      '2026-01-01',
    ]);
    expect(bucketsOf('2026-02-28T23:00:00.000Z', '2026-03-01T00:00:01.000Z', 'day')).toEqual([
      '2026-02-28',
      '2026-03-01',
    ]);
  });
});

describe('ratingsOverTime', () => {
  it('adds days up per bucket and keeps empty buckets', () => {
    const days = [
      { day: '2026-01-05', count: 2, ratingSum: 9 },
      { day: '2026-01-07', count: 1, ratingSum: 1 },
      { day: '2026-01-20', count: 3, ratingSum: 10 },
    ];
    expect(ratingsOverTime(days, '2026-01-05T00:00:00.000Z', '2026-01-26T00:00:00.000Z', 'week')).toEqual([
      { at: '2026-01-05', count: 3, average: 3.33 },
      { at: '2026-01-12', count: 0, average: 0 },
      { at: '2026-01-19', count: 3, average: 3.33 },
    ]);
  });
});

describe('checkPeriod', () => {
  it('normalizes the instants to UTC', () => {
    expect(checkPeriod('2026-01-01T02:00:00+02:00', '2026-01-02T00:00:00Z')).toEqual({
      violations: [],
      from: '2026-01-01T00:00:00.000Z',
      to: '2026-01-02T00:00:00.000Z',
    });
  });

  it('lists every problem', () => {
    expect(checkPeriod('yesterday', 'today').violations.map((v) => v.field)).toEqual(['query.from', 'query.to']);
    expect(checkPeriod('2026-01-02T00:00:00Z', '2026-01-01T00:00:00Z').violations).toEqual([
      expect.objectContaining({ field: 'query.to', description: 'must be after query.from' }),
    ]);
    expect(checkPeriod('2000-01-01T00:00:00Z', '2011-01-01T00:00:00Z').violations).toEqual([
      expect.objectContaining({ field: 'query.to', description: 'must be at most 3660 days after query.from' }),
    ]);
  });
});
