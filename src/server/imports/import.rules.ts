/**
 * Pure import rules: the value converters (rating, date, status, flags, URL lists, HTML), the text checks shared
 * with the API (LIMITS, NUL, invalid UTF-8) and `buildRow`, which applies one format's mapping to one source row and
 * lists every problem of the row. No I/O, no clock.
 */
import { fullFormats } from 'ajv-formats/dist/formats.js';
import { GUID_PATTERN, LIMITS, type Media } from '../../contract/index.ts';
import { CONTACT_EMAIL } from '../contacts/contacts.rules.ts';
import { digest } from '../digest.ts';
import { mediaViolations } from '../reviews/reviews.rules.ts';
import type { ImportFormat, ImportRecord, ImportRow, RowViolation } from './import.formats.ts';

/** The fields of an ImportRecord a source column can feed (`replyOf` only marks rows that are replies, not reviews). */
export type Target =
  | 'sourceId'
  | 'namespace'
  | 'entityId'
  | 'contactId'
  | 'authorName'
  | 'authorEmail'
  | 'contactFirstName'
  | 'contactLastName'
  | 'title'
  | 'body'
  | 'rating'
  | 'media'
  | 'reviewDate'
  | 'status'
  | 'replyMessage'
  | 'replyDate'
  | 'verified'
  | 'foundHelpful'
  | 'foundUnhelpful'
  | 'createdDate'
  | 'replyOf';

export type ImportStatus = ImportRecord['status'];

/** Source words for a moderation status, keyed by their normalized form (see `vocabularyKey`). */
export type StatusVocabulary = Readonly<Record<string, ImportStatus>>;

/**
 * One line of a format mapping: the source names that feed a target, in order of preference. A name is a CSV
 * column (matched ignoring case, spaces and punctuation) or a JSON path (`content.rating`). The first name holding a
 * non-empty value wins.
 */
export type FieldRule =
  | { target: 'status'; from: readonly string[]; vocabulary: StatusVocabulary }
  | { target: 'body'; from: readonly string[]; html?: boolean }
  | { target: 'sourceId'; from: readonly string[]; guid?: boolean }
  | { target: Exclude<Target, 'status' | 'body' | 'sourceId'>; from: readonly string[] };

/** A platform's mapping: plain data, applied by `buildRow`. */
export interface FormatMapping {
  format: ImportFormat;
  rules: readonly FieldRule[];
  /**
   * Keep the text an author wrote (title, body, author name, reply) as it is, spaces and line breaks around it
   * included, instead of trimming it: Verdict's own format, whose values the API stored as they came.
   */
  verbatimText?: boolean;
}

/** Targets every row must provide; a CSV header must carry one of their columns. */
export const REQUIRED_TARGETS: readonly Target[] = ['entityId', 'rating', 'reviewDate'];

/** A value found in a source row, with the name the source gives it (CSV header text or JSON path). */
export interface Found {
  name: string;
  value: unknown;
}

/** Read access to one source row, whatever its syntax. */
export interface SourceRow {
  get(name: string): Found | undefined;
}

/** Largest row (CSV record, NDJSON line, JSON array element) read, in characters; a longer one is a row error. */
export const MAX_ROW_CHARS = 1_048_576;
const SOURCE_ID_MAX_LENGTH = 200;
const EMAIL_MAX_LENGTH = 320;
/** A contact's first or last name (Contacts v4 keeps them apart from a review's author name). */
const CONTACT_NAME_MAX_LENGTH = 100;
const MEDIA_URL_MAX_LENGTH = 2048;

/** The rule Fastify's Ajv applies to `format: 'email'` (ajv-formats, full mode), so imports accept what the API does. */
const EMAIL_PATTERN = fullFormats.email as RegExp;
const GUID = new RegExp(GUID_PATTERN);
const URL_PATTERN = /^(https?:\/\/|wix:(image|video):\/\/)/i;

type Result<T> = { ok: true; value: T } | { ok: false; description: string; rule: string };
const ok = <T>(value: T): Result<T> => ({ ok: true, value });
const bad = (description: string, rule: string): Result<never> => ({ ok: false, description, rule });

