import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { digest } from './digest.ts';

describe('digest', () => {
  const inputs = ['', 'abc', 'é\u0000\u2028😀', 'x'.repeat(600), '\ud800 lone surrogate'];

  it.each(['sha1', 'sha256'] as const)('gives the bytes of createHash for %s in every encoding', (algorithm) => {
    for (const data of inputs) {
      for (const encoding of ['hex', 'base64', 'base64url'] as const) {
        expect(digest(algorithm, data, encoding)).toBe(createHash(algorithm).update(data).digest(encoding));
      }
    }
  });

  it('digests the known SHA-256 of "abc"', () => {
    expect(digest('sha256', 'abc', 'hex')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
