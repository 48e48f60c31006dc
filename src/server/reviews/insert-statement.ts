/**
 * PostgreSQL: the whole write of new reviews as one statement (docs/adr/0016-one-statement-create-on-postgresql.md).
 * A create reads nothing back between its inserts, so the reviews, their outbox events, their audit entries, the
 * summary upserts and the entity announcement go as data-modifying CTEs of one statement, which PostgreSQL runs in
 * one implicit transaction: one round trip instead of BEGIN, five statements and COMMIT.
 *
 * Every sub-statement is the one the transactional path runs: the outbox insert fires the same statement triggers
 * (transaction id before any position is drawn, `NOTIFY verdict_outbox` at commit), events take their positions in
 * the order of the VALUES list, and the summary rows are upserted in (namespace, entityId) order, the lock order of
 * every other review write.
 */
import { CompiledQuery } from 'kysely';
import { ENTITY_CHANNEL } from '../db/change-signal.ts';
import { prepareOnServer } from '../db/server-prepared.ts';

/** Rows of one table: the columns of the first, the values of each in that order. */
export interface TableRows {
  table: string;
  rows: readonly Record<string, unknown>[];
  /** Text after the VALUES list (an upsert's ON CONFLICT clause). */
  suffix?: string;
}

/** Statement texts by shape (tables, columns, row counts); shapes are bounded by the callers' chunk sizes. */
const texts = new Map<string, string>();
const MAX_SHAPES = 256;
/**
 * Statements of at most this many reviews are prepared on the server (`prepareOnServer`). Each prepared text costs
 * every pool connection that runs it 0.2–0.5 MB (measured: one review about 225 KB, sixteen about 490 KB), and
 * concurrent creates batched together (unit-of-work.ts) make a shape per count of reviews, events and entities; a
 * larger statement (a bulk create's hundred) is planned each time, which its rows share.
 */
const PREPARED_MAX_REVIEWS = 16;

/**
 * The statement inserting `tables` (each a CTE, in the order given) and then announcing `payload` on the entity
 * channel; undefined when a row lacks a column of its table's first row, or has one more (the caller then takes
 * the transactional path).
 */
export function insertStatement(tables: readonly TableRows[], payload: string): CompiledQuery | undefined {
  const present = tables.filter((t) => t.rows.length > 0);
  const params: unknown[] = [];
  const shape: string[] = [];
  const columnsOf: string[][] = [];
  for (const t of present) {
    const columns = Object.keys(t.rows[0] as object);
    for (const row of t.rows) {
      if (Object.keys(row).length !== columns.length) return undefined;
      for (const c of columns) {
        const value = row[c];
        if (value === undefined) return undefined;
        params.push(value);
      }
    }
    columnsOf.push(columns);
    shape.push(`${t.table}(${columns.join(',')})x${t.rows.length}`);
  }
  params.push(ENTITY_CHANNEL, payload);
  const key = shape.join(';');
  let text = texts.get(key);
  if (text === undefined) {
    text = compose(present, columnsOf);
    if (texts.size >= MAX_SHAPES) texts.clear();
    texts.set(key, text);
    const reviews = present.find((t) => t.table === 'reviews')?.rows.length ?? 0;
    if (reviews <= PREPARED_MAX_REVIEWS) prepareOnServer(text);
  }
  return CompiledQuery.raw(text, params);
}

function compose(tables: readonly TableRows[], columnsOf: readonly string[][]): string {
  let n = 0;
  const ctes = tables.map((t, i) => {
    const columns = columnsOf[i] as string[];
    const values = t.rows.map(() => `(${columns.map(() => `$${++n}`).join(', ')})`).join(', ');
    const list = columns.map((c) => `"${c}"`).join(', ');
    return `w${i} as (insert into "${t.table}" (${list}) values ${values}${t.suffix ? ` ${t.suffix}` : ''})`;
  });
  const notify = `select pg_notify($${n + 1}, $${n + 2})`;
  return ctes.length > 0 ? `with ${ctes.join(', ')} ${notify}` : notify;
}
