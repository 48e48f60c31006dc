import { describe, expect, it } from 'vitest';
import { cursorKey, decodeCursor, encodeCursor } from './cursor.ts';

const state = {
  siteId: 'site-a',
  filter: { entityId: 'p1' },
  search: 'warm',
  sort: [{ fieldName: 'createdDate', order: 'DESC' as const }],
  includePrivate: false,
  position: ['2026-01-01T00:00:00.000Z', 'id-1'],
  direction: 'next' as const,
};

describe('cursors', () => {
  const key = cursorKey('secret-a');

  it('round-trips the whole query state', () => {
    expect(decodeCursor(encodeCursor(state, key), key, 'site-a')).toEqual(state);
  });

  it('refuses a cursor whose payload was edited to widen the filter', () => {
    const c = encodeCursor(state, key);
    const [payload, mac] = c.split('.');
    const widened = Buffer.from(
      (Buffer.from(payload as string, 'base64url').toString() as string).replace('"p1"', '"p2"'),
    ).toString('base64url');
    expect(decodeCursor(`${widened}.${mac}`, key, 'site-a')).toBeNull();
  });

  it('refuses a cursor of another site or signed with another key, and garbage', () => {
    const c = encodeCursor(state, key);
    expect(decodeCursor(c, key, 'site-b')).toBeNull();
    expect(decodeCursor(c, cursorKey('secret-b'), 'site-a')).toBeNull();
    for (const junk of ['', '.', 'abc', 'abc.def', `${'x'.repeat(50)}.${'y'.repeat(43)}`]) {
      expect(decodeCursor(junk, key, 'site-a')).toBeNull();
    }
  });
});
