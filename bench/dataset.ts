/**
 * The benchmark's dataset: reviews as a shop's look, generated deterministically from their number, so the harness
 * and every loader produce the same rows without holding them. Bodies of about 500 characters at the median (a
 * log-normal spread, from a short line to the API's 3,000-character limit), ratings skewed to 4 and 5, helpfulness
 * votes on a minority of reviews, and one hot entity holding a large share of them.
 */

import { once } from 'node:events';
import { createWriteStream, existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';

/** The entity that holds the hot share of the reviews. */
export const HOT = 'hot-entity';

/** How the reviews are spread: `hot` of them on {@link HOT}, the others over `entities` entities `e-0` … */
export interface DatasetShape {
  reviews: number;
  entities: number;
  hot: number;
}

/**
 * The default size of the hot entity: a fifth of the reviews, and at least 100,000 once the dataset has 200,000
 * (half of it below that), so a large run has a product of 100,000+ reviews to page through.
 */
export function defaultHot(reviews: number): number {
  return Math.max(Math.floor(reviews / 5), Math.min(100_000, Math.floor(reviews / 2)));
}

/** One generated review, in the terms both Verdict's import and the minimal service read. */
export interface SeedReview {
  entityId: string;
  name: string;
  email: string;
  rating: number;
  title: string;
  body: string;
  reviewDate: string;
  foundHelpful: number;
  foundUnhelpful: number;
}

/** mulberry32: a small, fast PRNG; plenty for test data. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = (
  'the this it fits great good quality price fabric size color comfortable warm soft light heavy small large ' +
  'true to after wearing washing weeks months days order arrived quickly packaging box delivery shipping seller ' +
  'would buy again recommend friends family gift daughter son husband wife everyday use work travel weekend ' +
  'battery screen sound charging cable lasts hours easy setup instructions clear app works perfectly well ' +
  'however but although still slightly a bit too much little more less than expected hoped for compared ' +
  'previous one older model brand stitching seams zipper pockets sleeves collar material feels sturdy cheap ' +
  'flimsy solid durable looks nice exactly like pictures photos description online store customer service ' +
  'helpful responded replaced refund return exchange problem issue defect broke stopped working after first ' +
  'second week happy satisfied disappointed overall value money worth every penny definitely not sure yet ' +
  'update changed my mind love favorite best ever bought kitchen coffee taste smell fresh strong mild sweet'
).split(' ');

/** Star ratings, skewed as shops see them: 5 ★ 58 %, 4 ★ 22 %, 3 ★ 9 %, 2 ★ 5 %, 1 ★ 6 %. */
function rating(u: number): number {
  if (u < 0.58) return 5;
  if (u < 0.8) return 4;
  if (u < 0.89) return 3;
  if (u < 0.94) return 2;
  return 1;
}

function sentence(rand: () => number): string {
  const n = 6 + Math.floor(rand() * 12);
  const words: string[] = [];
  for (let k = 0; k < n; k++) words.push(WORDS[Math.floor(rand() * WORDS.length)] ?? 'good');
  const s = words.join(' ');
  return `${s.charAt(0).toUpperCase()}${s.slice(1)}.`;
}

/** The API's limit on a review's body (and title). */
const MAX_CHARS = 3000;

/** Text of about `chars` characters (whole sentences, cut at a word when well over), never over the API's limit. */
function text(rand: () => number, chars: number): string {
  let out = '';
  while (out.length < chars) out += (out ? ' ' : '') + sentence(rand);
  if (out.length <= Math.min(chars + 40, MAX_CHARS)) return out;
  const cut = out.lastIndexOf(' ', chars);
  return `${out.slice(0, cut > 0 ? cut : chars)}.`;
}

/** A standard normal deviate (Box–Muller). */
function gauss(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

const START = Date.UTC(2024, 0, 1);
const SPAN_MS = 730 * 86_400_000;

/** The review date of review number `i` (rising with `i` over two years): what identifies a review after import. */
export function reviewDateOf(shape: DatasetShape, i: number): string {
  return new Date(START + Math.floor((i / shape.reviews) * SPAN_MS)).toISOString();
}

/** The number of the review whose review date is `reviewDate` (see {@link reviewDateOf}); undefined if none. */
export function reviewNumberOf(shape: DatasetShape, reviewDate: string): number | undefined {
  const guess = Math.floor(((Date.parse(reviewDate) - START) * shape.reviews) / SPAN_MS);
  for (const i of [guess, guess + 1, guess - 1])
    if (i >= 0 && i < shape.reviews && reviewDateOf(shape, i) === reviewDate) return i;
  return undefined;
}

/**
 * Review number `i` of a dataset of `shape`: the first `shape.hot` on the hot entity, the rest spread over the
 * entities. Authors are customers by email: each hot review has its own, the other customers write four reviews
 * each (of four different entities). Review dates rise with `i` over two years.
 */
export function seedReview(shape: DatasetShape, i: number): SeedReview {
  const rand = prng(Math.imul(i + 1, 0x9e3779b1));
  const customer = i < shape.hot ? i : shape.hot + Math.floor((i - shape.hot) / 4);
  // Log-normal around 500 characters: a quarter under ~330, a quarter over ~750, the longest at the API's limit.
  const bodyChars = Math.min(MAX_CHARS - 20, Math.max(12, Math.round(500 * Math.exp(0.6 * gauss(rand)))));
  const voted = rand();
  const foundHelpful = voted < 0.65 ? 0 : 1 + Math.floor(-Math.log(1 - rand()) * (voted > 0.97 ? 40 : 3));
  const foundUnhelpful = rand() < 0.88 ? 0 : 1 + Math.floor(rand() * 3);
  return {
    entityId: i < shape.hot ? HOT : `e-${i % shape.entities}`,
    name: `Customer ${customer}`,
    email: `customer-${customer}@example.com`,
    rating: rating(rand()),
    title: text(rand, 10 + Math.floor(rand() * 30)).slice(0, 100),
    body: text(rand, bodyChars),
    reviewDate: reviewDateOf(shape, i),
    foundHelpful,
    foundUnhelpful,
  };
}

/**
 * The NDJSON line of review `i` in Verdict's import format, with the vote counts under the Wix field names
 * (`foundHelpful`, `foundUnhelpful`), which Verdict's import and the minimal service both read.
 */
export function ndjsonLine(shape: DatasetShape, i: number): string {
  const r = seedReview(shape, i);
  return `${JSON.stringify({
    namespace: 'stores',
    entityId: r.entityId,
    author: { name: r.name, email: r.email },
    content: { rating: r.rating, title: r.title, body: r.body },
    reviewDate: r.reviewDate,
    foundHelpful: r.foundHelpful,
    foundUnhelpful: r.foundUnhelpful,
  })}\n`;
}

/** A new review's content for the write scenarios: a realistic title and body, the same shape as the seed. */
export function newContent(k: number): { rating: number; title: string; body: string } {
  const rand = prng(Math.imul(k + 7, 0x85ebca6b));
  return {
    rating: rating(rand()),
    title: text(rand, 20).slice(0, 100),
    body: text(rand, Math.min(MAX_CHARS - 20, Math.max(12, Math.round(500 * Math.exp(0.6 * gauss(rand)))))),
  };
}

/**
 * The dataset as an NDJSON file in Verdict's import format (with vote counts, which every loader carries), written
 * once per shape into `dir` and kept there for the next run; returns its path.
 */
export async function writeDatasetFile(shape: DatasetShape, dir: string): Promise<string> {
  const file = join(dir, `seed-${shape.reviews}-${shape.hot}-${shape.entities}.ndjson`);
  if (existsSync(file)) return file;
  mkdirSync(dir, { recursive: true });
  const partial = `${file}.partial`;
  const out = createWriteStream(partial);
  for (let i = 0; i < shape.reviews; i++) {
    if (!out.write(ndjsonLine(shape, i))) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  renameSync(partial, file);
  return file;
}