/** Lower-cases and turns runs of spaces, dashes and underscores into one `_`: `Not-Yet` → `not_yet`. */
export const vocabularyKey = (s: string): string =>
  s
    .trim()
    .toLowerCase()
    .replace(/[\s_-]+/g, '_');

/** The words docs/product.md §8 names: published/approved, unpublished/pending, rejected/spam/trash. */
export const BASE_STATUS: StatusVocabulary = {
  approved: 'APPROVED',
  published: 'APPROVED',
  pending: 'IN_MODERATION',
  unpublished: 'IN_MODERATION',
  rejected: 'REJECTED',
  spam: 'REJECTED',
  trash: 'REJECTED',
};

/** Flag words: the usual booleans plus the values review apps write in a "verified" column. */
const TRUE_WORDS = new Set(['true', '1', 'yes', 'y', 'verified', 'verified_buyer', 'buyer', 'verified_purchase']);
const FALSE_WORDS = new Set(['false', '0', 'no', 'n', 'unverified', 'not_verified', 'email', 'nothing']);

/** True when a value counts as absent: missing, null, or a string of only whitespace. */
export const isBlank = (v: unknown): boolean =>
  v === undefined || v === null || (typeof v === 'string' && v.trim() === '');

/** NUL and U+FFFD checks on every string inside a value (U+FFFD is what a bad UTF-8 decode leaves behind). */
export function characterViolations(
  value: unknown,
  field: string,
  out: RowViolation[] = [],
  depth = 0,
): RowViolation[] {
  if (depth > 16) return out;
  if (typeof value === 'string') {
    if (value.includes('\u0000')) {
      out.push({ field, description: 'must not contain NUL characters', violatedRule: 'INVALID_CHARACTER' });
    }
    if (value.includes('\uFFFD')) {
      out.push({
        field,
        description: 'is not valid UTF-8 (holds U+FFFD, the mark of an undecodable byte); save the file as UTF-8',
        violatedRule: 'INVALID_ENCODING',
      });
    }
  } else if (Array.isArray(value)) {
    for (const v of value) characterViolations(v, field, out, depth + 1);
  } else if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) characterViolations(v, field, out, depth + 1);
  }
  return out;
}

/**
 * A string value (trimmed, unless `verbatim`) or a type violation; numbers are accepted where ids are expected.
 */
function text(value: unknown, opts: { numbers?: boolean; verbatim?: boolean } = {}): Result<string> {
  if (typeof value === 'string') return ok(opts.verbatim ? value : value.trim());
  if (opts.numbers && typeof value === 'number' && Number.isFinite(value)) return ok(String(value));
  if (value !== null && typeof value === 'object') return bad('must be a string, not an object or a list', 'TYPE');
  return bad('must be a string', 'TYPE');
}

function maxLength(s: string, max: number): Result<string> {
  return s.length > max ? bad(`must be at most ${max} characters (has ${s.length})`, 'MAX_LENGTH') : ok(s);
}

/** A star rating: an integer from 1 to 5, as a number or a digit string ("4" and "4.0" are 4). */
export function parseRating(value: unknown): Result<number> {
  let n: number;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'string' && /^\s*\+?\d+(\.0+)?\s*$/.test(value)) n = Number(value);
  else if (typeof value === 'string' && /^\s*[+-]?\d*\.\d+\s*$/.test(value)) {
    return bad('must be a whole number of stars from 1 to 5', 'TYPE');
  } else return bad('must be a whole number of stars from 1 to 5', 'TYPE');
  if (!Number.isInteger(n)) return bad('must be a whole number of stars from 1 to 5', 'TYPE');
  if (n === 0) return bad('must be from 1 to 5 (0 means the review has no rating)', 'MIN');
  if (n < 1) return bad('must be from 1 to 5', 'MIN');
  // Another scale (1-10, 0-100) is refused, not converted: the source scale cannot be told from one value.
  if (n > 5) return bad('must be from 1 to 5 (other rating scales are not converted)', 'MAX');
  return ok(n);
}

