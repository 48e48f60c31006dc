import { describe, expect, it } from 'vitest';
import {
  canActOnAllMatching,
  DEFAULT_FILTERS,
  filterProblems,
  parseFilters,
  serializeFilters,
  toFilter,
  toSearch,
} from './queue.rules.ts';
import { mayOpen, parseRoute } from './session.ts';

describe('queue filters', () => {
  it('opens on the reviews awaiting a decision', () => {
    expect(toFilter(DEFAULT_FILTERS)).toEqual({
      'moderation.moderationStatus': { $in: ['IN_MODERATION', 'SUBMITTED'] },
    });
    expect(serializeFilters(DEFAULT_FILTERS)).toBe('');
  });

  it('maps every filter to the query language, the end day inclusive', () => {
    const f = {
      status: 'APPROVED' as const,
      rating: '2',
      entityId: ' prod-1 ',
      from: '2026-03-01',
      to: '2026-03-31',
      hasMedia: true,
      reported: true,
      search: ' warm wool ',
    };
    expect(toFilter(f)).toEqual({
      'moderation.moderationStatus': 'APPROVED',
      'content.rating': 2,
      entityId: 'prod-1',
      createdDate: { $gte: '2026-03-01T00:00:00.000Z', $lt: '2026-04-01T00:00:00.000Z' },
      'content.media': { $isEmpty: false },
      reported: true,
    });
    expect(toSearch(f)).toBe('warm wool');
    expect(canActOnAllMatching(f)).toBe(false);
    expect(toFilter({ ...DEFAULT_FILTERS, status: 'ALL' })).toEqual({});
  });

  it('round-trips through the address and ignores malformed values', () => {
    const f = {
      ...DEFAULT_FILTERS,
      status: 'REJECTED' as const,
      rating: '5',
      from: '2026-01-02',
      reported: true,
      search: 'é',
    };
    expect(parseFilters(new URLSearchParams(serializeFilters(f)))).toEqual(f);
    expect(serializeFilters(f)).toContain('reported=1');
    expect(parseFilters(new URLSearchParams('status=NOPE&rating=9&from=yesterday&media=1&reported=yes'))).toEqual({
      ...DEFAULT_FILTERS,
      hasMedia: true,
    });
  });

  it('names what the server would refuse before anything is sent', () => {
    expect(filterProblems({ ...DEFAULT_FILTERS, from: '2026-02-02', to: '2026-02-01' })).toHaveLength(1);
    expect(filterProblems({ ...DEFAULT_FILTERS, search: '!!' })).toHaveLength(1);
    expect(toSearch({ ...DEFAULT_FILTERS, search: '  ' })).toBeUndefined();
    expect(filterProblems(DEFAULT_FILTERS)).toEqual([]);
  });
});

describe('routes and roles', () => {
  it('reads the screen from the hash', () => {
    expect(parseRoute('#/review/abc').screen).toBe('review');
    expect(parseRoute('#/review/abc').id).toBe('abc');
    expect(parseRoute('#/queue?status=ALL').params.get('status')).toBe('ALL');
    expect(parseRoute('').screen).toBe('queue');
    expect(parseRoute('#/nowhere').screen).toBe('queue');
  });

  it('keeps Settings and Data from moderators', () => {
    expect(mayOpen({ role: 'moderator' }, 'settings')).toBe(false);
    expect(mayOpen({ role: 'moderator' }, 'data')).toBe(false);
    expect(mayOpen({ role: 'moderator' }, 'queue')).toBe(true);
    expect(mayOpen({ role: 'owner' }, 'settings')).toBe(true);
  });
});
