import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { rowBuilder, shapedStatements } from './sqlite-statements.ts';

describe('rowBuilder', () => {
  it('keys values by column name in order, for any name', () => {
    const build = rowBuilder(['id', 'a "quoted" name', "it's", 'back\\slash', 'new\nline', '}); throw 1; ({']);
    expect(build([1, 2, 3, 4, 5, 6])).toEqual({
      id: 1,
      'a "quoted" name': 2,
      "it's": 3,
      'back\\slash': 4,
      'new\nline': 5,
      '}); throw 1; ({': 6,
    });
  });

  it('keeps the last value of a repeated name, as better-sqlite3 does', () => {
    expect(rowBuilder(['x', 'x'])([1, 2])).toEqual({ x: 2 });
  });

  it('makes __proto__ an own property, never the prototype', () => {
    const row = rowBuilder(['__proto__', 'y'])([{ polluted: true }, 1]);
    expect(Object.getPrototypeOf(row)).toBe(Object.prototype);
    expect(Object.keys(row)).toEqual(['__proto__', 'y']);
    expect((row as { polluted?: boolean }).polluted).toBeUndefined();
  });
});

describe('shapedStatements', () => {
  const sqlite = new Database(':memory:');
  sqlite.exec(
    "create table t (id integer primary key, name text, score real, blob blob); insert into t values (1, 'a', 1.5, x'00ff'), (2, null, null, null)",
  );
  const db = shapedStatements(sqlite);

  it('returns the same rows as better-sqlite3, as plain objects', () => {
    const sql = 'select id, name, score, blob from t order by id';
    expect(db.prepare(sql).all([])).toEqual(sqlite.prepare(sql).all());
    expect(db.prepare('select * from t where id = ?').all([2])).toEqual([
      { id: 2, name: null, score: null, blob: null },
    ]);
  });

  it('iterates rows as objects and runs writes', () => {
    expect(db.prepare('insert into t (id, name) values (?, ?)').run([3, 'c']).changes).toBe(1);
    expect([...db.prepare('select id, name from t where id >= ? order by id').iterate([2])]).toEqual([
      { id: 2, name: null },
      { id: 3, name: 'c' },
    ]);
  });

  it('reuses the prepared statement for the same SQL text', () => {
    const sql = 'select count(*) as n from t';
    expect(db.prepare(sql)).toBe(db.prepare(sql));
    expect(db.prepare(sql).all([])).toEqual([{ n: 3 }]);
  });
});
