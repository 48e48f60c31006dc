import { describe, expect, it } from 'vitest';
import { MAPPINGS } from './import.formats.ts';
import {
  BASE_STATUS,
  buildRow,
  characterViolations,
  htmlToText,
  parseFlag,
  parseMedia,
  parseRating,
  parseReviewDate,
  parseStatus,
  type SourceRow,
  splitUrls,
} from './import.rules.ts';

/** A flat source row, as a CSV row with these columns would be. */
const row = (cells: Record<string, unknown>): SourceRow => ({
  get: (name) => (Object.hasOwn(cells, name) ? { name, value: cells[name] } : undefined),
});

describe('parseRating', () => {
  it('accepts whole stars 1 to 5 as numbers or digit strings', () => {
    expect(parseRating(5)).toEqual({ ok: true, value: 5 });
    expect(parseRating(' 4 ')).toEqual({ ok: true, value: 4 });
    expect(parseRating('3.0')).toEqual({ ok: true, value: 3 });
  });

  it('refuses other scales, half stars, 0 and words instead of converting them', () => {
    expect(parseRating('10')).toMatchObject({ ok: false, rule: 'MAX' });
    expect(parseRating(80)).toMatchObject({ ok: false, rule: 'MAX' });
    expect(parseRating('4.5')).toMatchObject({ ok: false, rule: 'TYPE' });
    expect(parseRating(0)).toMatchObject({ ok: false, rule: 'MIN', description: expect.stringContaining('no rating') });
    expect(parseRating('-1')).toMatchObject({ ok: false });
    expect(parseRating('five')).toMatchObject({ ok: false, rule: 'TYPE' });
    expect(parseRating(true)).toMatchObject({ ok: false, rule: 'TYPE' });
  });
});

describe('parseReviewDate', () => {
  it('reads the date formats review apps export and returns ISO-8601 UTC with milliseconds', () => {
    expect(parseReviewDate('2025-03-02 10:12:00 UTC')).toEqual({ ok: true, value: '2025-03-02T10:12:00.000Z' });
    expect(parseReviewDate('2023-06-01T10:00:00-04:00')).toEqual({ ok: true, value: '2023-06-01T14:00:00.000Z' });
    expect(parseReviewDate('2023-06-01T10:00:00+0530')).toEqual({ ok: true, value: '2023-06-01T04:30:00.000Z' });
    expect(parseReviewDate('2024-02-29')).toEqual({ ok: true, value: '2024-02-29T00:00:00.000Z' });
    expect(parseReviewDate('2024-05-01T10:12:30.123456Z')).toEqual({ ok: true, value: '2024-05-01T10:12:30.123Z' });
    expect(parseReviewDate({ $date: '2024-05-01T10:12:30Z' })).toEqual({ ok: true, value: '2024-05-01T10:12:30.000Z' });
  });

  it('takes a time without zone as UTC, whatever the machine time zone', () => {
    expect(parseReviewDate('2018-10-18T17:59:17')).toEqual({ ok: true, value: '2018-10-18T17:59:17.000Z' });
    expect(parseReviewDate('2018-10-18 17:59')).toEqual({ ok: true, value: '2018-10-18T17:59:00.000Z' });
  });

  it('refuses ambiguous, impossible and unreadable dates', () => {
    expect(parseReviewDate('03/04/2024')).toMatchObject({ ok: false, rule: 'FORMAT' });
    expect(parseReviewDate('2023-02-29')).toMatchObject({ ok: false, rule: 'FORMAT' });
    expect(parseReviewDate('2023-01-01T24:30:00Z')).toMatchObject({ ok: false, rule: 'FORMAT' });
    expect(parseReviewDate('yesterday')).toMatchObject({ ok: false, rule: 'FORMAT' });
    expect(parseReviewDate(1700000000000)).toMatchObject({ ok: false, rule: 'TYPE' });
  });

  it("answers toISOString()'s own form as the general reading does, impossible days and times included", () => {
    // A trailing space keeps the string out of the short way for that form, so the two readings are compared.
    const agree = (s: string) => expect(parseReviewDate(s), s).toEqual(parseReviewDate(`${s} `));
    const edges = [
      '2024-02-29T23:59:59.999Z', // a leap day
      '2023-02-29T00:00:00.000Z', // not a leap year
      '2000-02-29T00:00:00.000Z', // divisible by 400: leap
      '1900-02-29T00:00:00.000Z', // divisible by 100: not
      '2024-04-31T00:00:00.000Z',
      '2024-12-31T00:00:00.000Z',
      '2024-13-01T00:00:00.000Z',
      '2024-00-10T00:00:00.000Z',
      '2024-01-00T00:00:00.000Z',
      '2024-01-01T24:00:00.000Z',
      '2024-01-01T23:60:00.000Z',
      '2024-01-01T23:59:60.000Z',
      '0024-05-01T10:12:30.000Z', // a year under 100: the general reading refuses it
      '9999-12-31T23:59:59.999Z',
    ];
    for (const s of edges) agree(s);
    expect(parseReviewDate('2024-02-29T23:59:59.999Z')).toEqual({ ok: true, value: '2024-02-29T23:59:59.999Z' });
    expect(parseReviewDate('2023-02-29T00:00:00.000Z')).toMatchObject({ ok: false, rule: 'FORMAT' });
    // Every day of four years (a leap year among them) at a few times of day.
    for (let t = Date.UTC(2023, 0, 1); t < Date.UTC(2027, 0, 1); t += 86_400_000 + 3_601_001) {
      agree(new Date(t).toISOString());
    }
  });
});

