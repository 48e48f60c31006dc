/**
 * PostgreSQL: statement texts prepared on the server once per connection, then run by name. A statement sent
 * without a name is parsed, analysed and planned by the server on every run; for the one statement of a create
 * (reviews, events, audit and summaries as CTEs of a hundred parameters, docs/adr/0016) that is server CPU each
 * create pays again. A text registered here is sent by the pool's connections as a named statement: the first run
 * on a connection prepares it, later runs bind and execute only. The pg driver keeps which names each connection
 * has prepared, and a connection that is replaced starts over.
 *
 * Only for texts whose result columns no migration can change: a prepared `select *` fails on its connection with
 * "cached plan must not change result type" once another instance's migration adds a column to the table. The
 * create statement returns the one column of its `pg_notify`.
 */

/**
 * Registered texts at most: each is a prepared statement on every connection that runs it, up to about 0.5 MB of
 * the server's memory per connection for the largest registered create (insert-statement.ts).
 */
const MAX_STATEMENTS = 64;
const names = new Map<string, string>();

/**
 * Registers `text` to run as a named statement on PostgreSQL. Callers register texts whose number is bounded (one
 * per statement shape); past the bound, new texts run unnamed as before.
 */
export function prepareOnServer(text: string): void {
  if (names.has(text) || names.size >= MAX_STATEMENTS) return;
  names.set(text, `verdict_${names.size + 1}`);
}

/** The name `text` runs under, if it was registered. */
export const statementName = (text: string): string | undefined => names.get(text);
