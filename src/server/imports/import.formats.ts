/**
 * The reading layer of `verdict import`: a file (CSV, a JSON array or NDJSON) → a stream of validated review records
 * or per-row errors, in file order, with the line each row starts on. Each platform's column mapping is a table
 * (`MAPPINGS`); the conversions and checks are the pure rules of `import.rules.ts`. Nothing here writes anywhere.
 */
import { CsvError, parse as parseCsv } from 'csv-parse';
import { LIMITS, type Media } from '../../contract/index.ts';
import {
  BASE_STATUS,
  buildRow,
  type FormatMapping,
  type Found,
  MAX_ROW_CHARS,
  namesFor,
  REQUIRED_TARGETS,
  type SourceRow,
  type StatusVocabulary,
} from './import.rules.ts';

export type ImportFormat = 'verdict' | 'wix' | 'judgeme' | 'yotpo' | 'woocommerce' | 'shopify';

export const IMPORT_FORMATS: readonly ImportFormat[] = ['verdict', 'wix', 'judgeme', 'yotpo', 'woocommerce', 'shopify'];

/** One review read from an import file, validated against the API's limits. */
export interface ImportRecord {
  /** 1-based line where the record starts (CSV: the header is line 1; NDJSON: its line; JSON array: the element's first line). */
  line: number;
  /** The row's review id in the source, or `sha256:<hex>` of the format and the review's content when the source has none. */
  sourceId: string;
  namespace: string;
  /** Product id or handle as the platform exports it (README: which column per format). */
  entityId: string;
  /** Only the verdict format may name an existing Verdict contact id. */
  contactId: string | null;
  authorName: string | null;
  /** Trimmed and validated as an email. */
  authorEmail: string | null;
  /**
   * The name of the author's own contact, when the row names a contact and carries it (verdict format: what an
   * export holds about a contact besides its id and email). Absent otherwise.
   */
  contactName?: { first: string | null; last: string | null };
  title: string | null;
  body: string | null;
  /** Integer 1..5. */
  rating: number;
  media: Media[];
  /** ISO-8601 UTC with milliseconds. */
  reviewDate: string;
  status: 'APPROVED' | 'IN_MODERATION' | 'REJECTED';
  reply: { message: string; date: string | null } | null;
  verified: boolean;
  /**
   * Helpfulness vote counts the source holds (verdict and wix formats: `foundHelpful`, `foundUnhelpful`); absent
   * when it has none, which imports as no votes. Only the counts: the individual votes are not in any export.
   */
  votes?: { helpful: number; unhelpful: number };
  /** When the review was created at the source (ISO-8601 UTC), when it says; absent → the import time. */
  createdDate?: string;
}

/** One problem of a row, named as the source names the field (CSV column or JSON path). */
export interface RowViolation {
  field: string;
  description: string;
  violatedRule?: string;
}

export interface RowError {
  line: number;
  sourceId?: string;
  violations: RowViolation[];
}

export type ImportRow = { ok: true; record: ImportRecord } | { ok: false; error: RowError };

export interface ParseOptions {
  format: ImportFormat;
  /** Namespace for rows that do not carry one, e.g. 'stores'. */
  namespace: string;
}

// ---------------------------------------------------------------------------------------------------------------
// Mappings: source names per target, in order of preference (README.md documents each and its sources).

const VERDICT_STATUS: StatusVocabulary = {
  approved: 'APPROVED',
  in_moderation: 'IN_MODERATION',
  pending: 'IN_MODERATION',
  rejected: 'REJECTED',
};
/** Judge.me `curated`: ok = published, not-yet = awaiting curation, spam. */
const JUDGEME_CURATED: StatusVocabulary = { ...BASE_STATUS, ok: 'APPROVED', not_yet: 'IN_MODERATION' };
/** Yotpo `Published` column (true/false). */
const YOTPO_PUBLISHED: StatusVocabulary = {
  true: 'APPROVED',
  yes: 'APPROVED',
  '1': 'APPROVED',
  false: 'IN_MODERATION',
  no: 'IN_MODERATION',
  '0': 'IN_MODERATION',
};
/** WooCommerce REST `status`. */
const WOO_STATUS: StatusVocabulary = { ...BASE_STATUS, hold: 'IN_MODERATION' };
/** WordPress `comment_approved`: 1, 0, spam, trash (post-trashed when the product was trashed). */
const WP_COMMENT_APPROVED: StatusVocabulary = {
  '1': 'APPROVED',
  '0': 'IN_MODERATION',
  spam: 'REJECTED',
  trash: 'REJECTED',
  post_trashed: 'REJECTED',
};
/** Wix `moderation.moderationStatus`. */
const WIX_MODERATION: StatusVocabulary = {
  approved: 'APPROVED',
  in_moderation: 'IN_MODERATION',
  submitted: 'IN_MODERATION',
  unknown: 'IN_MODERATION',
  rejected: 'REJECTED',
};