/** `toISOString()`'s own form, years 1000 to 9999 (the long way below reads years under 100 as 19xx and refuses them). */
const CANONICAL_DATE_TIME = /^[1-9]\d{3}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Two ASCII digits of `s` at `i` as a number. */
const twoDigits = (s: string, i: number): number => (s.charCodeAt(i) - 48) * 10 + s.charCodeAt(i + 1) - 48;

/** Whether a string of CANONICAL_DATE_TIME's form names a day that exists and a time of day within 23:59:59. */
function isRealDateTime(s: string): boolean {
  const year = twoDigits(s, 0) * 100 + twoDigits(s, 2);
  const month = twoDigits(s, 5);
  const day = twoDigits(s, 8);
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = month === 2 ? (leap ? 29 : 28) : month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
  return (
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= days &&
    twoDigits(s, 11) <= 23 &&
    twoDigits(s, 14) <= 59 &&
    twoDigits(s, 17) <= 59
  );
}

const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * ISO-8601-like date or date-time → `toISOString()`. Accepts `2024-05-01`, `2024-05-01 10:12`, `2024-05-01T10:12:30.5`,
 * with `Z`, ` UTC`, `+02:00`, `+0200` or no zone; a time without zone is taken as UTC (documented in the README).
 * Day-first or month-first dates (`03/04/2024`) are refused: they cannot be told apart.
 */
export function parseReviewDate(value: unknown): Result<string> {
  // Wix Data exports dates as {"$date": "..."}.
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && '$date' in value) {
    return parseReviewDate((value as { $date: unknown }).$date);
  }
  if (typeof value !== 'string') return bad('must be a date string such as 2024-05-01T10:12:00Z', 'TYPE');
  // The form every export of Verdict (and of most platforms' APIs) writes, and this function returns: taken as it is
  // when it names a real instant. Anything else, a day that does not exist included, goes the long way below.
  if (value.length === 24 && CANONICAL_DATE_TIME.test(value) && isRealDateTime(value)) return ok(value);
  const m = DATE_TIME.exec(value.trim());
  if (!m) return bad('must be an ISO-8601 date such as 2024-05-01 or 2024-05-01T10:12:00Z', 'FORMAT');
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone = 'Z'] = m;
  const ms = Number(frac.padEnd(3, '0').slice(0, 3));
  const utc = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms);
  const check = new Date(utc);
  if (
    Number.isNaN(utc) ||
    check.getUTCFullYear() !== Number(y) ||
    check.getUTCMonth() !== Number(mo) - 1 ||
    check.getUTCDate() !== Number(d) ||
    Number(h) > 23 ||
    Number(mi) > 59 ||
    Number(s) > 59
  ) {
    return bad('is not a real calendar date and time', 'FORMAT');
  }
  let offsetMinutes = 0;
  if (!/^(Z|UTC|GMT)$/i.test(zone)) {
    const z = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone);
    if (!z) return bad('has an unreadable time zone', 'FORMAT');
    const [, sign, zh = '0', zm = '0'] = z;
    if (Number(zh) > 14 || Number(zm) > 59) return bad('has an unreadable time zone', 'FORMAT');
    offsetMinutes = (sign === '-' ? -1 : 1) * (Number(zh) * 60 + Number(zm));
  }
  return ok(new Date(utc - offsetMinutes * 60_000).toISOString());
}

/** A moderation status from a source word (or JSON boolean), through the format's vocabulary. */
export function parseStatus(value: unknown, vocabulary: StatusVocabulary): Result<ImportStatus> {
  const word =
    typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined;
  const status = word === undefined ? undefined : vocabulary[vocabularyKey(word)];
  if (status) return ok(status);
  return bad(`must be one of ${Object.keys(vocabulary).join(', ')}`, 'INVALID_ENUM_VALUE');
}

/** Largest vote count accepted: PostgreSQL's `integer` columns hold the counts. */
export const VOTE_COUNT_MAX = 2_147_483_647;

