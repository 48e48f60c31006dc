/**
 * The widget's styles. Theme through custom properties (`--verdict-*`, listed in the README) and `::part`; light
 * and dark from `prefers-color-scheme` or the `theme` attribute; no motion under `prefers-reduced-motion`. The
 * first render's height is fixed by construction (fixed summary, toolbar and card heights, three cards), so
 * `:host` reserves it before any data arrives and nothing below the element moves.
 */
import { css } from 'lit';

export const styles = css`
  :host {
    --_bg: var(--verdict-bg, #ffffff);
    --_fg: var(--verdict-fg, #1d1d1f);
    --_muted: var(--verdict-muted, #595959);
    --_border: var(--verdict-border, #d6d6d6);
    --_accent: var(--verdict-accent, #0b57d0);
    --_accent-fg: var(--verdict-accent-fg, #ffffff);
    --_star: var(--verdict-star, #b25e00);
    --_bar: var(--verdict-bar, #e8e8e8);
    --_error: var(--verdict-error, #b3261e);
    --_radius: var(--verdict-radius, 0.5rem);
    --_summary-h: 10rem;
    --_toolbar-h: 3rem;
    /* Room for stars, title, byline, two lines of body, a row of photos, one line of reply and the buttons. */
    --_card-h: 16.5rem;
    --_gap: 0.75rem;
    --_footer-h: 3.5rem;
    display: block;
    box-sizing: border-box;
    min-height: calc(var(--_summary-h) + var(--_toolbar-h) + 3 * (var(--_card-h) + var(--_gap)) + var(--_footer-h));
    color: var(--_fg);
    background: var(--_bg);
    font: var(--verdict-font, 1rem/1.5 system-ui, sans-serif);
    contain: layout;
  }
  :host([theme='dark']) {
    --_bg: var(--verdict-bg, #161616);
    --_fg: var(--verdict-fg, #ececec);
    --_muted: var(--verdict-muted, #b5b5b5);
    --_border: var(--verdict-border, #3d3d3d);
    --_accent: var(--verdict-accent, #8ab4f8);
    --_accent-fg: var(--verdict-accent-fg, #0b1a33);
    --_star: var(--verdict-star, #ffb74d);
    --_bar: var(--verdict-bar, #333333);
    --_error: var(--verdict-error, #f2b8b5);
  }
  @media (prefers-color-scheme: dark) {
    :host(:not([theme='light'])) {
      --_bg: var(--verdict-bg, #161616);
      --_fg: var(--verdict-fg, #ececec);
      --_muted: var(--verdict-muted, #b5b5b5);
      --_border: var(--verdict-border, #3d3d3d);
      --_accent: var(--verdict-accent, #8ab4f8);
      --_accent-fg: var(--verdict-accent-fg, #0b1a33);
      --_star: var(--verdict-star, #ffb74d);
      --_bar: var(--verdict-bar, #333333);
      --_error: var(--verdict-error, #f2b8b5);
    }
  }
  * { box-sizing: border-box; }
  h2, h3, p { margin: 0; }
  button, select, input, textarea { font: inherit; color: inherit; }
  button {
    cursor: pointer; border: 1px solid var(--_border); background: transparent; border-radius: var(--_radius);
    padding: 0.25rem 0.75rem; transition: background-color 0.15s;
  }
  button:hover { background: var(--_bar); }
  button.primary { background: var(--_accent); color: var(--_accent-fg); border-color: var(--_accent); }
  button[aria-pressed='true'] { border-color: var(--_accent); color: var(--_accent); font-weight: 600; }
  :focus-visible { outline: 2px solid var(--_accent); outline-offset: 2px; }
  .sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
  .stars { color: var(--_star); letter-spacing: 0.1em; }
  .summary { height: var(--_summary-h); display: flex; gap: 1.5rem; align-items: center; overflow: hidden; }
  .average { min-width: 7rem; text-align: center; }
  .average strong { font-size: 2.5rem; display: block; line-height: 1.1; }
  .average small { color: var(--_muted); display: block; }
  .histogram { list-style: none; margin: 0; padding: 0; flex: 1; max-width: 24rem; }
  .histogram button {
    display: grid; grid-template-columns: 2.5rem 1fr 2.5rem; gap: 0.5rem; align-items: center; width: 100%;
    border: 0; padding: 0.1rem 0.25rem; height: 1.75rem;
  }
  .track { height: 0.6rem; background: var(--_bar); border-radius: 1rem; overflow: hidden; }
  .fill { display: block; height: 100%; background: var(--_star); transition: width 0.3s; }
  .toolbar { height: var(--_toolbar-h); display: flex; gap: 0.75rem; align-items: center; flex-wrap: nowrap; overflow: hidden; }
  .toolbar .filter { color: var(--_muted); white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
  .list { list-style: none; margin: 0; padding: 0; display: grid; gap: var(--_gap); align-content: start; }
  .list, .empty { min-height: calc(3 * var(--_card-h) + 3 * var(--_gap)); }
  .card {
    height: var(--_card-h); overflow: hidden; border: 1px solid var(--_border); border-radius: var(--_radius);
    padding: 0.75rem 1rem; display: grid; grid-template-rows: minmax(0, 1fr) auto; gap: 0.5rem;
  }
  .content { overflow: hidden; min-height: 0; display: flex; flex-direction: column; gap: 0.25rem; }
  .content > * { flex-shrink: 0; }
  .card.open { height: auto; }
  .card h3 { font-size: 1rem; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
  .byline { color: var(--_muted); font-size: 0.875rem; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
  .badge { color: var(--_accent); font-weight: 600; }
  .body { display: -webkit-box; -webkit-line-clamp: 2; -webkit-box-orient: vertical; overflow: hidden; white-space: pre-line; }
  .card.open .body, .card.open .reply { display: block; -webkit-line-clamp: unset; }
  .media { display: flex; gap: 0.5rem; }
  .media img { width: 3rem; height: 3rem; object-fit: cover; border-radius: 0.25rem; background: var(--_bar); }
  .reply {
    border-left: 3px solid var(--_accent); padding-left: 0.5rem; font-size: 0.875rem;
    display: -webkit-box; -webkit-line-clamp: 1; -webkit-box-orient: vertical; overflow: hidden;
  }
  .actions { display: flex; gap: 0.25rem 0.5rem; align-items: center; flex-wrap: wrap; font-size: 0.875rem; }
  .actions button { white-space: nowrap; padding: 0.2rem 0.6rem; }
  .actions .more { margin-left: auto; }
  /* Nothing more to show: out of sight and out of the tab order, in the same place (no layout change). */
  .actions .more.whole { visibility: hidden; }
  .footer { height: var(--_footer-h); display: flex; gap: 0.75rem; align-items: center; }
  .footer button { white-space: nowrap; }
  .status { color: var(--_muted); }
  .error { color: var(--_error); }
  .empty { margin: 0; display: grid; place-items: center; color: var(--_muted); border: 1px dashed var(--_border); border-radius: var(--_radius); }
  form { display: grid; gap: 0.75rem; max-width: 36rem; padding: 1rem 0; }
  label { display: grid; gap: 0.25rem; }
  input, textarea, select { border: 1px solid var(--_border); border-radius: var(--_radius); padding: 0.4rem 0.6rem; background: var(--_bg); }
  input[aria-invalid='true'], textarea[aria-invalid='true'] { border-color: var(--_error); }
  fieldset { border: 0; padding: 0; margin: 0; }
  .rate { display: inline-flex; position: relative; }
  .rate input { position: absolute; opacity: 0; width: 1px; height: 1px; margin: 0; }
  .rate label { font-size: 1.75rem; color: var(--_muted); cursor: pointer; padding: 0 0.1rem; display: inline; }
  .rate label.on { color: var(--_star); }
  .rate input:focus-visible + label { outline: 2px solid var(--_accent); outline-offset: 2px; }
  dialog { color: var(--_fg); background: var(--_bg); border: 1px solid var(--_border); border-radius: var(--_radius); max-width: 28rem; }
  dialog::backdrop { background: rgb(0 0 0 / 0.4); }
  /* Narrow screens: the buttons take two rows, so each card reserves one more. */
  @media (max-width: 40rem) {
    :host { --_card-h: 19.5rem; }
  }
  @media (prefers-reduced-motion: reduce) {
    *, *::before, *::after { transition: none !important; animation: none !important; scroll-behavior: auto !important; }
  }
`;