/** Every format's mapping. Each line: target ← source names (CSV columns or JSON paths), first non-empty wins. */
export const MAPPINGS: Readonly<Record<ImportFormat, FormatMapping>> = {
  verdict: {
    format: 'verdict',
    verbatimText: true,
    rules: [
      { target: 'sourceId', from: ['id'], guid: true },
      { target: 'namespace', from: ['namespace'] },
      { target: 'entityId', from: ['entityId', 'entity_id'] },
      { target: 'contactId', from: ['author.contactId', 'contact_id'] },
      { target: 'authorName', from: ['author.name', 'author.authorName', 'author_name'] },
      { target: 'authorEmail', from: ['author.email', 'author_email'] },
      { target: 'contactFirstName', from: ['author.contactFirstName', 'contact_first_name'] },
      { target: 'contactLastName', from: ['author.contactLastName', 'contact_last_name'] },
      { target: 'title', from: ['content.title', 'title'] },
      { target: 'body', from: ['content.body', 'body'] },
      { target: 'rating', from: ['content.rating', 'rating'] },
      { target: 'media', from: ['content.media', 'media_urls'] },
      { target: 'reviewDate', from: ['reviewDate', 'review_date'] },
      { target: 'status', from: ['status'], vocabulary: VERDICT_STATUS },
      { target: 'replyMessage', from: ['reply.message', 'reply'] },
      { target: 'replyDate', from: ['reply.date', 'reply_date'] },
      { target: 'verified', from: ['verified'] },
      { target: 'foundHelpful', from: ['foundHelpful', 'found_helpful'] },
      { target: 'foundUnhelpful', from: ['foundUnhelpful', 'found_unhelpful'] },
      { target: 'createdDate', from: ['createdDate', 'created_date'] },
    ],
  },
  wix: {
    format: 'wix',
    rules: [
      { target: 'sourceId', from: ['id', '_id'] },
      { target: 'namespace', from: ['namespace'] },
      { target: 'entityId', from: ['entityId'] },
      { target: 'authorName', from: ['author.authorName'] },
      { target: 'title', from: ['content.title'] },
      { target: 'body', from: ['content.body'] },
      { target: 'rating', from: ['content.rating'] },
      { target: 'media', from: ['content.media'] },
      { target: 'reviewDate', from: ['reviewDate', 'createdDate', '_createdDate'] },
      { target: 'status', from: ['moderation.moderationStatus'], vocabulary: WIX_MODERATION },
      { target: 'replyMessage', from: ['reply.message'] },
      { target: 'replyDate', from: ['reply.createdDate'] },
      { target: 'verified', from: ['verified'] },
      { target: 'foundHelpful', from: ['foundHelpful'] },
      { target: 'foundUnhelpful', from: ['foundUnhelpful'] },
      { target: 'createdDate', from: ['createdDate', '_createdDate'] },
    ],
  },
  judgeme: {
    format: 'judgeme',
    rules: [
      { target: 'entityId', from: ['product_id', 'product_handle'] },
      { target: 'authorName', from: ['reviewer_name'] },
      { target: 'authorEmail', from: ['reviewer_email'] },
      { target: 'title', from: ['title'] },
      { target: 'body', from: ['body'] },
      { target: 'rating', from: ['rating'] },
      { target: 'media', from: ['picture_urls'] },
      { target: 'reviewDate', from: ['review_date'] },
      { target: 'status', from: ['curated'], vocabulary: JUDGEME_CURATED },
      { target: 'replyMessage', from: ['reply'] },
      { target: 'replyDate', from: ['reply_date'] },
      { target: 'verified', from: ['verified'] },
    ],
  },
  yotpo: {
    format: 'yotpo',
    rules: [
      { target: 'sourceId', from: ['Review ID'] },
      { target: 'entityId', from: ['Product ID'] },
      { target: 'authorName', from: ['Reviewer Display Name', 'Display Name'] },
      { target: 'authorEmail', from: ['Reviewer Email', 'Email'] },
      { target: 'title', from: ['Review Title'] },
      { target: 'body', from: ['Review Content'] },
      { target: 'rating', from: ['Review Score'] },
      { target: 'media', from: ['Published Image URLs'] },
      { target: 'reviewDate', from: ['Review Creation Date', 'Date'] },
      { target: 'status', from: ['Review Status'], vocabulary: BASE_STATUS },
      { target: 'status', from: ['Published'], vocabulary: YOTPO_PUBLISHED },
      { target: 'replyMessage', from: ['Comment Content'] },
      { target: 'replyDate', from: ['Comment Created At'] },
      { target: 'verified', from: ['Verified Purchase', 'Verified Buyer'] },
    ],
  },
  woocommerce: {
    format: 'woocommerce',
    rules: [
      { target: 'sourceId', from: ['id', 'comment_ID'] },
      { target: 'entityId', from: ['product_id', 'comment_post_ID'] },
      { target: 'authorName', from: ['reviewer', 'comment_author'] },
      { target: 'authorEmail', from: ['reviewer_email', 'comment_author_email'] },
      { target: 'title', from: ['title'] },
      // The REST API returns the review as HTML (wpautop); the comments table holds the text as typed.
      { target: 'body', from: ['review'], html: true },
      { target: 'body', from: ['comment_content'] },
      { target: 'rating', from: ['rating'] },
      // GMT columns first: the others are in the site's time zone, which the export does not state.
      { target: 'reviewDate', from: ['date_created_gmt', 'comment_date_gmt', 'date_created', 'comment_date'] },
      { target: 'status', from: ['status'], vocabulary: WOO_STATUS },
      { target: 'status', from: ['comment_approved'], vocabulary: WP_COMMENT_APPROVED },
      { target: 'verified', from: ['verified'] },
      { target: 'replyOf', from: ['comment_parent'] },
    ],
  },
  shopify: {
    format: 'shopify',
    rules: [
      { target: 'entityId', from: ['product_handle'] },
      { target: 'authorName', from: ['author'] },
      { target: 'authorEmail', from: ['email'] },
      { target: 'title', from: ['title'] },
      { target: 'body', from: ['body'] },
      { target: 'rating', from: ['rating'] },
      { target: 'reviewDate', from: ['created_at'] },
      { target: 'status', from: ['state'], vocabulary: BASE_STATUS },
      { target: 'replyMessage', from: ['reply'] },
      { target: 'replyDate', from: ['replied_at'] },
    ],
  },
};

