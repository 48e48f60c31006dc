/**
 * Pure rules of dashboard users and sessions: how an e-mail is compared, when a session has ended, when its
 * last use is worth writing down, what a failed sign-in does to the lockout counter, and what is kept about the
 * browser and network of a session (enough for its user to recognise it, not enough to track anyone). No I/O, no clock (the
 * time is always passed in).
 */
import { isIP } from 'node:net';
import type { UserSessionRow } from '../db/schema.ts';
import { clientNetwork } from '../limits/limits.rules.ts';

/** Sign-in e-mails compare case-insensitively, without surrounding blanks. */
export const normalizeEmail = (email: string): string => email.trim().toLowerCase();

export interface SessionTimes {
  idleSeconds: number;
  maxSeconds: number;
}

/** Whether a session is over at `now`: past its absolute end, or unused for longer than the idle time. */
export function sessionEnded(
  s: Pick<UserSessionRow, 'last_seen_at' | 'expires_at'>,
  now: Date,
  t: SessionTimes,
): boolean {
  const at = now.getTime();
  return at >= Date.parse(s.expires_at) || at - Date.parse(s.last_seen_at) >= t.idleSeconds * 1000;
}

/**
 * Whether to write a session's use down now: at most once a minute (or once per twentieth of the idle time when
 * that is shorter), so a busy dashboard does not write on every request, at the cost of the idle clock running up
 * to that much early.
 */
export function touchDue(s: Pick<UserSessionRow, 'last_seen_at'>, now: Date, t: SessionTimes): boolean {
  const step = Math.min(60_000, (t.idleSeconds * 1000) / 20);
  return now.getTime() - Date.parse(s.last_seen_at) >= step;
}

export interface LockoutPolicy {
  maxFailures: number;
  windowSeconds: number;
}

/** Seconds left of a lockout at `now` (rounded up), or 0 when there is none. */
export function lockedFor(lockedUntil: string | null | undefined, now: Date): number {
  if (!lockedUntil) return 0;
  const left = Date.parse(lockedUntil) - now.getTime();
  return left > 0 ? Math.ceil(left / 1000) : 0;
}

/** Browsers and systems a user-agent summary names, most specific first (Edge and Opera also say "Chrome"). */
const BROWSERS: readonly [RegExp, string][] = [
  [/\bEdg(?:e|A|iOS)?\/(\d+)/, 'Edge'],
  [/\b(?:OPR|Opera)\/(\d+)/, 'Opera'],
  [/\bFirefox\/(\d+)/, 'Firefox'],
  [/\bFxiOS\/(\d+)/, 'Firefox'],
  [/\bCriOS\/(\d+)/, 'Chrome'],
  [/\b(?:HeadlessChrome|Chromium|Chrome)\/(\d+)/, 'Chrome'],
  [/\bVersion\/(\d+)[\d.]* (?:Mobile\/\S+ )?Safari\//, 'Safari'],
  [/\bcurl\/(\d+)/, 'curl'],
];
const SYSTEMS: readonly [RegExp, string][] = [
  [/\bAndroid\b/, 'Android'],
  [/\b(?:iPhone|iPad|iPod)\b/, 'iOS'],
  [/\bWindows\b/, 'Windows'],
  [/\bMac OS X\b|\bMacintosh\b/, 'macOS'],
  [/\bCrOS\b/, 'ChromeOS'],
  [/\bLinux\b/, 'Linux'],
];

/**
 * What a session keeps of the `User-Agent` header: the browser's name and major version and the system's name
 * ("Firefox 133 on Linux"), from fixed lists, so nothing the client wrote is stored as it is; null when neither is
 * recognised.
 */
export function userAgentSummary(header: string | undefined): string | null {
  if (!header) return null;
  const ua = header.slice(0, 512);
  let browser: string | undefined;
  for (const [re, name] of BROWSERS) {
    const m = re.exec(ua);
    if (m) {
      browser = `${name} ${Number(m[1])}`;
      break;
    }
  }
  const system = SYSTEMS.find(([re]) => re.test(ua))?.[1];
  if (browser && system) return `${browser} on ${system}`;
  return browser ?? system ?? null;
}

/**
 * The network a session is shown to come from: an IPv4 address's /24 (`203.0.113.0/24`) and an IPv6 address's /64
 * (as the rate limits group it), never the address itself; null for anything that is not an address.
 */
export function sessionNetwork(address: string | undefined): string | null {
  if (!address) return null;
  const net = clientNetwork(address);
  if (net.endsWith('::/64')) return net;
  if (isIP(net) !== 4) return null;
  const [a, b, c] = net.split('.');
  return `${a}.${b}.${c}.0/24`;
}
