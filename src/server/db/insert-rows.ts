/**
 * Multi-row inserts for write paths that insert many rows of one shape: a bulk create writes a hundred reviews,
 * three hundred events and a hundred audit entries per transaction. Kysely builds and compiles such a statement
 * value by value, which takes longer than SQLite takes to run it. The SQL text depends only on the table, the
 * columns and the number of rows, so Kysely compiles it once (right for the dialect) and later calls reuse the text
 * with the rows' values as parameters.
 */
import { CompiledQuery } from 'kysely';
import type { Executor } from './executor.ts';

/** A Kysely insert of the given rows, as the caller would run it. */
interface InsertQuery {
  compile(): CompiledQuery;
  execute(): Promise<unknown>;
}

/**
 * SQL text by statement shape, per adapter class (the tests run both dialects in one process); null marks a shape
 * whose compiled parameters do not follow the row layout.
 */
const texts = new Map<unknown, Map<string, string | null>>();
/** Shapes kept per dialect: row counts are bounded by the callers' chunk sizes, so this is a safety bound. */
const MAX_SHAPES = 256;

/**
 * Inserts `rows` with the statement `build` makes for them. Rows of one shape (the same keys in the same order, no
 * value undefined) reuse the SQL text; `name` identifies the statement in the cache (the table, say). The first time
 * a shape is seen, Kysely compiles the statement and its parameters are checked against the row layout. A shape
 * that does not match, or rows that are not uniform, simply run through Kysely each time.
 */
export async function insertRows<R extends object>(
  db: Executor,
  name: string,
  rows: readonly R[],
  build: (rows: readonly R[]) => InsertQuery,
): Promise<void> {
  const first = rows[0];
  if (first === undefined) return;
  const columns = Object.keys(first);
  const params = uniformValues(rows, columns);
  if (!params) {
    await build(rows).execute();
    return;
  }
  const adapter = db.getExecutor().adapter.constructor;
  let shapes = texts.get(adapter);
  if (!shapes) {
    shapes = new Map();
    texts.set(adapter, shapes);
  }
  const key = `${name}\u0000${rows.length}\u0000${columns.join(',')}`;
  let text = shapes.get(key);
  if (text === undefined) {
    const compiled = build(rows).compile();
    text = sameValues(compiled.parameters, params) ? compiled.sql : null;
    if (shapes.size >= MAX_SHAPES) shapes.clear();
    shapes.set(key, text);
    await db.executeQuery(compiled);
    return;
  }
  if (text === null) {
    await build(rows).execute();
    return;
  }
  await db.executeQuery(CompiledQuery.raw(text, params));
}

/** The rows' values in row-major, column order; undefined unless every row has exactly `columns`, in that order. */
function uniformValues(rows: readonly object[], columns: readonly string[]): unknown[] | undefined {
  const values: unknown[] = new Array(rows.length * columns.length);
  let i = 0;
  for (const row of rows) {
    let j = 0;
    for (const [key, value] of Object.entries(row)) {
      if (key !== columns[j++] || value === undefined) return undefined;
      values[i++] = value;
    }
    if (j !== columns.length) return undefined;
  }
  return values;
}

function sameValues(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