/** A helpfulness vote count: a whole number from 0, as a number or a digit string. */
export function parseVoteCount(value: unknown): Result<number> {
  const n =
    typeof value === 'number' ? value : typeof value === 'string' && /^\s*\+?\d+\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 0) return bad('must be a whole number of votes from 0', 'TYPE');
  if (n > VOTE_COUNT_MAX) return bad(`must be at most ${VOTE_COUNT_MAX}`, 'MAX');
  return ok(n);
}

/** A yes/no flag (booleans, 1/0, yes/no, and review-app words such as verified_buyer). */
export function parseFlag(value: unknown): Result<boolean> {
  if (typeof value === 'boolean') return ok(value);
  if (typeof value === 'number' && (value === 0 || value === 1)) return ok(value === 1);
  if (typeof value === 'string') {
    const k = vocabularyKey(value);
    if (TRUE_WORDS.has(k)) return ok(true);
    if (FALSE_WORDS.has(k)) return ok(false);
  }
  return bad('must be true or false (also accepted: 1/0, yes/no, verified_buyer/unverified)', 'TYPE');
}

/**
 * Splits a list of URLs written in one cell: separated by whitespace, or by a comma or semicolon that is followed by
 * the next URL's scheme (a comma inside a URL, as in CDN resize parameters, is kept).
 */
export function splitUrls(cell: string): string[] {
  return cell
    .split(/\s+|[,;](?=\s*(?:https?:|wix:))/i)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/**
 * Plain text of the HTML WooCommerce's REST API returns for a review (`wpautop` output): paragraph and line breaks
 * become newlines, other tags are dropped and entities decoded. Not a general HTML sanitizer: the result is stored
 * and always rendered as text.
 */
export function htmlToText(html: string): string {
  return html
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/p>\s*<p[^>]*>/gi, '\n\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, e: string) => {
      if (e[0] === '#') {
        const code = e[1] === 'x' || e[1] === 'X' ? Number.parseInt(e.slice(2), 16) : Number(e.slice(1));
        return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
      }
      return ENTITIES[e.toLowerCase()] ?? whole;
    })
    .trim();
}

function pickString(o: Record<string, unknown>, k: string): Record<string, string> {
  const v = o[k];
  return typeof v === 'string' ? { [k]: v } : {};
}

function pickInt(o: Record<string, unknown>, k: string): Record<string, number> {
  const v = o[k];
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? { [k]: v } : {};
}

/** Keeps the known, well-typed fields of an API media item (unknown fields are not stored). */
function cleanMedia(kind: 'image' | 'video', o: Record<string, unknown>): Media {
  const common = { ...pickString(o, 'id'), ...pickString(o, 'url'), ...pickString(o, 'filename') };
  return kind === 'image'
    ? { image: { ...common, ...pickInt(o, 'height'), ...pickInt(o, 'width'), ...pickString(o, 'altText') } }
    : { video: common };
}

/**
 * Media from a URL list (a cell, or a JSON array of URL strings) or from API media objects
 * (`[{ image: { url } }]`); each URL becomes an image. Same limits as the API: 10 items, http(s) or wix: URLs.
 */
