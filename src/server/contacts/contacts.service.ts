/** The minimum of Wix Contacts that reviews need: find a contact by email, or create one (fact sheet §12). */
import { randomUUID } from 'node:crypto';
import type { ContactRow } from '../db/schema.ts';
import { type DbDeps, iso } from '../deps.ts';
import { isUniqueViolation } from '../errors.ts';
import { contactsRepo } from './contacts.repo.ts';

export const normalizeEmail = (email: string): string => email.trim().toLowerCase();

/** Returns the contact with this email, creating it with `name` when none exists. Safe under concurrent calls. */
export async function findOrCreateContactByEmail(
  deps: DbDeps,
  siteId: string,
  email: string,
  name: string | undefined,
): Promise<{ contact: ContactRow; created: boolean } | { contact: null; created: false }> {
  const normalized = normalizeEmail(email);
  const existing = await contactsRepo.byEmail(deps.db, siteId, normalized);
  if (existing) return { contact: existing, created: false };
  if (!name) return { contact: null, created: false };
  const now = iso(deps.clock());
  const row: ContactRow = {
    site_id: siteId,
    id: randomUUID(),
    name,
    email: email.trim(),
    email_normalized: normalized,
    created_at: now,
    updated_at: now,
  };
  try {
    await contactsRepo.insert(deps.db, row);
    return { contact: row, created: true };
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    const winner = await contactsRepo.byEmail(deps.db, siteId, normalized);
    if (!winner) throw err;
    return { contact: winner, created: false };
  }
}
