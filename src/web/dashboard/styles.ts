/**
 * The dashboard's styles, adopted as constructable stylesheets by every component (no inline style, so the page's
 * CSP needs no 'unsafe-inline'). One column below 48rem, so it is usable 390 px wide.
 */
import { css } from 'lit';

/** The document's own sheet (the page outside the components): adopted by index.ts. */
export const pageStyles = `
  html { color-scheme: light; }
  body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d1d1f; background: #f6f6f4; }
`;

export const shared = css`
  :host { display: block; min-width: 0; }
  *, *::before, *::after { box-sizing: border-box; }
  h1, h2, h3 { line-height: 1.25; margin: 0 0 0.75rem; }
  h1 { font-size: 1.5rem; }
  h2 { font-size: 1.25rem; }
  h3 { font-size: 1.05rem; }
  p { margin: 0 0 0.75rem; }
  a { color: #0b57d0; }
  a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, textarea:focus-visible,
  summary:focus-visible {
    outline: 3px solid #0b57d0;
    outline-offset: 2px;
  }
  button {
    font: inherit;
    min-height: 2.5rem;
    padding: 0.4rem 0.9rem;
    border-radius: 0.4rem;
    border: 1px solid #767676;
    background: #fff;
    color: #1d1d1f;
    cursor: pointer;
  }
  button.primary { background: #0b57d0; border-color: #0b57d0; color: #fff; }
  button.danger { background: #fff; border-color: #b3261e; color: #b3261e; }
  button.approve { border-color: #146c2e; color: #146c2e; }
  button[disabled] { opacity: 0.55; cursor: not-allowed; }
  label { display: block; font-weight: 600; font-size: 0.9rem; }
  input, select, textarea {
    font: inherit;
    display: block;
    width: 100%;
    margin-top: 0.25rem;
    padding: 0.45rem 0.6rem;
    min-height: 2.5rem;
    border: 1px solid #767676;
    border-radius: 0.4rem;
    background: #fff;
    color: #1d1d1f;
  }
  input[type='checkbox'] { display: inline-block; width: 1.25rem; min-height: 1.25rem; height: 1.25rem; margin: 0 0.5rem 0 0; vertical-align: middle; }
  textarea { min-height: 6rem; resize: vertical; }
  .card { background: #fff; border: 1px solid #d8d8d4; border-radius: 0.6rem; padding: 1rem; margin-bottom: 1rem; min-width: 0; }
  .row { display: flex; gap: 0.5rem; flex-wrap: wrap; align-items: center; }
  .row.end { align-items: flex-end; }
  .muted { color: #5c5c5c; }
  .error { color: #b3261e; background: #fdecea; border: 1px solid #f3b4ae; border-radius: 0.4rem; padding: 0.6rem 0.8rem; margin-bottom: 0.75rem; }
  .status { color: #14532d; background: #e7f5ea; border: 1px solid #a6d8b1; border-radius: 0.4rem; padding: 0.6rem 0.8rem; margin-bottom: 0.75rem; }
  .empty { text-align: center; padding: 2rem 1rem; }
  .badge { display: inline-block; font-size: 0.8rem; font-weight: 600; padding: 0.1rem 0.5rem; border-radius: 1rem; background: #ececea; color: #333; }
  .badge.IN_MODERATION, .badge.SUBMITTED { background: #fff4d6; color: #6b4a00; }
  .badge.APPROVED { background: #e7f5ea; color: #14532d; }
  .badge.REJECTED { background: #fdecea; color: #8c1d18; }
  .stars { color: #8a5a00; letter-spacing: 0.05em; }
  .sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
  .grid { display: grid; gap: 0.75rem; grid-template-columns: repeat(auto-fill, minmax(11rem, 1fr)); }
  /* For fields whose values are long (a file name, a format's name): one per line only where 20rem do not fit. */
  .grid.wide { grid-template-columns: repeat(auto-fill, minmax(min(20rem, 100%), 1fr)); }
  .pre { white-space: pre-wrap; overflow-wrap: anywhere; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: 0.4rem 0.5rem; border-bottom: 1px solid #e2e2de; vertical-align: top; overflow-wrap: anywhere; }
  progress { width: 100%; height: 1.25rem; }
  .scroll { overflow-x: auto; position: relative; }
  /* On a phone a table keeps a readable width and scrolls sideways inside its .scroll box, rather than squeezing its
     columns to a letter a line; a drop-down in a cell keeps room for its choice and a button its word. */
  .scroll > table { min-width: 36rem; }
  td select { min-width: 9rem; }
  td button { white-space: nowrap; }
`;
