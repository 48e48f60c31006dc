/**
 * Queries compiled once per shape and run with each call's values. Building and compiling a Kysely query costs
 * 15–30 µs for a filtered keyset page on SQLite (measured), about a tenth of reading the page's rows, and most
 * requests repeat a few shapes ("this entity, newest first, after this cursor"). The caller replaces each value
 * of its input with a marker ({@link Slots}), names the shape by the marked input, and builds the query from the
 * marked input on the first call of a shape; later calls swap the markers' positions for their own values. Like
 * `db/prepared.ts`, but for inputs of variable structure (a filter tree), so the shape is the caller's key.
 */
import type { Compilable, CompiledQuery } from 'kysely';

/** A marker for the value at `index`: no constant a page builder binds contains NUL, so none is taken for a marker. */
const markerOf = (index: number): string => `\u0000slot:${index}\u0000`;

/** The values of one call, in the order their markers were handed out. */
export class Slots {
  readonly values: unknown[] = [];

  /** Records `value` and returns the marker that stands for it in the query built for the shape. */
  mark<T>(value: T): T {
    this.values.push(value);
    // The marker takes the value's place in the builder's input; the builder only binds it as a parameter.
    return markerOf(this.values.length - 1) as unknown as T;
  }
}

interface Compiled {
  query: CompiledQuery;
  /** For each compiled parameter: the index of the call's value, or a constant the builder bound itself. */
  params: ({ slot: number } | { value: unknown })[];
}

/** The compiled form of `query` with its markers resolved, or null if the builder did not bind every value as is. */
function resolve(query: CompiledQuery, count: number): Compiled | null {
  const byMarker = new Map<unknown, number>();
  for (let i = 0; i < count; i++) byMarker.set(markerOf(i), i);
  const used = new Set<number>();
  const params = query.parameters.map((value) => {
    const slot = byMarker.get(value);
    if (slot === undefined) return { value };
    used.add(slot);
    return { slot };
  });
  const transformed =
    query.sql.includes('\u0000') ||
    params.some((p) => 'value' in p && typeof p.value === 'string' && p.value.includes('\u0000'));
  return used.size === count && !transformed ? { query, params } : null;
}

/** A bounded map of shapes to compiled queries; when full, the shape stored first is dropped. */
export class ShapeCache {
  readonly #byShape = new Map<string, Compiled | null>();
  readonly #maxShapes: number;

  constructor(maxShapes: number) {
    this.#maxShapes = maxShapes;
  }

  /**
   * The query for `shape` with `slots`' values. `buildMarked` builds it from the marked input (called once per
   * shape); `buildPlain` from the plain input, used for a shape whose builder transforms a value instead of binding it
   * (none does today: the shape is then built on every call, as without this cache).
   */
  compile(
    shape: string,
    slots: Slots,
    buildMarked: () => Compilable<unknown>,
    buildPlain: () => Compilable<unknown>,
  ): CompiledQuery {
    let compiled = this.#byShape.get(shape);
    if (compiled === undefined) {
      compiled = resolve(buildMarked().compile(), slots.values.length);
      if (this.#byShape.size >= this.#maxShapes) {
        const oldest = this.#byShape.keys().next();
        if (!oldest.done) this.#byShape.delete(oldest.value);
      }
      this.#byShape.set(shape, compiled);
    }
    if (compiled === null) return buildPlain().compile();
    const { values } = slots;
    const parameters = compiled.params.map((p) => ('slot' in p ? values[p.slot] : p.value));
    return { ...compiled.query, parameters };
  }
}
