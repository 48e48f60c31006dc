import { describe, expect, it } from 'vitest';
import { GUID_PATTERN } from '../contract/index.ts';
import { timeOrderedId } from './ids.ts';

const GUID = new RegExp(GUID_PATTERN);
const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('timeOrderedId', () => {
  it('makes a UUIDv7 GUID whose first 48 bits are the given milliseconds', () => {
    const at = Date.UTC(2031, 4, 6, 7, 8, 9, 123);
    const id = timeOrderedId(at);
    expect(id).toMatch(GUID);
    expect(id).toMatch(V7);
    expect(Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(at);
  });

  it('keeps ids strictly increasing within one millisecond, past the 4,096 the sequence holds', () => {
    const at = Date.UTC(2032, 0, 1);
    const ids = Array.from({ length: 10_000 }, () => timeOrderedId(at));
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    for (const id of ids) expect(id).toMatch(V7);
  });

  it('keeps ids increasing when the clock steps back', () => {
    const later = timeOrderedId(Date.UTC(2033, 0, 1, 0, 0, 1));
    const earlier = timeOrderedId(Date.UTC(2033, 0, 1, 0, 0, 0));
    expect(earlier > later).toBe(true);
  });

  it('sorts ids by time across milliseconds', () => {
    const a = timeOrderedId(Date.UTC(2034, 0, 1));
    const b = timeOrderedId(Date.UTC(2034, 0, 1, 0, 0, 0, 1));
    const c = timeOrderedId(Date.UTC(2035, 0, 1));
    expect([c, a, b].sort()).toEqual([a, b, c]);
  });
});
