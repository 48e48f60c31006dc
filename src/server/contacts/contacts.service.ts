/**
 * The minimum of Wix Contacts that reviews need (docs/wix-api.md §12): find a contact by email or create one (for
 * createReviewAndContact), and the admin-only Contacts v4 subset: create, get, query by email.
 */
import { randomUUID } from 'node:crypto';
import {
  type Contact,
  type CreateContactRequest,
  ENGAGEMENT_LIMITS,
  type FieldViolation,
  GUID_PATTERN,
  type QueryContactsRequest,
  type QueryContactsResponse,
} from '../../contract/index.ts';
import type { ContactRow } from '../db/schema.ts';
import { type DbDeps, iso } from '../deps.ts';
import { AppError, invalid, isUniqueViolation } from '../errors.ts';
import { listPage } from '../query/list-cursor.ts';
import type { SiteCache } from '../sites/site-cache.ts';
import { contactsQuery, contactsRepo } from './contacts.repo.ts';
import { CONTACT_EMAIL } from './contacts.rules.ts';

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
    // Contacts v4 shape of a contact created for a review: `info.name.first` = the author's name.
    name_first: name,
    name_last: null,
  };
  const winner = await insertUnlessTaken(deps, row, () => contactsRepo.byEmail(deps.db, siteId, normalized));
  return winner === row ? { contact: row, created: true } : { contact: winner, created: false };
}

/**
 * Inserts `row`, or, when a concurrent call inserted the same contact first (a unique key refuses this one), returns
 * the row that won, read by `winner`.
 */
async function insertUnlessTaken(
  deps: DbDeps,
  row: ContactRow,
  winner: () => Promise<ContactRow | undefined>,
): Promise<ContactRow> {
  try {
    await contactsRepo.insert(deps.db, row);
    return row;
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    const won = await winner();
    if (!won) throw err;
    return won;
  }
}

/**
 * The caller's own contact (a visitor's is bound to its visitor id, a member's is the one its token names), created
 * with `name` and no email when it does not exist yet and a name is given. Never looks at, or stores, an email: a
 * submitted address proves nothing about who the caller is. Safe under concurrent calls (the primary key decides).
 */
export async function findOrCreateOwnContact(
  deps: DbDeps,
  siteId: string,
  id: string,
  name: string | undefined,
): Promise<ContactRow | undefined> {
  const existing = await contactsRepo.byId(deps.db, siteId, id);
  if (existing || !name) return existing;
  const now = iso(deps.clock());
  const row: ContactRow = {
    site_id: siteId,
    id,
    name,
    email: null,
    email_normalized: null,
    created_at: now,
    updated_at: now,
    name_first: name,
    name_last: null,
  };
  return insertUnlessTaken(deps, row, () => contactsRepo.byId(deps.db, siteId, id));
}

const NO_CONTACT = (): AppError => new AppError('not_found', 'CONTACT_NOT_FOUND', 'Contact not found');
const GUID = new RegExp(GUID_PATTERN);

/** Row → Contacts v4 wire shape (docs/wix-api.md §12): one email, the primary one; revision is always 1 (no updates). */
export function toContact(row: ContactRow): Contact {
  const name = {
    ...(row.name_first !== null ? { first: row.name_first } : row.name !== null ? { first: row.name } : {}),
    ...(row.name_last !== null ? { last: row.name_last } : {}),
  };
  return {
    id: row.id,
    revision: 1,
    createdDate: row.created_at,
    updatedDate: row.updated_at,
    primaryInfo: row.email !== null ? { email: row.email } : {},
    info: {
      ...(Object.keys(name).length > 0 ? { name } : {}),
      emails: {
        items: row.email !== null ? [{ id: row.id, tag: 'UNTAGGED', email: row.email, primary: true }] : [],
      },
    },
    source: { sourceType: 'OTHER' },
  };
}

/**
 * createContact (Contacts v4 subset): name and/or one email; the email is stored trimmed and matched normalized
 * (trim + lower case). An email another contact has → 409 CONTACT_ALREADY_EXISTS with `duplicateContactId`.
 */
export async function createContact(deps: DbDeps, siteId: string, input: CreateContactRequest): Promise<Contact> {
  const violations: FieldViolation[] = [];
  const first = input.info.name?.first?.trim() || null;
  const last = input.info.name?.last?.trim() || null;
  const email = input.info.emails?.items[0]?.email.trim() || null;
  if (email !== null && !CONTACT_EMAIL.test(email)) {
    violations.push({
      field: 'info.emails.items[0].email',
      description: 'must be an email address',
      violatedRule: 'FORMAT',
    });
  }
  if (first === null && last === null && email === null) {
    violations.push({ field: 'info', description: 'must contain a name or an email', violatedRule: 'REQUIRED_FIELD' });
  }
  if (input.allowDuplicates === true) {
    violations.push({
      field: 'allowDuplicates',
      description: 'is not supported: emails are unique',
      violatedRule: 'INVALID_ARGUMENT',
    });
  }
  if (violations.length > 0) throw invalid(violations);
  const normalized = email === null ? null : normalizeEmail(email);
  const duplicate = (holder: ContactRow) =>
    new AppError('conflict', 'CONTACT_ALREADY_EXISTS', 'A contact with this email already exists', {
      data: { duplicateContactId: holder.id, duplicateEmail: holder.email },
    });
  if (normalized !== null) {
    const holder = await contactsRepo.byEmail(deps.db, siteId, normalized);
    if (holder) throw duplicate(holder);
  }
  const now = iso(deps.clock());
  const row: ContactRow = {
    site_id: siteId,
    id: randomUUID(),
    name: [first, last].filter((x) => x !== null).join(' ') || null,
    email,
    email_normalized: normalized,
    created_at: now,
    updated_at: now,
    name_first: first,
    name_last: last,
  };
  try {
    await contactsRepo.insert(deps.db, row);
  } catch (err) {
    if (!isUniqueViolation(err) || normalized === null) throw err;
    const holder = await contactsRepo.byEmail(deps.db, siteId, normalized);
    if (!holder) throw err;
    throw duplicate(holder);
  }
  return toContact(row);
}

