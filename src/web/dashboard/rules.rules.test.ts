import { describe, expect, it } from 'vitest';
import { draftWords, move, toDraft, toInput } from './rules.rules.ts';

describe('moderation rules drafts', () => {
  it('sends only the fields a rule type uses', () => {
    const d = toDraft({ type: 'HOLD_RATINGS', ratings: [2, 1] });
    expect(toInput(d)).toEqual({ type: 'HOLD_RATINGS', ratings: [1, 2] });
    expect(toInput({ ...d, type: 'HOLD_LINKS' })).toEqual({ type: 'HOLD_LINKS' });
    expect(toInput({ ...d, type: 'HOLD_REPORTED_AUTHOR', minReports: 4 })).toEqual({
      type: 'HOLD_REPORTED_AUTHOR',
      minReports: 4,
    });
  });

  it('reads blocked words one per line, trimmed, without blanks or repeats', () => {
    expect(draftWords(' spam \n\nfree money\nspam\n')).toEqual(['spam', 'free money']);
    const d = toDraft({ type: 'HOLD_BLOCKED_WORDS', words: ['a', 'b c'] });
    expect(d.words).toBe('a\nb c');
    expect(toInput(d)).toEqual({ type: 'HOLD_BLOCKED_WORDS', words: ['a', 'b c'] });
  });

  it('moves a rule within bounds', () => {
    expect(move(['a', 'b', 'c'], 2, -1)).toEqual(['a', 'c', 'b']);
    expect(move(['a', 'b', 'c'], 0, -1)).toEqual(['a', 'b', 'c']);
    expect(move(['a', 'b', 'c'], 0, 1)).toEqual(['b', 'a', 'c']);
  });
});
