/**
 * The Previous / Next navigation under a cursor-paged list (pager.rules.ts keeps where the list is). Absent while
 * the list fits one page; its buttons are disabled at either end and while a page loads.
 */
import { html, nothing, type TemplateResult } from 'lit';
import { type Move, type Pages, pageNumber } from './pager.rules.ts';

export function pagerNav(
  what: string,
  pages: Pages,
  loading: boolean,
  go: (move: Move) => void,
): TemplateResult | typeof nothing {
  if (pages.before.length === 0 && pages.next === null) return nothing;
  return html`<nav class="row" aria-label=${`Pages of ${what}`}>
    <button ?disabled=${loading || pages.before.length === 0} @click=${() => go('previous')}>Previous page</button>
    <span class="muted" aria-live="polite">Page ${pageNumber(pages)}</span>
    <button ?disabled=${loading || pages.next === null} @click=${() => go('next')}>Next page</button>
  </nav>`;
}
