import { describe, expect, it } from 'vitest';
import { DEFAULT_SCRYPT, hashPassword, verifyDecoy, verifyPassword } from './passwords.ts';
import { lockedFor, normalizeEmail, sessionEnded, sessionNetwork, touchDue, userAgentSummary } from './users.rules.ts';

const CHEAP = { N: 1024, r: 8, p: 1 };
const at = (iso: string) => new Date(iso);

describe('passwords', () => {
  it('verifies the password it hashed, with a fresh salt each time, and nothing else', async () => {
    const a = await hashPassword('correct horse battery', CHEAP);
    const b = await hashPassword('correct horse battery', CHEAP);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^scrypt\$1024\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(await verifyPassword('correct horse battery', a)).toBe(true);
    expect(await verifyPassword('correct horse battery', b)).toBe(true);
    expect(await verifyPassword('correct horse batterY', a)).toBe(false);
    expect(await verifyPassword('', a)).toBe(false);
  });

  it('compares passwords in Unicode normal form (a composed and a decomposed é are the same)', async () => {
    const stored = await hashPassword('caf\u00e9 au lait', CHEAP);
    expect(await verifyPassword('cafe\u0301 au lait', stored)).toBe(true);
  });

  it('refuses stored values it did not make, and costs beyond its bounds, without computing them', async () => {
    const good = await hashPassword('pw', CHEAP);
    const [, , , , salt, key] = good.split('$');
    for (const bad of [
      '',
      'plaintext',
      `bcrypt$1024$8$1$${salt}$${key}`,
      `scrypt$1000$8$1$${salt}$${key}`,
      `scrypt$${2 ** 24}$8$1$${salt}$${key}`,
      `scrypt$1024$0$1$${salt}$${key}`,
      `scrypt$1024$8$99$${salt}$${key}`,
      `scrypt$1024$8$1$${salt}$${key?.slice(0, 20)}`,
      `${good}$extra`,
    ]) {
      expect([bad, await verifyPassword('pw', bad)]).toEqual([bad, false]);
    }
  });

  it('stores the default cost in the hash, so a later default does not break it', async () => {
    expect(DEFAULT_SCRYPT).toEqual({ N: 32768, r: 8, p: 1 });
    const stored = await hashPassword('pw', CHEAP);
    expect(await verifyPassword('pw', stored)).toBe(true);
    expect(await verifyDecoy('pw')).toBe(false);
  });
});

describe('session and lockout rules', () => {
  const times = { idleSeconds: 1800, maxSeconds: 7200 };
  const session = { last_seen_at: '2026-12-05T08:00:00.000Z', expires_at: '2026-12-05T10:00:00.000Z' };

  it('ends a session at its idle time or its absolute end, whichever comes first', () => {
    expect(sessionEnded(session, at('2026-12-05T08:29:59.999Z'), times)).toBe(false);
    expect(sessionEnded(session, at('2026-12-05T08:30:00.000Z'), times)).toBe(true);
    const busy = { ...session, last_seen_at: '2026-12-05T09:59:00.000Z' };
    expect(sessionEnded(busy, at('2026-12-05T09:59:59.999Z'), times)).toBe(false);
    expect(sessionEnded(busy, at('2026-12-05T10:00:00.000Z'), times)).toBe(true);
  });

  it('writes a use down at most once a minute (sooner when the idle time is short)', () => {
    expect(touchDue(session, at('2026-12-05T08:00:59.999Z'), times)).toBe(false);
    expect(touchDue(session, at('2026-12-05T08:01:00.000Z'), times)).toBe(true);
    expect(touchDue(session, at('2026-12-05T08:00:03.000Z'), { idleSeconds: 60, maxSeconds: 600 })).toBe(true);
  });

  it('counts the seconds a lockout has left, rounded up, and none once it is over', () => {
    const now = at('2026-12-05T08:00:00.000Z');
    expect(lockedFor(null, now)).toBe(0);
    expect(lockedFor('2026-12-05T07:59:59.000Z', now)).toBe(0);
    expect(lockedFor('2026-12-05T08:00:00.000Z', now)).toBe(0);
    expect(lockedFor('2026-12-05T08:00:00.001Z', now)).toBe(1);
    expect(lockedFor('2026-12-05T08:10:00.000Z', now)).toBe(600);
  });

  it('compares e-mails without case or surrounding blanks', () => {
    expect(normalizeEmail('  Ann.Lee@Example.COM ')).toBe('ann.lee@example.com');
  });
});

describe('what a session keeps of its client', () => {
  it('summarises the user agent as browser, major version and system, from fixed names only', () => {
    expect(userAgentSummary('Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0')).toBe(
      'Firefox 133 on Linux',
    );
    expect(
      userAgentSummary(
        'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.86',
      ),
    ).toBe('Edge 131 on Windows');
    expect(
      userAgentSummary(
        'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
      ),
    ).toBe('Safari 17 on iOS');
    expect(
      userAgentSummary(
        'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/140.0.0.0 Safari/537.36',
      ),
    ).toBe('Chrome 140 on Linux');
    expect(userAgentSummary('curl/8.5.0')).toBe('curl 8');
    // Whatever else the header says is not kept.
    expect(userAgentSummary('<script>alert(1)</script> Linux')).toBe('Linux');
    expect(userAgentSummary('<script>alert(1)</script>')).toBeNull();
    expect(userAgentSummary(undefined)).toBeNull();
    expect(userAgentSummary('')).toBeNull();
  });

  it('keeps the network, never the address: IPv4 /24, IPv6 /64', () => {
    expect(sessionNetwork('203.0.113.77')).toBe('203.0.113.0/24');
    expect(sessionNetwork('::ffff:203.0.113.77')).toBe('203.0.113.0/24');
    expect(sessionNetwork('2001:db8:0:1:aaaa::1')).toBe('2001:db8:0:1::/64');
    expect(sessionNetwork('unknown')).toBeNull();
    expect(sessionNetwork(undefined)).toBeNull();
  });
});
