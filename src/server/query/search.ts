/**
 * Full-text search over title and body (a Verdict extension): the user's text is reduced to at most 10 word
 * tokens (letters and digits only), so nothing of it reaches the FTS syntax; every token must match, the last one
 * as a prefix. SQLite uses the FTS5 table `reviews_fts`; PostgreSQL a `simple` tsvector with a GIN index.
 */
import { type Expression, type ExpressionBuilder, type SqlBool, sql } from 'kysely';
import type { Dialect } from '../db/database.ts';
import type { Database } from '../db/schema.ts';

export const SEARCH_MAX_TOKENS = 10;

/** Word tokens of a search text, lower-cased; empty when the text has no letters or digits. */
export function searchTokens(text: string): string[] {
  return (text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).slice(0, SEARCH_MAX_TOKENS);
}

export function searchCondition(
  _eb: ExpressionBuilder<Database, 'reviews'>,
  dialect: Dialect,
  tokens: readonly string[],
): Expression<SqlBool> {
  if (dialect === 'sqlite') {
    const match = tokens.map((t, i) => `"${t}"${i === tokens.length - 1 ? '*' : ''}`).join(' ');
    return sql<SqlBool>`reviews.rowid in (select rowid from reviews_fts where reviews_fts match ${match})`;
  }
  const query = tokens.map((t, i) => `${t}${i === tokens.length - 1 ? ':*' : ''}`).join(' & ');
  return sql<SqlBool>`to_tsvector('simple', coalesce(title, '') || ' ' || coalesce(body, '')) @@ to_tsquery('simple', ${query})`;
}