// ---------------------------------------------------------------------------------------------------------------
// Source rows.

const keyCache = new Map<string, string>();

/** CSV header names match ignoring case and punctuation: `Review Score`, `review_score` and `REVIEW-SCORE` are one. */
export function columnKey(name: string): string {
  let key = keyCache.get(name);
  if (key === undefined) {
    key = name
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}.]+/gu, '_')
      .replace(/^_+|_+$/g, '');
    // Names repeat on every row (headers, JSON keys); the cap keeps a file of ever-new keys from growing it.
    if (keyCache.size < 10_000) keyCache.set(name, key);
  }
  return key;
}

class CsvHeader {
  private readonly index = new Map<string, number>();
  constructor(readonly names: readonly string[]) {
    names.forEach((n, i) => {
      const k = columnKey(n);
      if (k !== '' && !this.index.has(k)) this.index.set(k, i);
    });
  }
  position(name: string): number | undefined {
    return this.index.get(columnKey(name));
  }
}

class CsvRow implements SourceRow {
  constructor(
    private readonly header: CsvHeader,
    private readonly cells: readonly string[],
  ) {}
  get(name: string): Found | undefined {
    const i = this.header.position(name);
    return i === undefined ? undefined : { name: this.header.names[i] ?? name, value: this.cells[i] };
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A mapping's JSON paths split at their dots, once: every row looks each of them up. */
const pathCache = new Map<string, readonly string[]>();

function pathOf(name: string): readonly string[] {
  let parts = pathCache.get(name);
  if (parts === undefined) {
    parts = name.split('.');
    // The names come from the mappings, a fixed set; the cap is a safety bound like keyCache's.
    if (pathCache.size < 10_000) pathCache.set(name, parts);
  }
  return parts;
}

/** A JSON object: names are paths (`content.rating`); a flat key is matched like a CSV column. */
class JsonRow implements SourceRow {
  private flat: Map<string, string> | undefined;
  constructor(private readonly obj: Record<string, unknown>) {}
  get(name: string): Found | undefined {
    let at: unknown = this.obj;
    for (const part of pathOf(name)) {
      if (!isObject(at) || !Object.hasOwn(at, part)) {
        at = undefined;
        break;
      }
      at = at[part];
    }
    if (at !== undefined) return { name, value: at };
    if (!this.flat) {
      this.flat = new Map();
      for (const k of Object.keys(this.obj)) if (!this.flat.has(columnKey(k))) this.flat.set(columnKey(k), k);
    }
    const key = this.flat.get(columnKey(name));
    return key === undefined ? undefined : { name: key, value: this.obj[key] };
  }
}

const rowError = (line: number, field: string, description: string, violatedRule = 'MALFORMED'): ImportRow => ({
  ok: false,
  error: { line, violations: [{ field, description, violatedRule }] },
});

// ---------------------------------------------------------------------------------------------------------------
// Decoding and detection.

type Chunk = Buffer | Uint8Array | string;

/** UTF-8 text of the input, chunk by chunk, without a leading BOM. Invalid bytes become U+FFFD (a row violation). */
async function* decode(input: AsyncIterable<Chunk>): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8');
  let first = true;
  for await (const chunk of input) {
    let text: string;
    if (typeof chunk === 'string') text = decoder.decode(undefined) + chunk;
    else if (chunk instanceof Uint8Array) text = decoder.decode(chunk, { stream: true });
    else throw new TypeError('import input must yield Buffers or strings');
    if (first && text !== '') {
      first = false;
      // The decoder drops a BOM at the start of bytes; a string input may still begin with one.
      if (typeof chunk === 'string' && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    if (text !== '') yield text;
  }
  const tail = decoder.decode(undefined);
  if (tail !== '') yield tail;
}

/** Reads ahead until the first non-space character; returns what was read and the rest of the stream. */
async function peek(chunks: AsyncIterator<string>): Promise<{ head: string; first: string | undefined }> {
  let head = '';
  for (;;) {
    const m = /\S/.exec(head);
    if (m) return { head, first: m[0] };
    const next = await chunks.next();
    if (next.done) return { head, first: undefined };
    head += next.value;
  }
}

async function* prepend(head: string, rest: AsyncIterator<string>): AsyncGenerator<string> {
  if (head !== '') yield head;
  for (;;) {
    const next = await rest.next();
    if (next.done) return;
    yield next.value;
  }
}

/**
 * Reads an import file and yields one row per record, in file order: a validated record or an error naming every
 * problem. The syntax is detected from the content (first non-space character `[` → JSON array, `{` → NDJSON, else
 * CSV with a header line). Streams: memory stays bounded whatever the file size (one row, at most MAX_ROW_CHARS).
 * A row error never stops the stream; a broken structure (CSV quote never closed, JSON array cut) yields one error
 * for the rest of the file and ends it. Throws only for a bad `opts` or when the input stream itself fails.
 */
export async function* readImport(
  input: AsyncIterable<Buffer | string> | NodeJS.ReadableStream,
  opts: ParseOptions,
): AsyncIterable<ImportRow> {
  const mapping = MAPPINGS[opts.format];
  if (!mapping) throw new RangeError(`unknown import format "${String(opts.format)}"`);
  if (
    typeof opts.namespace !== 'string' ||
    opts.namespace.trim() === '' ||
    opts.namespace.length > LIMITS.namespaceMaxLength
  ) {
    throw new RangeError(`namespace must be 1 to ${LIMITS.namespaceMaxLength} characters`);
  }
  const text = decode(input)[Symbol.asyncIterator]();
  try {
    const { head, first } = await peek(text);
    if (first === undefined) return;
    const chunks = prepend(head, text);
    if (first === '[') yield* readJsonArray(chunks, mapping, opts.namespace);
    else if (first === '{') yield* readNdjson(chunks, mapping, opts.namespace);
    else yield* readCsv(chunks, head, mapping, opts.namespace);
  } finally {
    await text.return?.(undefined);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// CSV.

/** The delimiter of the header line: the most frequent of `,` `;` and tab (Excel writes `;` in some locales). */
export function sniffDelimiter(head: string): string {
  const firstLine = head.replace(/^\s+/, '').split(/\r\n|\n|\r/, 1)[0] ?? '';
  const counts = [',', ';', '\t'].map((d) => ({ d, n: firstLine.split(d).length - 1 }));
  const best = counts.reduce((a, b) => (b.n > a.n ? b : a));
  return best.n > 0 ? best.d : ',';
}

/** Line breaks in a record's raw text (`\r\n`, `\n` or `\r` each count once). */
function lineBreaks(raw: string): number {
  let n = 0;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === 0x0a) n++;
    else if (c === 0x0d) {
      n++;
      if (raw.charCodeAt(i + 1) === 0x0a) i++;
    }
  }
  return n;
}

function csvProblem(err: CsvError): string {
  switch (err.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'a quoted field starting in this row is never closed';
    case 'CSV_MAX_RECORD_SIZE':
      return `a row is longer than ${MAX_ROW_CHARS} characters (often a quote that is never closed)`;
    case 'CSV_INVALID_CLOSING_QUOTE':
      return 'a closing quote is followed by text instead of a delimiter';
    default:
      return `the CSV cannot be read (${err.code})`;
  }
}

async function* readCsv(
  chunks: AsyncIterable<string>,
  head: string,
  mapping: FormatMapping,
  namespace: string,
): AsyncGenerator<ImportRow> {
  // Records are taken in `on_record`, synchronously and in order, so none is lost when the parser fails later in
  // the same chunk (a failed Node stream drops what it had buffered). Nothing is pushed to the stream itself.
  const parsed: { cells: string[]; raw: string }[] = [];
  const parser = parseCsv({
    delimiter: sniffDelimiter(head),
    record_delimiter: ['\r\n', '\n', '\r'],
    relax_column_count: true,
    relax_quotes: true,
    max_record_size: MAX_ROW_CHARS,
    raw: true,
    on_record: (record: unknown, context) => {
      const cells = isObject(record) && Array.isArray(record.record) ? record.record.map(String) : [];
      parsed.push({ cells, raw: context.raw ?? '' });
      return null;
    },
  });
  parser.on('error', () => {}); // failures are read from the write/end callbacks
  let line = 1;
  let header: CsvHeader | undefined;
  const rows = function* (): Generator<ImportRow, boolean> {
    for (const { cells, raw } of parsed.splice(0)) {
      const start = line;
      line += lineBreaks(raw);
      if (cells.every((c) => c.trim() === '')) continue; // empty line, or a row of empty cells
      if (!header) {
        header = new CsvHeader(cells);
        const h = header;
        const missing = REQUIRED_TARGETS.map((t) => namesFor(mapping, t)).filter((names) =>
          names.every((n) => h.position(n) === undefined),
        );
        if (missing.length > 0) {
          yield {
            ok: false,
            error: {
              line: start,
              violations: missing.map((names) => ({
                field: names.join(' or '),
                description: `is a required column and the header does not have it (format ${mapping.format})`,
                violatedRule: 'REQUIRED_FIELD',
              })),
            },
          };
          return false;
        }
        continue;
      }
      if (cells.length !== header.names.length) {
        yield rowError(
          start,
          'row',
          `has ${cells.length} fields where the header has ${header.names.length}`,
          'FIELD_COUNT',
        );
        continue;
      }
      yield buildRow(mapping, new CsvRow(header, cells), start, namespace);
    }
    return true;
  };
  const step = (chunk: string | undefined) =>
    new Promise<Error | null | undefined>((resolve) =>
      chunk === undefined ? parser.end(resolve) : parser.write(chunk, resolve),
    );
  try {
    for await (const chunk of chunks) {
      const err = await step(chunk);
      if (!(yield* rows())) return;
      if (err) {
        yield csvFailure(err, line);
        return;
      }
    }
    const err = await step(undefined);
    if (!(yield* rows())) return;
    if (err) yield csvFailure(err, line);
  } finally {
    parser.destroy();
  }
}

function csvFailure(err: Error, line: number): ImportRow {
  if (!(err instanceof CsvError)) throw err;
  return rowError(line, 'csv', `${csvProblem(err)}; the rest of the file was not read`);
}

// ---------------------------------------------------------------------------------------------------------------
// NDJSON.

function jsonRow(text: string, line: number, mapping: FormatMapping, namespace: string): ImportRow {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return rowError(line, 'json', `is not valid JSON (${e instanceof Error ? e.message : 'parse error'})`);
  }
  if (!isObject(value)) return rowError(line, 'json', 'must be a JSON object', 'TYPE');
  return buildRow(mapping, new JsonRow(value), line, namespace);
}

async function* readNdjson(
  chunks: AsyncIterable<string>,
  mapping: FormatMapping,
  namespace: string,
): AsyncGenerator<ImportRow> {
  let buffer = '';
  let line = 1;
  let oversized = false;
  const lineRow = (text: string, n: number): ImportRow | undefined => {
    if (oversized || text.length > MAX_ROW_CHARS) {
      oversized = false;
      return rowError(n, 'json', `is longer than ${MAX_ROW_CHARS} characters`, 'MAX_LENGTH');
    }
    const t = text.endsWith('\r') ? text.slice(0, -1) : text;
    return t.trim() === '' ? undefined : jsonRow(t, n, mapping, namespace);
  };
  for await (const chunk of chunks) {
    buffer += chunk;
    let nl = buffer.indexOf('\n');
    while (nl !== -1) {
      const row = lineRow(buffer.slice(0, nl), line);
      if (row) yield row;
      buffer = buffer.slice(nl + 1);
      line++;
      nl = buffer.indexOf('\n');
    }
    if (buffer.length > MAX_ROW_CHARS) {
      oversized = true; // keep reading to the end of this line without holding it
      buffer = '';
    }
  }
  const last = lineRow(buffer, line);
  if (last) yield last;
}

// ---------------------------------------------------------------------------------------------------------------
// JSON array: a small scanner finds each element's extent (strings, escapes, nesting) and parses elements one at a
// time, so a broken element is one row error and the array's structure carries on.

async function* readJsonArray(
  chunks: AsyncIterable<string>,
  mapping: FormatMapping,
  namespace: string,
): AsyncGenerator<ImportRow> {
  // open: before `[` · start: an element or `]` expected · element: inside one · next: `,` or `]` expected · done.
  // Held in an object: the scanner's transitions happen across loop iterations and chunks.
  const at: { state: 'open' | 'start' | 'element' | 'next' | 'done' } = { state: 'open' };
  let line = 1;
  let element = '';
  let elementLine = 0;
  let tooBig = false;
  let depth = 0;
  let inString = false;
  let escaped = false;
  const broken = (at: number, what: string) => rowError(at, 'json', `${what}; the rest of the file was not read`);
  for await (const chunk of chunks) {
    let from = 0; // where the current element's text starts in this chunk
    const finish = (end: number): ImportRow => {
      if (!tooBig) element += chunk.slice(from, end);
      const row =
        tooBig || element.length > MAX_ROW_CHARS
          ? rowError(elementLine, 'json', `is longer than ${MAX_ROW_CHARS} characters`, 'MAX_LENGTH')
          : jsonRow(element, elementLine, mapping, namespace);
      element = '';
      tooBig = false;
      return row;
    };
    let i = 0;
    while (i < chunk.length) {
      const c = chunk[i];
      if (at.state === 'element') {
        if (inString) {
          if (escaped) escaped = false;
          else if (c === '\\') escaped = true;
          else if (c === '"') inString = false;
          else if (c === '\n') line++;
        } else if (c === '"') inString = true;
        else if (c === '{' || c === '[') depth++;
        else if ((c === '}' || c === ']') && depth > 0) {
          depth--;
          if (depth === 0) {
            yield finish(i + 1);
            at.state = 'next';
          }
        } else if (depth === 0 && (c === ',' || c === ']' || c === '}')) {
          // The end of a scalar element (depth 0); the delimiter is read again in at.state `next`.
          yield finish(i);
          at.state = 'next';
          continue;
        } else if (c === '\n') line++;
        i++;
        continue;
      }
      if (c === '\n') line++;
      else if (c !== ' ' && c !== '\t' && c !== '\r') {
        if (at.state === 'open')
          at.state = 'start'; // the `[` detection found
        else if (at.state === 'next' && c === ',') at.state = 'start';
        else if ((at.state === 'next' || at.state === 'start') && c === ']')
          at.state = 'done'; // `[]`, and a trailing comma
        else if (at.state === 'start') {
          at.state = 'element';
          elementLine = line;
          from = i;
          depth = 0;
          inString = false;
          escaped = false;
          continue;
        } else {
          yield broken(
            line,
            at.state === 'done'
              ? 'text follows the closing "]" of the array'
              : `expected "," or "]" between array elements, found "${c}"`,
          );
          return;
        }
      }
      i++;
    }
    if (at.state === 'element' && !tooBig) {
      element += chunk.slice(from);
      if (element.length > MAX_ROW_CHARS) {
        tooBig = true; // keep scanning to the element's end without holding it
        element = '';
      }
    }
  }
  if (at.state === 'element') yield broken(elementLine, 'an array element is never closed');
  else if (at.state !== 'done') yield broken(line, 'the array is never closed with "]"');
}
