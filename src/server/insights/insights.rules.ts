/**
 * The pure half of insights: the period's checks, the buckets of a period, and the folding of per-day totals into
 * those buckets. Dates are UTC calendar days written `YYYY-MM-DD`; weeks start on Monday. No I/O, no clock.
 */
import { type FieldViolation, INSIGHTS_LIMITS, type InsightsBucket, type RatingPoint } from '../../contract/index.ts';

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const DAY_MS = 86_400_000;

/** Per-day totals of published reviews, as the repository reads them. */
export interface DayTotal {
  day: string;
  count: number;
  ratingSum: number;
}

/** The period [from, to) as ISO instants, or every problem with it. */
export function checkPeriod(from: string, to: string): { violations: FieldViolation[]; from: string; to: string } {
  const violations: FieldViolation[] = [];
  const instant = (value: string, field: string): number | undefined => {
    const ms = Date.parse(value);
    if (!ISO_DATE_TIME.test(value) || Number.isNaN(ms)) {
      violations.push({ field, description: 'must be an ISO-8601 date-time', violatedRule: 'FORMAT' });
      return undefined;
    }
    return ms;
  };
  const start = instant(from, 'query.from');
  const end = instant(to, 'query.to');
  if (start !== undefined && end !== undefined) {
    if (end <= start) {
      violations.push({ field: 'query.to', description: 'must be after query.from', violatedRule: 'INVALID_ARGUMENT' });
    } else if (end - start > INSIGHTS_LIMITS.maxRangeDays * DAY_MS) {
      violations.push({
        field: 'query.to',
        description: `must be at most ${INSIGHTS_LIMITS.maxRangeDays} days after query.from`,
        violatedRule: 'INVALID_ARGUMENT',
      });
    }
  }
  return {
    violations,
    from: start !== undefined ? new Date(start).toISOString() : from,
    to: end !== undefined ? new Date(end).toISOString() : to,
  };
}

const dayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** The first day of the bucket holding `day`. */
export function bucketStart(day: string, bucket: InsightsBucket): string {
  if (bucket === 'day') return day;
  if (bucket === 'month') return `${day.slice(0, 7)}-01`;
  const ms = Date.parse(`${day}T00:00:00.000Z`);
  const sinceMonday = (new Date(ms).getUTCDay() + 6) % 7;
  return dayOf(ms - sinceMonday * DAY_MS);
}

/** The start of the bucket after the one starting on `start`. */
function nextBucket(start: string, bucket: InsightsBucket): string {
  const ms = Date.parse(`${start}T00:00:00.000Z`);
  if (bucket === 'day') return dayOf(ms + DAY_MS);
  if (bucket === 'week') return dayOf(ms + 7 * DAY_MS);
  const d = new Date(ms);
  return dayOf(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1));
}

/** Every bucket that meets [from, to), in order (a bucket partly inside counts). */
export function bucketsOf(from: string, to: string, bucket: InsightsBucket): string[] {
  const last = dayOf(Date.parse(to) - 1);
  const out: string[] = [];
  for (let b = bucketStart(dayOf(Date.parse(from)), bucket); b <= last; b = nextBucket(b, bucket)) out.push(b);
  return out;
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/** The per-day totals added up per bucket, one point for every bucket of the period (0 where nothing was). */
export function ratingsOverTime(
  days: readonly DayTotal[],
  from: string,
  to: string,
  bucket: InsightsBucket,
): RatingPoint[] {
  const sums = new Map<string, { count: number; ratingSum: number }>();
  for (const b of bucketsOf(from, to, bucket)) sums.set(b, { count: 0, ratingSum: 0 });
  for (const d of days) {
    const into = sums.get(bucketStart(d.day, bucket));
    if (!into) continue;
    into.count += d.count;
    into.ratingSum += d.ratingSum;
  }
  return [...sums].map(([at, s]) => ({ at, count: s.count, average: s.count ? round2(s.ratingSum / s.count) : 0 }));
}

/** The average of `count` ratings adding up to `sum`, to two decimals (0 for none). */
export const averageOf = (sum: number, count: number): number => (count ? round2(sum / count) : 0);