export function parseMedia(value: unknown, field: string): { media: Media[]; violations: RowViolation[] } {
  const violations: RowViolation[] = [];
  const media: Media[] = [];
  const items: unknown[] = typeof value === 'string' ? splitUrls(value) : Array.isArray(value) ? value : [];
  if (typeof value !== 'string' && !Array.isArray(value)) {
    return { media, violations: [{ field, description: 'must be a list of image URLs', violatedRule: 'TYPE' }] };
  }
  items.forEach((item, i) => {
    const at = `${field}[${i}]`;
    if (typeof item === 'string') {
      const url = item.trim();
      if (!URL_PATTERN.test(url)) {
        violations.push({
          field: at,
          description: `"${url.slice(0, 80)}" is not an http(s) or wix: URL`,
          violatedRule: 'FORMAT',
        });
      } else if (url.length > MEDIA_URL_MAX_LENGTH) {
        violations.push({
          field: at,
          description: `must be at most ${MEDIA_URL_MAX_LENGTH} characters`,
          violatedRule: 'MAX_LENGTH',
        });
      } else media.push({ image: { url } });
      return;
    }
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      violations.push({
        field: at,
        description: 'must be a URL or a media object such as { "image": { "url": … } }',
        violatedRule: 'TYPE',
      });
      return;
    }
    const o = item as Record<string, unknown>;
    const kinds = (['image', 'video'] as const).filter((k) => o[k] !== undefined);
    const kind = kinds[0];
    if (kinds.length !== 1 || kind === undefined) {
      violations.push({ field: at, description: 'must hold exactly one of image or video', violatedRule: 'ONE_OF' });
      return;
    }
    const inner = o[kind];
    if (inner === null || typeof inner !== 'object' || Array.isArray(inner)) {
      violations.push({ field: `${at}.${kind}`, description: 'must be an object', violatedRule: 'TYPE' });
      return;
    }
    const fields = inner as Record<string, unknown>;
    for (const k of ['id', 'url'] as const) {
      const v = fields[k];
      const max = k === 'url' ? MEDIA_URL_MAX_LENGTH : 500;
      if (v !== undefined && typeof v !== 'string') {
        violations.push({ field: `${at}.${kind}.${k}`, description: 'must be a string', violatedRule: 'TYPE' });
        return;
      }
      if (typeof v === 'string' && v.length > max) {
        violations.push({
          field: `${at}.${kind}.${k}`,
          description: `must be at most ${max} characters`,
          violatedRule: 'MAX_LENGTH',
        });
        return;
      }
    }
    const shape = mediaViolations([o as Media], field).map((v) => ({
      ...v,
      field: v.field.replace(`${field}[0]`, at),
    }));
    if (shape.length > 0) violations.push(...shape);
    else media.push(cleanMedia(kind, fields));
  });
  if (items.length > LIMITS.mediaMaxItems) {
    violations.push({
      field,
      description: `must hold at most ${LIMITS.mediaMaxItems} items (has ${items.length})`,
      violatedRule: 'MAX_SIZE',
    });
  }
  return { media, violations };
}

/** Stable id of a row without an id column: SHA-256 of the format and what the reviewer wrote, about what, and when. */
export function contentSourceId(format: ImportFormat, r: Omit<ImportRecord, 'line' | 'sourceId'>): string {
  const canonical = JSON.stringify([
    format,
    r.namespace,
    r.entityId,
    r.authorName,
    r.authorEmail,
    r.title,
    r.body,
    r.rating,
    r.reviewDate,
    r.media.map((m) => m.image?.url ?? m.video?.url ?? m.image?.id ?? m.video?.id ?? null),
  ]);
  return `sha256:${digest('sha256', canonical, 'hex')}`;
}

/** Every name a mapping accepts for a target, in order. */
export function namesFor(mapping: FormatMapping, target: Target): string[] {
  return mapping.rules.filter((r) => r.target === target).flatMap((r) => [...r.from]);
}

interface Pick {
  rule: FieldRule;
  found: Found;
}

/** Each mapping's rules by target, in the mapping's order: `pick` runs for every target of every row. */
const rulesByTarget = new WeakMap<FormatMapping, Map<Target, FieldRule[]>>();

function rulesFor(mapping: FormatMapping, target: Target): readonly FieldRule[] {
  let byTarget = rulesByTarget.get(mapping);
  if (!byTarget) {
    byTarget = new Map();
    for (const rule of mapping.rules) {
      const rules = byTarget.get(rule.target);
      if (rules) rules.push(rule);
      else byTarget.set(rule.target, [rule]);
    }
    rulesByTarget.set(mapping, byTarget);
  }
  return byTarget.get(target) ?? [];
}

/** The first rule for `target` whose source holds a non-blank value. */
function pick(mapping: FormatMapping, row: SourceRow, target: Target): Pick | undefined {
  for (const rule of rulesFor(mapping, target)) {
    for (const name of rule.from) {
      const found = row.get(name);
      if (found && !isBlank(found.value)) return { rule, found };
    }
  }
  return undefined;
}

/**
 * The name to cite for a missing target: the first accepted name the row has (even empty), else the first accepted;
 * plus the alternatives worth naming (those the row has, or all of them when it has none).
 */
