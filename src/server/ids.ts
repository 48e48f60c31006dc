/**
 * Time-ordered ids (ADR 0005). Generated review, event and audit ids follow the UUIDv7 layout: 48 bits of
 * milliseconds, a 12-bit per-process sequence, then 62 random bits. They are still GUIDs (Wix's id format) and are
 * still made by any instance without asking the database, but each one sorts after the ids this process made
 * before it, so a new row lands at the end of the `(site_id, id)` indexes instead of on a random page of them.
 */
import { randomUUID } from 'node:crypto';

let lastMs = 0;
let sequence = 0;

/**
 * A new time-ordered id for something created at `at` (default: now). Ids from one process are strictly increasing:
 * within one millisecond the sequence counts up, and when it is exhausted (or the clock steps back) the id borrows
 * the next millisecond rather than break the order. The 62 random bits keep ids from separate processes distinct.
 */
export function timeOrderedId(at: number = Date.now()): string {
  if (at > lastMs) {
    lastMs = at;
    sequence = 0;
  } else if (sequence < 0xfff) {
    sequence++;
  } else {
    lastMs++;
    sequence = 0;
  }
  const hex = lastMs.toString(16).padStart(12, '0');
  // randomUUID() draws from a pooled buffer (cheaper than randomBytes per id); its last 17 characters are
  // "-" + the RFC 4122 variant nibble + 62 random bits, exactly the tail of a UUIDv7.
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7${sequence.toString(16).padStart(3, '0')}${randomUUID().slice(18)}`;
}
