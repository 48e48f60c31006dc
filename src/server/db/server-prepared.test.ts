import { CompiledQuery, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { openPostgres } from './database.ts';
import { prepareOnServer, statementName } from './server-prepared.ts';

const url = process.env.TEST_DATABASE_URL;

describe('statements prepared on the server', () => {
  it('names a registered text, once, and no other', () => {
    const text = `select $1::int as n -- ${crypto.randomUUID()}`;
    expect(statementName(text)).toBeUndefined();
    prepareOnServer(text);
    const name = statementName(text);
    expect(name).toMatch(/^verdict_\d+$/);
    prepareOnServer(text);
    expect(statementName(text)).toBe(name);
    expect(statementName(`${text} `)).toBeUndefined();
  });

  it.runIf(url)('runs a registered text by name on PostgreSQL, prepared once on the connection', async () => {
    // One connection, so the session that ran the statement is the one asked about it.
    const database = openPostgres(url as string, 1);
    try {
      const text = `select $1::int + 1 as n -- ${crypto.randomUUID()}`;
      const other = `select $1::int + 2 as n -- ${crypto.randomUUID()}`;
      prepareOnServer(text);
      for (const v of [1, 2, 3]) {
        const r = await database.db.executeQuery<{ n: number }>(CompiledQuery.raw(text, [v]));
        expect(r.rows).toEqual([{ n: v + 1 }]);
      }
      expect((await database.db.executeQuery<{ n: number }>(CompiledQuery.raw(other, [1]))).rows).toEqual([{ n: 3 }]);
      const prepared = await sql<{ name: string; statement: string }>`
        select name, statement from pg_prepared_statements`.execute(database.db);
      expect(prepared.rows).toEqual([{ name: statementName(text), statement: text }]);
    } finally {
      await database.close();
    }
  });
});
