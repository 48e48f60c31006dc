import { describe, expect, it } from 'vitest';
import { decideStatus } from './moderation.rules.ts';

describe('decideStatus', () => {
  it.each([
    ['APPROVE_ALL', [], 1, 'APPROVED'],
    ['HOLD_ALL', [], 5, 'IN_MODERATION'],
    ['HOLD_RATINGS', [1, 2], 2, 'IN_MODERATION'],
    ['HOLD_RATINGS', [1, 2], 3, 'APPROVED'],
  ] as const)('mode %s holding %j decides %s for rating %i', (mode, heldRatings, rating, expected) => {
    expect(decideStatus({ moderation: { mode, heldRatings: [...heldRatings] } }, { rating })).toBe(expected);
  });
});
