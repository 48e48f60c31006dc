/**
 * Queries built and compiled once, then run with new parameter values. Building and compiling a Kysely query costs
 * more than running a small indexed one, so the hottest reads (a review by id, an API key by hash, a summary row)
 * skip both: the query is compiled once per dialect with marker values, and each call swaps the markers' positions
 * for the caller's values. Only scalar parameters are supported (no `in` lists).
 */
import type { Compilable, CompiledQuery } from 'kysely';
import type { Executor } from './executor.ts';

type Scalar = string | number | null;

interface Compiled {
  query: CompiledQuery;
  /** For each compiled parameter: the name of the caller's value, or a constant the builder inlined. */
  slots: ({ name: string } | { value: unknown })[];
}

export function preparedQuery<P extends Record<string, Scalar>, R>(
  build: (db: Executor, params: P) => Compilable<R>,
): (db: Executor, params: P) => Promise<R[]> {
  // One compiled form per adapter class: the tests run both dialects in one process.
  const byAdapter = new Map<unknown, Compiled>();

  function compile(db: Executor, sample: P): Compiled {
    const markers = Object.fromEntries(Object.keys(sample).map((k) => [k, `\u0000param:${k}\u0000`])) as unknown as P;
    const byMarker = new Map(Object.entries(markers).map(([k, m]) => [m as unknown, k]));
    const compiled = build(db, markers).compile();
    const slots = compiled.parameters.map((v) => {
      const name = byMarker.get(v);
      return name === undefined ? { value: v } : { name };
    });
    for (const k of Object.keys(sample)) {
      if (!slots.some((s) => 'name' in s && s.name === k))
        throw new Error(`prepared query does not use parameter ${k}`);
    }
    return { query: compiled, slots };
  }

  return async (db, params) => {
    const adapter = db.getExecutor().adapter.constructor;
    let c = byAdapter.get(adapter);
    if (!c) {
      c = compile(db, params);
      byAdapter.set(adapter, c);
    }
    const parameters = c.slots.map((s) => ('name' in s ? params[s.name] : s.value));
    const result = await db.executeQuery<R>({ ...c.query, parameters });
    return result.rows;
  };
}
