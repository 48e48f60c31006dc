import { describe, expect, it } from 'vitest';
import { statementName } from '../db/server-prepared.ts';
import { insertStatement } from './insert-statement.ts';

const reviews = (n: number) => Array.from({ length: n }, (_, i) => ({ site_id: 'site', id: `review-${i}` }));

describe('the statement of new reviews on PostgreSQL', () => {
  it('is prepared on the server for up to 16 reviews, and planned each time beyond', () => {
    const small = insertStatement([{ table: 'reviews', rows: reviews(16) }], '["", "site"]');
    const large = insertStatement([{ table: 'reviews', rows: reviews(17) }], '["", "site"]');
    expect(statementName(small?.sql ?? '')).toMatch(/^verdict_\d+$/);
    expect(statementName(large?.sql ?? '')).toBeUndefined();
    // Parameters: every value of every row, then the channel and the payload.
    expect(large?.parameters).toHaveLength(17 * 2 + 2);
  });
});
