import { describe, expect, it } from 'vitest';
import {
  applyUpdate,
  mediaViolations,
  normalizeMask,
  RELEVANCE_LEVELS,
  RELEVANCE_QUALITY_FLOOR,
  relevanceAt,
  relevanceBound,
  relevanceQuality,
  relevanceRank,
  relevanceScore,
  wilsonLowerBound,
} from './reviews.rules.ts';

const now = new Date('2026-06-01T00:00:00.000Z');
const base = { helpful: 0, unhelpful: 0, textLength: 100, mediaCount: 0, verified: false, reviewDate: now, now };

describe('relevanceScore', () => {
  it('rises with helpful votes and falls with unhelpful ones', () => {
    expect(relevanceScore({ ...base, helpful: 10 })).toBeGreaterThan(relevanceScore(base));
    expect(relevanceScore({ ...base, helpful: 10, unhelpful: 10 })).toBeLessThan(
      relevanceScore({ ...base, helpful: 10 }),
    );
  });

  it('rises with text length, media and verified purchase', () => {
    expect(relevanceScore({ ...base, textLength: 400 })).toBeGreaterThan(relevanceScore(base));
    expect(relevanceScore({ ...base, mediaCount: 2 })).toBeGreaterThan(relevanceScore(base));
    expect(relevanceScore({ ...base, verified: true })).toBeGreaterThan(relevanceScore(base));
  });

  it('decays with age and stays within [0, 1]', () => {
    const old = new Date('2024-06-01T00:00:00.000Z');
    expect(relevanceScore({ ...base, reviewDate: old })).toBeLessThan(relevanceScore(base));
    const max = relevanceScore({ ...base, helpful: 1e6, textLength: 1e6, mediaCount: 10, verified: true });
    expect(max).toBeLessThanOrEqual(1);
    expect(relevanceScore({ ...base, textLength: 0 })).toBeGreaterThanOrEqual(0);
  });

  it('uses the Wilson lower bound, which trusts many votes more than few', () => {
    expect(wilsonLowerBound(0, 0)).toBe(0);
    expect(wilsonLowerBound(100, 0)).toBeGreaterThan(wilsonLowerBound(3, 0));
  });
});