function missingName(mapping: FormatMapping, row: SourceRow, target: Target): { field: string; others: string[] } {
  const names = namesFor(mapping, target);
  const present = names.flatMap((n) => row.get(n)?.name ?? []);
  const field = present[0] ?? names[0] ?? target;
  const others = present.length > 0 ? present.slice(1) : names.slice(1);
  return { field, others };
}

/**
 * Applies a format mapping to one source row. Lists every problem (each with the source's field name) or returns
 * the validated record; `defaultNamespace` is used when the format has no namespace column or the row leaves it empty.
 */
export function buildRow(mapping: FormatMapping, row: SourceRow, line: number, defaultNamespace: string): ImportRow {
  const violations: RowViolation[] = [];
  const seenChars = new Set<string>();
  const value = (target: Target): Pick | undefined => {
    const p = pick(mapping, row, target);
    if (p && !seenChars.has(p.found.name)) {
      seenChars.add(p.found.name);
      characterViolations(p.found.value, p.found.name, violations);
    }
    return p;
  };
  const fail = (field: string, r: { description: string; rule: string }) =>
    violations.push({ field, description: r.description, violatedRule: r.rule });
  const required = (target: Target): Pick | undefined => {
    const p = value(target);
    if (!p) {
      const { field, others } = missingName(mapping, row, target);
      const alt = others.length > 0 ? ` (or ${others.join(' or ')})` : '';
      violations.push({ field, description: `is required${alt}`, violatedRule: 'REQUIRED_FIELD' });
    }
    return p;
  };
  /** A trimmed string within `max` characters, or null when absent; violations are recorded. */
  const str = (
    p: Pick | undefined,
    max: number,
    opts: { numbers?: boolean; verbatim?: boolean } = {},
  ): string | null => {
    if (!p) return null;
    const t = text(p.found.value, opts);
    const m = t.ok ? maxLength(t.value, max) : t;
    if (!m.ok) {
      fail(p.found.name, m);
      return null;
    }
    return m.value;
  };

  const idPick = value('sourceId');
  let sourceId = str(idPick, SOURCE_ID_MAX_LENGTH, { numbers: true });
  if (sourceId !== null && idPick?.rule.target === 'sourceId' && idPick.rule.guid && !GUID.test(sourceId)) {
    fail(idPick.found.name, { description: 'must be a GUID (as the API accepts for a review id)', rule: 'PATTERN' });
    sourceId = null;
  }

  const nsPick = value('namespace');
  const namespace = nsPick ? str(nsPick, LIMITS.namespaceMaxLength) : defaultNamespace;
  const entityId = str(required('entityId'), LIMITS.entityIdMaxLength, { numbers: true });

  const contactPick = value('contactId');
  const contactId = str(contactPick, 36);
  if (contactPick && contactId !== null && !GUID.test(contactId)) {
    fail(contactPick.found.name, { description: 'must be a GUID (a Verdict contact id)', rule: 'PATTERN' });
  }

  const verbatim = mapping.verbatimText === true;
  const authorName = str(value('authorName'), LIMITS.authorNameMaxLength, { verbatim });
  const emailPick = value('authorEmail');
  const authorEmail = str(emailPick, EMAIL_MAX_LENGTH);
  // A row naming a Verdict contact carries that contact's stored address, which the Contacts API's rule admitted.
  const emailRule = contactId !== null ? CONTACT_EMAIL : EMAIL_PATTERN;
  if (emailPick && authorEmail !== null && !emailRule.test(authorEmail)) {
    fail(emailPick.found.name, { description: 'must be an email address', rule: 'FORMAT' });
  }
  const contactFirst = str(value('contactFirstName'), CONTACT_NAME_MAX_LENGTH);
  const contactLast = str(value('contactLastName'), CONTACT_NAME_MAX_LENGTH);
  const title = str(value('title'), LIMITS.titleMaxLength, { verbatim });

  const bodyPick = value('body');
  let body: string | null = null;
  if (bodyPick) {
    const t = text(bodyPick.found.value, { verbatim });
    if (!t.ok) fail(bodyPick.found.name, t);
    else {
      const plain = bodyPick.rule.target === 'body' && bodyPick.rule.html ? htmlToText(t.value) : t.value;
      const m = maxLength(plain, LIMITS.bodyMaxLength);
      if (!m.ok) fail(bodyPick.found.name, m);
      else body = m.value === '' ? null : m.value;
    }
  }

  const ratingPick = required('rating');
  let rating = 0;
  if (ratingPick) {
    const r = parseRating(ratingPick.found.value);
    if (r.ok) rating = r.value;
    else fail(ratingPick.found.name, r);
  }

  const mediaPick = value('media');
  let media: Media[] = [];
  if (mediaPick) {
    const m = parseMedia(mediaPick.found.value, mediaPick.found.name);
    media = m.media;
    violations.push(...m.violations);
  }

  const datePick = required('reviewDate');
  let reviewDate = '';
  if (datePick) {
    const d = parseReviewDate(datePick.found.value);
    if (d.ok) reviewDate = d.value;
    else fail(datePick.found.name, d);
  }

  const statusPick = value('status');
  let status: ImportStatus = 'APPROVED';
  if (statusPick && statusPick.rule.target === 'status') {
    const s = parseStatus(statusPick.found.value, statusPick.rule.vocabulary);
    if (s.ok) status = s.value;
    else fail(statusPick.found.name, s);
  }

  const replyMessage = str(value('replyMessage'), LIMITS.replyMaxLength, { verbatim });
  const replyDatePick = value('replyDate');
  let replyDate: string | null = null;
  if (replyDatePick && replyMessage !== null) {
    const d = parseReviewDate(replyDatePick.found.value);
    if (d.ok) replyDate = d.value;
    else fail(replyDatePick.found.name, d);
  }

  const verifiedPick = value('verified');
  let verified = false;
  if (verifiedPick) {
    const f = parseFlag(verifiedPick.found.value);
    if (f.ok) verified = f.value;
    else fail(verifiedPick.found.name, f);
  }

  const votes = { helpful: 0, unhelpful: 0 };
  let hasVotes = false;
  for (const [target, key] of [
    ['foundHelpful', 'helpful'],
    ['foundUnhelpful', 'unhelpful'],
  ] as const) {
    const p = value(target);
    if (!p) continue;
    const n = parseVoteCount(p.found.value);
    if (n.ok) {
      votes[key] = n.value;
      hasVotes = true;
    } else fail(p.found.name, n);
  }

  const createdPick = value('createdDate');
  let createdDate: string | null = null;
  if (createdPick) {
    const d = parseReviewDate(createdPick.found.value);
    if (d.ok) createdDate = d.value;
    else fail(createdPick.found.name, d);
  }

  const parentPick = value('replyOf');
  if (parentPick && String(parentPick.found.value).trim() !== '0') {
    fail(parentPick.found.name, {
      description: `is ${String(parentPick.found.value).trim()}: this row is a reply to another comment, not a review (replies exported as separate comments are not imported)`,
      rule: 'NOT_A_REVIEW',
    });
  }

  if (violations.length > 0 || namespace === null || entityId === null) {
    return { ok: false, error: { line, ...(sourceId !== null ? { sourceId } : {}), violations } };
  }
  const record: Omit<ImportRecord, 'line' | 'sourceId'> = {
    namespace,
    entityId,
    contactId,
    authorName: authorName === '' ? null : authorName,
    authorEmail: authorEmail === '' ? null : authorEmail,
    ...(contactId !== null && (contactFirst || contactLast)
      ? { contactName: { first: contactFirst || null, last: contactLast || null } }
      : {}),
    title: title === '' ? null : title,
    body,
    rating,
    media,
    reviewDate,
    status,
    reply: replyMessage !== null && replyMessage !== '' ? { message: replyMessage, date: replyDate } : null,
    verified,
    ...(hasVotes ? { votes } : {}),
    ...(createdDate !== null ? { createdDate } : {}),
  };
  return { ok: true, record: { line, sourceId: sourceId ?? contentSourceId(mapping.format, record), ...record } };
}