/** getContact: 404 CONTACT_NOT_FOUND for an unknown (or non-GUID) id. */
export async function getContact(deps: Pick<DbDeps, 'db'>, siteId: string, id: string): Promise<Contact> {
  if (!GUID.test(id)) throw NO_CONTACT();
  const row = await contactsRepo.byId(deps.db, siteId, id);
  if (!row) throw NO_CONTACT();
  return toContact(row);
}

const EMAIL_FIELDS = ['info.emails.email', 'primaryInfo.email'];

/** The normalized emails a contacts filter asks for (undefined = no filter), or its violations. */
function emailFilter(filter: Record<string, unknown> | undefined): { emails?: string[]; violations: FieldViolation[] } {
  const violations: FieldViolation[] = [];
  if (!filter || Object.keys(filter).length === 0) return { violations };
  let emails: string[] | undefined;
  const keep = (list: string[]) => {
    emails = emails === undefined ? list : emails.filter((e) => list.includes(e));
  };
  for (const [field, value] of Object.entries(filter)) {
    const at = `query.filter.${field}`;
    if (!EMAIL_FIELDS.includes(field)) {
      violations.push({
        field: at,
        description: `is not supported; filter on ${EMAIL_FIELDS.join(' or ')}`,
        violatedRule: 'INVALID_ARGUMENT',
      });
      continue;
    }
    if (typeof value === 'string') {
      keep([normalizeEmail(value)]);
      continue;
    }
    const op = value !== null && typeof value === 'object' && !Array.isArray(value) ? Object.entries(value) : [];
    const [name, arg] = op.length === 1 ? (op[0] as [string, unknown]) : ['', undefined];
    if (name === '$eq' && typeof arg === 'string') keep([normalizeEmail(arg)]);
    else if (name === '$in' && Array.isArray(arg) && arg.length <= 100 && arg.every((x) => typeof x === 'string')) {
      keep((arg as string[]).map(normalizeEmail));
    } else {
      violations.push({
        field: at,
        description: 'must be a string, {$eq: string} or {$in: string[]} (≤ 100)',
        violatedRule: 'INVALID_ARGUMENT',
      });
    }
  }
  return { ...(emails !== undefined ? { emails } : {}), violations };
}

const CURSOR_FIELD = 'query.cursorPaging.cursor';

/**
 * queryContacts: contacts by email (`info.emails.email` / `primaryInfo.email`, `$eq`/`$in`), oldest first, paged by
 * offset (`paging`) or by a signed cursor (`cursorPaging`, list-cursor.ts) that carries the e-mail filter. Every
 * page, offset ones included, answers the cursor of the page after it.
 */
export async function queryContacts(
  deps: Pick<DbDeps, 'db'> & { sites: Pick<SiteCache, 'get'> },
  siteId: string,
  input: QueryContactsRequest,
): Promise<QueryContactsResponse> {
  const q = input.query;
  const cursor = q?.cursorPaging?.cursor ?? undefined;
  // With a cursor, the filter is the cursor's: the request's is not read (as queryReviews does).
  const { emails, violations } = cursor === undefined ? emailFilter(q?.filter) : { emails: undefined, violations: [] };
  if (q?.paging !== undefined && q.cursorPaging !== undefined) {
    violations.push({
      field: 'query.cursorPaging',
      description: 'cannot be combined with query.paging; page by offset or by cursor',
      violatedRule: 'INVALID_ARGUMENT',
    });
  }
  if (violations.length > 0) throw invalid(violations);
  const offset = q?.paging?.offset ?? 0;
  const limit = q?.cursorPaging?.limit ?? q?.paging?.limit ?? ENGAGEMENT_LIMITS.contactsDefaultLimit;
  const offsetPaged = q?.cursorPaging === undefined;
  const empty = (): QueryContactsResponse => ({
    contacts: [],
    pagingMetadata: { count: 0, ...(offsetPaged ? { offset } : {}), total: 0, hasNext: false, cursors: { next: null } },
  });
  if (emails !== undefined && emails.length === 0) return empty();
  const page = await listPage(
    deps,
    siteId,
    { list: 'contacts', scope: null, filter: emails ?? null, cursor, limit, cursorField: CURSOR_FIELD },
    (filter: string[] | null, after, n) =>
      contactsQuery.page(deps.db, siteId, filter ?? undefined, after as [string, string] | undefined, offset, n),
    (row) => [row.created_at, row.id],
  );
  const total = await contactsQuery.total(deps.db, siteId, page.filter ?? undefined);
  return {
    contacts: page.rows.map(toContact),
    pagingMetadata: {
      count: page.rows.length,
      ...(offsetPaged ? { offset } : {}),
      total,
      hasNext: page.next !== null,
      cursors: { next: page.next },
    },
  };
}

/** The stored contact with this id, read with `db` (the caller's transaction when it is in one), for privacy requests. */
export const contactRow = (db: DbDeps['db'], siteId: string, id: string): Promise<ContactRow | undefined> =>
  contactsRepo.byId(db, siteId, id);

/** Deletes the contact (GDPR erasure), in the erasure's transaction. */
export const deleteContact = (db: DbDeps['db'], siteId: string, id: string): Promise<void> =>
  contactsRepo.remove(db, siteId, id);