describe('parseStatus and parseFlag', () => {
  it('maps the §8 words, ignoring case and separators', () => {
    expect(parseStatus('Published', BASE_STATUS)).toEqual({ ok: true, value: 'APPROVED' });
    expect(parseStatus('UNPUBLISHED', BASE_STATUS)).toEqual({ ok: true, value: 'IN_MODERATION' });
    expect(parseStatus('trash', BASE_STATUS)).toEqual({ ok: true, value: 'REJECTED' });
    expect(parseStatus('not-yet', { not_yet: 'IN_MODERATION' })).toEqual({ ok: true, value: 'IN_MODERATION' });
  });

  it('names the accepted values for an unknown status', () => {
    expect(parseStatus('archived', BASE_STATUS)).toMatchObject({
      ok: false,
      rule: 'INVALID_ENUM_VALUE',
      description: expect.stringContaining('published'),
    });
  });

  it('reads flags as booleans, 1/0, yes/no and review-app words', () => {
    for (const v of [true, 1, 'TRUE', 'yes', 'verified_buyer']) expect(parseFlag(v)).toEqual({ ok: true, value: true });
    for (const v of [false, 0, 'false', 'No', 'unverified']) expect(parseFlag(v)).toEqual({ ok: true, value: false });
    expect(parseFlag('maybe')).toMatchObject({ ok: false, rule: 'TYPE' });
  });
});

describe('media', () => {
  it('splits URL lists on whitespace, or on , and ; before the next URL, keeping commas inside a URL', () => {
    expect(splitUrls('https://a/1.jpg,https://a/2.jpg; https://a/3.jpg  https://a/4.jpg')).toEqual([
      'https://a/1.jpg',
      'https://a/2.jpg',
      'https://a/3.jpg',
      'https://a/4.jpg',
    ]);
    expect(splitUrls('https://cdn/x.jpg?w=10,20')).toEqual(['https://cdn/x.jpg?w=10,20']);
  });

  it('turns URLs into images and checks every item and the API limit of 10', () => {
    const urls = Array.from({ length: 11 }, (_, i) => `https://a/${i}.jpg`);
    const { media, violations } = parseMedia([...urls, 'ftp://a/x.jpg'].join(' '), 'picture_urls');
    expect(media[0]).toEqual({ image: { url: 'https://a/0.jpg' } });
    expect(violations).toEqual([
      {
        field: 'picture_urls[11]',
        description: '"ftp://a/x.jpg" is not an http(s) or wix: URL',
        violatedRule: 'FORMAT',
      },
      { field: 'picture_urls', description: 'must hold at most 10 items (has 12)', violatedRule: 'MAX_SIZE' },
    ]);
  });

  it('accepts API media objects, keeping only their known fields', () => {
    const { media, violations } = parseMedia(
      [{ image: { url: 'https://a/1.jpg', width: 10, extra: 'x' } }, { video: { id: 'wix:video://v1/abc' } }],
      'content.media',
    );
    expect(violations).toEqual([]);
    expect(media).toEqual([{ image: { url: 'https://a/1.jpg', width: 10 } }, { video: { id: 'wix:video://v1/abc' } }]);
  });

  it('lists each malformed media object', () => {
    const { violations } = parseMedia(
      [{ image: { url: 3 } }, { image: {}, video: {} }, 'x', 7, { image: {} }],
      'content.media',
    );
    expect(violations.map((v) => [v.field, v.violatedRule])).toEqual([
      ['content.media[0].image.url', 'TYPE'],
      ['content.media[1]', 'ONE_OF'],
      ['content.media[2]', 'FORMAT'],
      ['content.media[3]', 'TYPE'],
      ['content.media[4].image', 'REQUIRED_FIELD'],
    ]);
  });
});

describe('text rules', () => {
  it('turns WooCommerce review HTML into text', () => {
    expect(htmlToText('<p>Nice &amp; warm&#8230;<br />Would buy</p>\n<p>again &#x263A;</p>\n')).toBe(
      'Nice & warm…\nWould buy\n\nagain ☺',
    );
  });

  it('finds NUL and U+FFFD in nested strings', () => {
    expect(characterViolations({ a: ['ok', 'x\u0000y'], b: 'bad \uFFFD' }, 'content.media')).toEqual([
      { field: 'content.media', description: 'must not contain NUL characters', violatedRule: 'INVALID_CHARACTER' },
      {
        field: 'content.media',
        description: expect.stringContaining('not valid UTF-8'),
        violatedRule: 'INVALID_ENCODING',
      },
    ]);
  });
});

