import { describe, expect, it } from 'vitest';
import { clientNetwork, policyField, retryAfterSeconds, stateField } from './limits.rules.ts';

describe('clientNetwork', () => {
  it('keeps an IPv4 address as it is', () => {
    expect(clientNetwork('203.0.113.7')).toBe('203.0.113.7');
  });
  it('reads an IPv4-mapped IPv6 address as the IPv4 address', () => {
    expect(clientNetwork('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(clientNetwork('::ffff:cb00:7107')).toBe('203.0.113.7');
  });
  it('reduces IPv6 addresses to their /64, however they are written', () => {
    expect(clientNetwork('2001:db8:0:1::1')).toBe('2001:db8:0:1::/64');
    expect(clientNetwork('2001:0db8:0000:0001:ffff:ffff:ffff:ffff')).toBe('2001:db8:0:1::/64');
    expect(clientNetwork('2001:db8:0:2::1')).toBe('2001:db8:0:2::/64');
    expect(clientNetwork('::1')).toBe('0:0:0:0::/64');
    expect(clientNetwork('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
  });
  it('returns anything that is not an address unchanged', () => {
    expect(clientNetwork('unknown')).toBe('unknown');
  });
});

describe('RateLimit fields', () => {
  it('writes one list member per policy, in the draft-10 syntax', () => {
    expect(
      policyField([
        { name: 'votes-per-address', spec: { points: 120, windowSeconds: 60 } },
        { name: 'votes-per-site', spec: { points: 6000, windowSeconds: 60 } },
      ]),
    ).toBe('"votes-per-address";q=120;w=60, "votes-per-site";q=6000;w=60');
    expect(stateField([{ policy: 'votes-per-address', remaining: -3, resetSeconds: 12 }])).toBe(
      '"votes-per-address";r=0;t=12',
    );
  });
  it('rounds Retry-After up to whole seconds, at least one', () => {
    expect([retryAfterSeconds(0), retryAfterSeconds(1), retryAfterSeconds(1000), retryAfterSeconds(1001)]).toEqual([
      1, 1, 1, 2,
    ]);
  });
});
