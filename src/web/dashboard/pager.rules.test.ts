import { describe, expect, it } from 'vitest';
import { FIRST_PAGE, landed, pageNumber, target } from './pager.rules.ts';

describe('cursor pages', () => {
  it('walks forward keeping the cursors passed, and back through them to the first page', () => {
    const one = landed(target(FIRST_PAGE, 'first'), 'c2');
    expect(one).toEqual({ before: [], at: null, next: 'c2' });
    const toTwo = target(one, 'next');
    expect(toTwo).toEqual({ cursor: 'c2', before: [null] });
    const two = landed(toTwo, 'c3');
    const three = landed(target(two, 'next'), null);
    expect(three).toEqual({ before: [null, 'c2'], at: 'c3', next: null });
    expect(pageNumber(three)).toBe(3);
    const back = landed(target(three, 'previous'), 'c3');
    expect(back).toEqual(two);
    expect(target(back, 'previous')).toEqual({ cursor: null, before: [] });
    expect(pageNumber(landed(target(back, 'previous'), 'c2'))).toBe(1);
  });

  it('reloads the page shown in place, and stays put at either end', () => {
    const two = { before: [null], at: 'c2', next: null };
    expect(target(two, 'same')).toEqual({ cursor: 'c2', before: [null] });
    expect(target(two, 'next')).toEqual({ cursor: 'c2', before: [null] });
    expect(target(FIRST_PAGE, 'previous')).toEqual({ cursor: null, before: [] });
    expect(target(two, 'first')).toEqual({ cursor: null, before: [] });
  });
});
