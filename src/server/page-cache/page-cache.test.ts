import { describe, expect, it } from 'vitest';
import type { ChangeSignal } from '../db/change-signal.ts';
import { createPageCache, type Outcome, type Rendered } from './page-cache.ts';

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

function setup(opts: { maxEntries?: number; maxBytes?: number } = {}) {
  const signal = handSignal();
  const outcomes: Outcome[] = [];
  const cache = createPageCache({ signal, ...opts, count: (_kind, outcome) => outcomes.push(outcome) });
  let renders = 0;
  const render =
    (entityId: string, body = `page of ${entityId}`, siteId = 's1') =>
    async (): Promise<Rendered> => {
      renders++;
      return { body, siteId, entityId };
    };
  return { signal, cache, outcomes, render, renders: () => renders };
}

describe('page cache', () => {
  it('serves the kept bytes and tag until the entity is forgotten, and only that entity', async () => {
    const { cache, outcomes, render, renders } = setup();
    const a1 = await cache.read('k', 'a', render('A'));
    const a2 = await cache.read('k', 'a', render('A', 'changed'));
    expect(a2.body.toString()).toBe('page of A');
    expect(a2.etag).toBe(a1.etag);
    await cache.read('k', 'b', render('B'));
    cache.forget('s1', ['B']);
    expect((await cache.read('k', 'a', render('A', 'changed'))).body.toString()).toBe('page of A');
    expect((await cache.read('k', 'b', render('B', 'new B'))).body.toString()).toBe('new B');
    cache.forget('s2', ['A']);
    expect((await cache.read('k', 'a', render('A', 'changed'))).body.toString()).toBe('page of A');
    cache.forget('s1', null);
    expect((await cache.read('k', 'a', render('A', 'changed'))).body.toString()).toBe('changed');
    expect(outcomes).toEqual(['miss', 'hit', 'miss', 'hit', 'miss', 'hit', 'miss']);
    expect(renders()).toBe(4);
  });

  it('drops everything when the epoch moves, and keeps nothing while it is undefined', async () => {
    const { cache, signal, outcomes, render } = setup();
    await cache.read('k', 'a', render('A'));
    signal.value = 2;
    expect((await cache.read('k', 'a', render('A', 'v2'))).body.toString()).toBe('v2');
    signal.value = undefined;
    expect((await cache.read('k', 'a', render('A', 'v3'))).body.toString()).toBe('v3');
    expect((await cache.read('k', 'a', render('A', 'v4'))).body.toString()).toBe('v4');
    expect(cache.size().entries).toBe(0);
    signal.value = 3;
    expect((await cache.read('k', 'a', render('A', 'v5'))).body.toString()).toBe('v5');
    expect(outcomes).toEqual(['miss', 'miss', 'bypass', 'bypass', 'miss']);
  });

  it('does not keep a render that a write overtook', async () => {
    const { cache, render } = setup();
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slow = cache.read('k', 'a', async () => {
      await gate;
      return render('A', 'read before the write')();
    });
    cache.forget('s1', ['A']);
    release();
    expect((await slow).body.toString()).toBe('read before the write');
    expect((await cache.read('k', 'a', render('A', 'after'))).body.toString()).toBe('after');
  });

  it('keeps within its entry and byte bounds, the least recently used going first', async () => {
    const { cache, render } = setup({ maxEntries: 2, maxBytes: 25 });
    await cache.read('k', 'a', render('A', 'aaaaaaaaaa'));
    await cache.read('k', 'b', render('B', 'bbbbbbbbbb'));
    await cache.read('k', 'a', render('A', 'x'));
    await cache.read('k', 'c', render('C', 'cccccccccc'));
    expect(cache.size()).toEqual({ entries: 2, bytes: 20 });
    expect((await cache.read('k', 'a', render('A', 'x'))).body.toString()).toBe('aaaaaaaaaa');
    expect((await cache.read('k', 'b', render('B', 'y'))).body.toString()).toBe('y');
    await cache.read('k', 'd', render('D', 'd'.repeat(20)));
    expect(cache.size().bytes).toBeLessThanOrEqual(25);
    await cache.read('k', 'e', render('E', 'e'.repeat(30)));
    expect(cache.size().bytes).toBeLessThanOrEqual(25);
    expect((await cache.read('k', 'e', render('E', 'again'))).body.toString()).toBe('again');
  });

  it('keeps each answer in memory of its own, so the bytes it counts are the bytes it holds', async () => {
    const { cache, render } = setup();
    const bodies = ['{"summary":{"count":3}}', 'é'.repeat(100), 'x'.repeat(5000)];
    for (const [i, body] of bodies.entries()) {
      // Short buffers made in between share Node's allocation pool with whatever is made next to them.
      Buffer.from('between');
      const page = await cache.read('k', `key ${i}`, render(`E${i}`, body));
      expect(page.body.toString()).toBe(body);
      expect(page.body.buffer.byteLength).toBe(Buffer.byteLength(body));
    }
    expect(cache.size().bytes).toBe(bodies.reduce((n, b) => n + Buffer.byteLength(b), 0));
  });
});