describe('relevanceScore properties (seeded random inputs)', () => {
  // A small deterministic PRNG (mulberry32), so a failure names a reproducible case.
  function rng(seed: number) {
    let a = seed;
    return () => {
      a = (a + 0x6d2b79f5) | 0;
      let t = Math.imul(a ^ (a >>> 15), 1 | a);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }
  const DAY = 86_400_000;
  const cases = (() => {
    const r = rng(42);
    const int = (max: number) => Math.floor(r() * (max + 1));
    return Array.from({ length: 500 }, () => ({
      helpful: int(50),
      unhelpful: int(50),
      textLength: 50 + int(2000),
      mediaCount: int(10),
      verified: r() < 0.5,
      reviewDate: new Date(now.getTime() - int(4 * 365) * DAY),
      now,
    }));
  })();

  it('stays within [0, 1], including extreme inputs', () => {
    for (const c of cases) {
      const s = relevanceScore(c);
      expect(s).toBeGreaterThanOrEqual(0);
      expect(s).toBeLessThanOrEqual(1);
    }
    const extreme = { ...base, helpful: 1e9, textLength: 1e9, mediaCount: 1e6, verified: true };
    expect(relevanceScore(extreme)).toBeLessThanOrEqual(1);
    expect(relevanceScore({ ...base, textLength: 0, reviewDate: new Date(0) })).toBeGreaterThanOrEqual(0);
    expect(relevanceScore({ ...base, reviewDate: new Date(now.getTime() + 365 * DAY) })).toBe(relevanceScore(base));
  });

  it('is strictly higher with one more helpful vote, and never higher with one more unhelpful vote', () => {
    for (const c of cases) {
      expect(relevanceScore({ ...c, helpful: c.helpful + 1 })).toBeGreaterThan(relevanceScore(c));
      expect(relevanceScore({ ...c, unhelpful: c.unhelpful + 1 })).toBeLessThanOrEqual(relevanceScore(c));
    }
  });

  it('is strictly lower one day older, and monotonic in text length, media and verified purchase', () => {
    for (const c of cases) {
      const s = relevanceScore(c);
      expect(relevanceScore({ ...c, reviewDate: new Date(c.reviewDate.getTime() - DAY) })).toBeLessThan(s);
      expect(relevanceScore({ ...c, textLength: c.textLength + 100 })).toBeGreaterThanOrEqual(s);
      expect(relevanceScore({ ...c, mediaCount: c.mediaCount + 1 })).toBeGreaterThanOrEqual(s);
      expect(relevanceScore({ ...c, verified: true })).toBeGreaterThanOrEqual(s);
    }
  });

  it('is a pure function of its inputs (same inputs, same score)', () => {
    for (const c of cases.slice(0, 50)) expect(relevanceScore({ ...c })).toBe(relevanceScore(c));
  });
});

describe('relevance rank (stored) and score (read)', () => {
  const DAY = 86_400_000;
  function rng(seed: number) {
    let a = seed;
    return () => {
      a = (a + 0x6d2b79f5) | 0;
      let t = Math.imul(a ^ (a >>> 15), 1 | a);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }
  const r = rng(7);
  const cases = Array.from({ length: 400 }, () => ({
    quality: r() < 0.1 ? 0 : r(),
    reviewDate: new Date(now.getTime() - Math.floor(r() * 6 * 365) * DAY - Math.floor(r() * DAY)),
  }));
  const at = (days: number, ms = 0) => new Date(now.getTime() + days * DAY + ms);

  it('reads back round6(quality · 0.5^(ageDays / 365)), ageDays counted in whole UTC days', () => {
    for (const c of cases) {
      for (const later of [0, 1, 100, 365, 1000]) {
        const read = at(later);
        const ageDays = Math.floor(read.getTime() / DAY) - Math.floor(c.reviewDate.getTime() / DAY);
        const plain = Math.round(c.quality * 0.5 ** (ageDays / 365) * 1e6) / 1e6;
        expect(Math.abs(relevanceAt(relevanceRank(c.quality, c.reviewDate, now), read) - plain)).toBeLessThanOrEqual(
          1e-6,
        );
      }
    }
  });

  it('does not depend on when it was stored, and its score does not change during a UTC day', () => {
    for (const c of cases.slice(0, 100)) {
      const rank = relevanceRank(c.quality, c.reviewDate, now);
      expect(relevanceRank(c.quality, c.reviewDate, at(300))).toBe(rank);
      const day = Math.floor(at(40).getTime() / DAY) * DAY;
      expect(relevanceAt(rank, new Date(day + DAY - 1))).toBe(relevanceAt(rank, new Date(day)));
    }
  });

  it('orders reviews as their scores do, at every instant', () => {
    for (let i = 1; i < cases.length; i++) {
      const a = cases[i - 1] as (typeof cases)[number];
      const b = cases[i] as (typeof cases)[number];
      const [ra, rb] = [relevanceRank(a.quality, a.reviewDate, now), relevanceRank(b.quality, b.reviewDate, now)];
      for (const read of [now, at(500), at(5000)]) {
        if (ra > rb) expect(relevanceAt(ra, read)).toBeGreaterThanOrEqual(relevanceAt(rb, read));
        if (ra < rb) expect(relevanceAt(ra, read)).toBeLessThanOrEqual(relevanceAt(rb, read));
      }
    }
  });

  it('reaches level k exactly from relevanceBound(k) on, which is what a filter compares with', () => {
    for (const c of cases) {
      const rank = relevanceRank(c.quality, c.reviewDate, now);
      const read = at(Math.floor(r() * 800));
      const level = Math.round(relevanceAt(rank, read) * RELEVANCE_LEVELS);
      if (level > 0) expect(rank).toBeGreaterThanOrEqual(relevanceBound(level, read));
      if (level < RELEVANCE_LEVELS) expect(rank).toBeLessThan(relevanceBound(level + 1, read));
    }
  });

  it('ranks quality 0 at the floor: score 0, below any review with something, newest first among themselves', () => {
    const empty = relevanceRank(0, now, now);
    expect(empty).toBe(relevanceRank(RELEVANCE_QUALITY_FLOOR, now, now));
    expect(relevanceAt(empty, now)).toBe(0);
    const oneChar = relevanceQuality({ helpful: 0, unhelpful: 0, textLength: 1, mediaCount: 0, verified: false });
    expect(relevanceRank(oneChar, new Date(now.getTime() - 100 * 365 * DAY), now)).toBeGreaterThan(empty);
    expect(relevanceRank(0, new Date(now.getTime() - DAY), now)).toBeLessThan(empty);
  });

  it('counts a review dated after it was scored as dated that day, and never scores above 1', () => {
    const future = new Date(now.getTime() + 90 * DAY);
    expect(relevanceRank(0.8, future, now)).toBe(relevanceRank(0.8, now, now));
    expect(relevanceAt(relevanceRank(1, now, now), new Date(now.getTime() - 30 * DAY))).toBe(1);
  });
});

describe('mediaViolations', () => {
  it('requires exactly one of image/video with an id or an http(s)/wix URL', () => {
    expect(
      mediaViolations(
        [
          {},
          { image: {}, video: {} },
          { image: {} },
          { video: { url: 'javascript:alert(1)' } },
          { image: { url: 'https://x/y.png' } },
        ],
        'm',
      ).map((v) => v.field),
    ).toEqual(['m[0]', 'm[1]', 'm[2].image', 'm[3].video.url']);
  });
});

describe('applyUpdate', () => {
  const current = {
    namespace: 'stores',
    entityId: 'p1',
    authorName: 'Ann',
    title: 'T',
    body: 'B',
    media: [],
    rating: 3,
    reviewDate: '2026-01-01T00:00:00.000Z',
  };

  it('changes only the fields present (PATCH)', () => {
    expect(applyUpdate(current, { revision: '1', content: { rating: 5 } }, undefined)).toEqual({
      ...current,
      rating: 5,
    });
  });

  it('limits the change to the field mask, a parent path covering its children', () => {
    const input = { revision: '1', content: { rating: 5, title: 'New' }, author: { authorName: 'Bo' } };
    expect(applyUpdate(current, input, ['content.title'])).toEqual({ ...current, title: 'New' });
    expect(applyUpdate(current, input, ['content'])).toEqual({ ...current, title: 'New', rating: 5 });
  });

  it('reads masks given as an array, {paths} or a comma-separated string', () => {
    expect(normalizeMask(['a', 'b'])).toEqual(['a', 'b']);
    expect(normalizeMask({ paths: ['a'] })).toEqual(['a']);
    expect(normalizeMask('a, b')).toEqual(['a', 'b']);
    expect(normalizeMask(undefined)).toBeUndefined();
  });
});
