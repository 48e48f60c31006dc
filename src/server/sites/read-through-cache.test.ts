import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ChangeSignal } from '../db/change-signal.ts';
import { createReadThroughCache } from './read-through-cache.ts';

/** A signal the test moves by hand: `epoch` undefined stands for "cannot vouch" (listener down). */
function handSignal(): ChangeSignal & { value: number | undefined } {
  return {
    value: 1,
    epoch() {
      return this.value;
    },
    start() {},
    async close() {},
  };
}

/** A loader over a plain map that records each key it was asked for; `hold` makes the next read wait for `release`. */
function loader(data: Map<string, string>) {
  const reads: string[] = [];
  let gate: Promise<void> | undefined;
  return {
    reads,
    hold(): { release: () => void } {
      let release = () => {};
      gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      return { release };
    },
    async load(key: string): Promise<string | undefined> {
      reads.push(key);
      const value = data.get(key);
      const wait = gate;
      gate = undefined;
      await wait;
      return value;
    },
  };
}

function setUp(opts: { maxEntries?: number; ttlMs?: number } = {}) {
  const data = new Map([
    ['a', 'A'],
    ['b', 'B'],
    ['c', 'C'],
    ['d', 'D'],
  ]);
  const signal = handSignal();
  const l = loader(data);
  const cache = createReadThroughCache<string>({
    load: (k) => l.load(k),
    signal,
    maxEntries: opts.maxEntries ?? 100,
    ttlMs: opts.ttlMs ?? 60_000,
  });
  return { data, signal, l, cache };
}

describe('read-through cache', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('serves a found value from memory and reads a missing one every time', async () => {
    const { data, l, cache } = setUp();
    expect(await cache.get('a')).toBe('A');
    expect(await cache.get('a')).toBe('A');
    expect(await cache.get('zz')).toBeUndefined();
    data.set('zz', 'Z');
    expect(await cache.get('zz')).toBe('Z');
    expect(l.reads).toEqual(['a', 'zz', 'zz']);
  });

  it('drops everything once the signal reports a change made elsewhere', async () => {
    const { data, signal, l, cache } = setUp();
    await cache.get('a');
    data.set('a', 'A2');
    signal.value = 2;
    expect(await cache.get('a')).toBe('A2');
    expect(l.reads).toEqual(['a', 'a']);
  });

  it('reads through and keeps nothing while the signal cannot vouch', async () => {
    const { data, signal, l, cache } = setUp();
    await cache.get('a');
    signal.value = undefined;
    data.set('a', 'A2');
    expect(await cache.get('a')).toBe('A2');
    expect(await cache.get('a')).toBe('A2');
    signal.value = 1;
    // Back under the same epoch value, nothing read while it could not vouch is served.
    expect(await cache.get('a')).toBe('A2');
    expect(l.reads).toEqual(['a', 'a', 'a', 'a']);
  });

  it('holds at most maxEntries, dropping the one stored first', async () => {
    const { l, cache } = setUp({ maxEntries: 3 });
    for (const k of ['a', 'b', 'c', 'd']) await cache.get(k);
    await cache.get('d');
    await cache.get('c');
    await cache.get('b');
    expect(l.reads).toEqual(['a', 'b', 'c', 'd']);
    await cache.get('a');
    expect(l.reads).toEqual(['a', 'b', 'c', 'd', 'a']);
  });

  it('forget drops the selected entries only', async () => {
    const { data, l, cache } = setUp();
    await cache.get('a');
    await cache.get('b');
    data.set('a', 'A2');
    data.set('b', 'B2');
    cache.forget((v) => v === 'A');
    expect(await cache.get('a')).toBe('A2');
    expect(await cache.get('b')).toBe('B');
    expect(l.reads).toEqual(['a', 'b', 'a']);
  });

  it('does not keep a value whose read was under way when this process changed it', async () => {
    const { data, l, cache } = setUp();
    const { release } = l.hold();
    const reading = cache.get('a');
    data.set('a', 'A2');
    cache.forget(() => true);
    release();
    expect(await reading).toBe('A');
    expect(await cache.get('a')).toBe('A2');
  });

  it('does not keep a value whose read was under way when the signal moved', async () => {
    const { data, signal, l, cache } = setUp();
    const { release } = l.hold();
    const reading = cache.get('a');
    data.set('a', 'A2');
    signal.value = 2;
    release();
    expect(await reading).toBe('A');
    expect(await cache.get('a')).toBe('A2');
  });

  it('reads an entry again once it is older than ttlMs', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const { l, cache } = setUp({ ttlMs: 1000 });
    await cache.get('a');
    vi.advanceTimersByTime(999);
    await cache.get('a');
    vi.advanceTimersByTime(1);
    await cache.get('a');
    expect(l.reads).toEqual(['a', 'a']);
  });
});