describe('buildRow', () => {
  const good = {
    product_handle: 'wool-socks',
    state: 'published',
    rating: '4',
    title: 'Warm',
    author: 'Ana',
    email: ' ana@example.com ',
    body: 'Comfortable.',
    reply: 'Thanks!',
    created_at: '2024-01-02T03:04:05Z',
    replied_at: '2024-01-03',
  };

  it('maps a valid row to a record with the default namespace and a content id', () => {
    const result = buildRow(MAPPINGS.shopify, row(good), 7, 'stores');
    expect(result).toEqual({
      ok: true,
      record: {
        line: 7,
        sourceId: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
        namespace: 'stores',
        entityId: 'wool-socks',
        contactId: null,
        authorName: 'Ana',
        authorEmail: 'ana@example.com',
        title: 'Warm',
        body: 'Comfortable.',
        rating: 4,
        media: [],
        reviewDate: '2024-01-02T03:04:05.000Z',
        status: 'APPROVED',
        reply: { message: 'Thanks!', date: '2024-01-03T00:00:00.000Z' },
        verified: false,
      },
    });
  });

  it('gives the same content id to the same review and a different one to another review', () => {
    const id = (cells: Record<string, unknown>) => {
      const r = buildRow(MAPPINGS.shopify, row(cells), 1, 'stores');
      return r.ok ? r.record.sourceId : undefined;
    };
    expect(id(good)).toBe(id({ ...good, state: 'unpublished', reply: 'Changed reply' }));
    expect(id(good)).not.toBe(id({ ...good, body: 'Comfortable!' }));
    expect(id(good)).not.toBe(id({ ...good, product_handle: 'cotton-socks' }));
  });

  it('lists every problem of a row, each under the source field name', () => {
    const result = buildRow(
      MAPPINGS.shopify,
      row({
        product_handle: 'h'.repeat(37),
        state: 'archived',
        rating: '4.5',
        title: 't'.repeat(3001),
        author: 'a'.repeat(101),
        email: 'not-an-email',
        body: 'b\u0000',
        created_at: '31/12/2024',
        reply: 'r'.repeat(10_001),
      }),
      3,
      'stores',
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.line).toBe(3);
    expect(result.error.violations.map((v) => [v.field, v.violatedRule])).toEqual([
      ['product_handle', 'MAX_LENGTH'],
      ['author', 'MAX_LENGTH'],
      ['email', 'FORMAT'],
      ['title', 'MAX_LENGTH'],
      ['body', 'INVALID_CHARACTER'],
      ['rating', 'TYPE'],
      ['created_at', 'FORMAT'],
      ['state', 'INVALID_ENUM_VALUE'],
      ['reply', 'MAX_LENGTH'],
    ]);
  });

  it('reports each missing required field, naming the alternatives', () => {
    const result = buildRow(MAPPINGS.judgeme, row({ product_id: '', product_handle: '  ', rating: '' }), 2, 'stores');
    expect(result).toEqual({
      ok: false,
      error: {
        line: 2,
        violations: [
          { field: 'product_id', description: 'is required (or product_handle)', violatedRule: 'REQUIRED_FIELD' },
          { field: 'rating', description: 'is required', violatedRule: 'REQUIRED_FIELD' },
          { field: 'review_date', description: 'is required', violatedRule: 'REQUIRED_FIELD' },
        ],
      },
    });
  });

  it('keeps the source id on an error row and checks verdict ids and contact ids as GUIDs', () => {
    const result = buildRow(
      MAPPINGS.verdict,
      row({ id: 'r-1', entity_id: 'p1', rating: '5', review_date: '2024-01-01', contact_id: 'c1' }),
      2,
      'stores',
    );
    expect(result).toMatchObject({
      ok: false,
      error: {
        violations: [
          { field: 'id', violatedRule: 'PATTERN' },
          { field: 'contact_id', violatedRule: 'PATTERN' },
        ],
      },
    });
    const woo = buildRow(
      MAPPINGS.woocommerce,
      row({ id: 41, product_id: 9, rating: 7, date_created_gmt: '2024-01-01' }),
      2,
      's',
    );
    expect(woo).toMatchObject({ ok: false, error: { sourceId: '41' } });
  });

  it('refuses a WooCommerce comment that replies to another comment', () => {
    const cells = {
      comment_ID: '8',
      comment_post_ID: '9',
      comment_date_gmt: '2024-01-01 00:00:00',
      comment_content: 'Thanks',
    };
    const reply = buildRow(MAPPINGS.woocommerce, row({ ...cells, comment_parent: '7', rating: '' }), 4, 'stores');
    expect(reply).toMatchObject({
      ok: false,
      error: { violations: [{ field: 'rating' }, { field: 'comment_parent', violatedRule: 'NOT_A_REVIEW' }] },
    });
    const review = buildRow(MAPPINGS.woocommerce, row({ ...cells, comment_parent: '0', rating: '5' }), 4, 'stores');
    expect(review).toMatchObject({ ok: true, record: { sourceId: '8', entityId: '9', body: 'Thanks' } });
  });
});
