/**
 * The widget's entry (`/widget.js`): defines `<verdict-reviews>` once, so the script may be included twice.
 * Built by scripts/build.mjs into dist/widget.js; at most 30 KB gzipped (test/web/widget-size.test.ts).
 */
import { VerdictReviews } from './verdict-reviews.ts';

if (!customElements.get('verdict-reviews')) customElements.define('verdict-reviews', VerdictReviews);

export { VerdictReviews };
