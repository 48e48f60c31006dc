/**
 * Pure rules of rate limiting (docs/rate-limits.md): which network an address belongs to, and the RateLimit header
 * fields of draft-ietf-httpapi-ratelimit-headers-10 (Structured Field lists). No I/O, no clock.
 */
import { isIP } from 'node:net';
import type { RateLimitSpec } from '../config.ts';

/** The eight 16-bit groups of an IPv6 address (a trailing dotted IPv4 part becomes two groups), or null. */
function ipv6Groups(address: string): number[] | null {
  let text = address.split('%')[0] ?? '';
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const parse = (s: string) => (s === '' ? [] : s.split(':').map((h) => Number.parseInt(h, 16)));
  const head = parse(halves[0] ?? '');
  const tail = halves.length === 2 ? parse(halves[1] ?? '') : [];
  const fill = 8 - head.length - tail.length;
  if (fill < 0 || (halves.length === 1 && fill !== 0)) return null;
  const groups = [...head, ...Array<number>(fill).fill(0), ...tail];
  return groups.some((g) => Number.isNaN(g) || g < 0 || g > 0xffff) ? null : groups;
}

/**
 * The network a client address stands for: an IPv4 address itself (also when written IPv4-mapped, `::ffff:a.b.c.d`),
 * and for IPv6 its /64 prefix (`2001:db8:0:1::/64`), because one subscriber is usually given a whole /64 and can
 * change addresses inside it at will. Anything else is returned as it is.
 */
export function clientNetwork(address: string): string {
  const family = isIP(address.split('%')[0] ?? '');
  if (family !== 6) return address;
  const g = ipv6Groups(address);
  if (!g) return address;
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) {
    return [g[6] ?? 0, g[7] ?? 0].flatMap((x) => [x >> 8, x & 0xff]).join('.');
  }
  return `${g
    .slice(0, 4)
    .map((x) => x.toString(16))
    .join(':')}::/64`;
}

/** One policy of a limited action: its name on the wire and its budget. */
export interface LimitPolicy {
  name: string;
  spec: RateLimitSpec;
}

/** Where one policy stands after a request: what is left of the window and when it starts over. */
export interface LimitState {
  policy: string;
  remaining: number;
  resetSeconds: number;
}

/** `RateLimit-Policy`: `"name";q=<quota>;w=<window seconds>` per policy, comma-separated. */
export const policyField = (policies: readonly LimitPolicy[]): string =>
  policies.map((p) => `"${p.name}";q=${p.spec.points};w=${p.spec.windowSeconds}`).join(', ');

/** `RateLimit`: `"name";r=<remaining>;t=<seconds to reset>` per policy, comma-separated. */
export const stateField = (states: readonly LimitState[]): string =>
  states.map((s) => `"${s.policy}";r=${Math.max(0, s.remaining)};t=${Math.max(0, s.resetSeconds)}`).join(', ');

/** Whole seconds until `ms` has passed, at least 1 (the `Retry-After` of a refused request). */
export const retryAfterSeconds = (ms: number): number => Math.max(1, Math.ceil(ms / 1000));
