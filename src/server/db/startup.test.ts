import { describe, expect, it } from 'vitest';
import { describeDatabaseTarget, retryUntilReachable } from './startup.ts';

describe('describeDatabaseTarget', () => {
  it('names host, port and database of a PostgreSQL URL, never its user or password', () => {
    const text = describeDatabaseTarget('postgres://verdict:hunter2@db.internal:6543/reviews?sslmode=require');
    expect(text).toBe('PostgreSQL database "reviews" on db.internal:6543');
    expect(text).not.toContain('hunter2');
    expect(describeDatabaseTarget('postgresql://u:p@localhost/shop')).toBe(
      'PostgreSQL database "shop" on localhost:5432',
    );
    expect(describeDatabaseTarget('postgres://u:p@/shop?host=/var/run/postgresql')).toContain(
      '/var/run/postgresql:5432',
    );
  });

  it('names the file of an SQLite URL', () => {
    expect(describeDatabaseTarget('sqlite:./data/verdict.db')).toBe('SQLite file ./data/verdict.db');
  });
});

describe('retryUntilReachable', () => {
  const refused = () => Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
  const opts = { timeoutMs: 5000, databaseUrl: 'postgres://u:pw@h:5432/d', minDelayMs: 1, maxDelayMs: 2 };

  it('retries an unreachable database until the step succeeds', async () => {
    let calls = 0;
    const waits: string[] = [];
    const value = await retryUntilReachable(
      async () => {
        if (++calls < 4) throw refused();
        return 'up';
      },
      { ...opts, onWait: (m) => waits.push(m) },
    );
    expect(value).toBe('up');
    expect(calls).toBe(4);
    expect(waits).toHaveLength(1);
  });

  it('fails at once, naming the target, on an error waiting cannot mend', async () => {
    let calls = 0;
    const badPassword = Object.assign(new Error('password authentication failed'), { code: '28P01' });
    const err = await retryUntilReachable(async () => {
      calls++;
      throw new Error('could not connect', { cause: badPassword });
    }, opts).catch((e: unknown) => e as Error);
    expect(calls).toBe(1);
    expect(err.message).toBe('Cannot start on the PostgreSQL database "d" on h:5432');
    expect(err.cause).toBeInstanceOf(Error);
  });
});
