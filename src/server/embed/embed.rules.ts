/**
 * What the public review-page routes say, as pure functions: schema.org JSON-LD of a product, the HTML fragment of
 * the first page, and the cache validator. No I/O, no clock.
 */
import type { ProductJsonLd, RatingSummary, Review, ReviewPageData } from '../../contract/index.ts';
import { pickLocale, safeMediaUrl } from '../../web/widget/messages.ts';
import { digest } from '../digest.ts';

/**
 * HTML-escapes text for element content and double-quoted attribute values. Every piece of user text in the
 * fragment passes through here: with `&`, `<`, `>`, `"` and `'` replaced, no text can open a tag or leave an attribute.
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON for a `<script>` element: `<` is written `\u003c`, so no value can close the element or open a comment. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** A strong validator of a response body. */
export function etagOf(body: string): string {
  return `"${digest('sha256', body, 'base64url').slice(0, 32)}"`;
}

/** Whether an `If-None-Match` header names `etag` (a list, `*`, or weak forms). */
export function matchesEtag(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch.trim() === '*') return true;
  return ifNoneMatch.split(',').some((t) => t.trim().replace(/^W\//, '') === etag);
}

const round1 = (n: number) => Math.round(n * 10) / 10;

/**
 * schema.org Product with AggregateRating and the given reviews (already only published ones). An entity without
 * reviews gets no AggregateRating: Google asks for none rather than a zero count.
 */
export function productJsonLd(
  product: { name: string; url?: string | undefined },
  summary: RatingSummary,
  reviews: readonly Review[],
): ProductJsonLd {
  return {
    '@context': 'https://schema.org',
    '@type': 'Product',
    name: product.name,
    ...(product.url ? { url: product.url } : {}),
    ...(summary.count > 0
      ? {
          aggregateRating: {
            '@type': 'AggregateRating' as const,
            ratingValue: round1(summary.average),
            reviewCount: summary.count,
            bestRating: 5,
            worstRating: 1,
          },
        }
      : {}),
    review: reviews.map((r) => ({
      '@type': 'Review' as const,
      author: { '@type': 'Person' as const, name: r.author.authorName || 'Anonymous' },
      datePublished: r.reviewDate.slice(0, 10),
      ...(r.content.title ? { name: r.content.title } : {}),
      ...(r.content.body ? { reviewBody: r.content.body } : {}),
      reviewRating: { '@type': 'Rating' as const, ratingValue: r.content.rating, bestRating: 5, worstRating: 1 },
    })),
  };
}

const stars = (rating: number) => '★'.repeat(Math.round(rating)) + '☆'.repeat(5 - Math.round(rating));

function reviewHtml(r: Review, t: ReturnType<typeof pickLocale>, dates: Intl.DateTimeFormat): string {
  const name = escapeHtml(r.author.authorName || t.anonymous);
  const date = dates.format(new Date(r.reviewDate));
  const media = r.content.media
    .map((m, i) => ({ url: safeMediaUrl(m.image?.url), alt: m.image?.altText || t.photo(i + 1) }))
    .filter((m): m is { url: string; alt: string } => m.url !== undefined)
    .map((m) => `<img src="${escapeHtml(m.url)}" alt="${escapeHtml(m.alt)}" loading="lazy" width="64" height="64">`)
    .join('');
  return [
    `<article class="verdict-review" data-review-id="${escapeHtml(r.id)}">`,
    `<p class="verdict-stars" aria-label="${escapeHtml(t.starsLabel(String(r.content.rating)))}">${stars(r.content.rating)}</p>`,
    r.content.title ? `<h3>${escapeHtml(r.content.title)}</h3>` : '',
    `<p class="verdict-byline">${name} · <time datetime="${escapeHtml(r.reviewDate)}">${escapeHtml(date)}</time>${r.verified ? ` · ${escapeHtml(t.verified)}` : ''}</p>`,
    r.content.body ? `<p>${escapeHtml(r.content.body)}</p>` : '',
    media ? `<p class="verdict-media">${media}</p>` : '',
    r.reply
      ? `<blockquote><strong>${escapeHtml(t.ownerReply)}</strong> ${escapeHtml(r.reply.message)}</blockquote>`
      : '',
    '</article>',
  ].join('');
}

/**
 * The summary and first reviews as an HTML fragment for the inside of `<verdict-reviews>`: readable without
 * JavaScript and by crawlers; the widget reads the same data from the JSON script and renders its own view.
 */
export function reviewFragmentHtml(page: ReviewPageData, locale: string): string {
  const t = pickLocale(locale);
  const numbers = new Intl.NumberFormat(locale, { maximumFractionDigits: 1, minimumFractionDigits: 1 });
  const counts = new Intl.NumberFormat(locale);
  const dates = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' });
  const s = page.summary;
  const bars = [5, 4, 3, 2, 1]
    .map((n) => `<li>${n} ★ ${counts.format(s.histogram[String(n) as keyof RatingSummary['histogram']])}</li>`)
    .join('');
  const summary =
    s.count === 0
      ? `<p>${escapeHtml(t.noReviews)}</p>`
      : `<p class="verdict-average"><strong>${numbers.format(s.average)}</strong> ${escapeHtml(t.outOf)} · ${escapeHtml(
          s.count === 1 ? t.basedOnOne : t.basedOn(counts.format(s.count)),
        )}</p><ul class="verdict-histogram">${bars}</ul>`;
  return [
    `<section class="verdict-fragment" data-count="${s.count}">`,
    `<h2>${escapeHtml(t.reviews)}</h2>`,
    summary,
    page.reviews.map((r) => reviewHtml(r, t, dates)).join(''),
    `<script type="application/json" data-verdict-page>${scriptJson(page)}</script>`,
    '</section>',
  ].join('');
}
