/**
 * `/demo`: a sample product page embedding the widget for the default site's demo product (see demo.service.ts),
 * with its JSON-LD in the head as a shop would put it. Public; it shows only published reviews.
 */
import type { RouteHandlerMethod } from 'fastify';
import { escapeHtml, reviewFragmentHtml, scriptJson } from '../embed/embed.rules.ts';
import { getProductJsonLd, getReviewPage } from '../embed/embed.service.ts';
import type { AppDeps } from '../http/app-deps.ts';
import { DEMO_PHOTO_PATH, DEMO_PRODUCT, defaultSite } from './demo.service.ts';

const KETTLE_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 120"><rect width="120" height="120" fill="#f1efe9"/><path d="M30 95h60l-6-50H36z" fill="#c0392b"/><rect x="44" y="34" width="32" height="10" rx="4" fill="#7b241c"/><path d="M84 55c14 0 14 30 0 30" stroke="#7b241c" stroke-width="6" fill="none"/><path d="M36 60L20 48" stroke="#7b241c" stroke-width="6"/></svg>`;

function page(opts: { clientId: string; entityId: string; jsonLd: string; fragment: string; theme: string }): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(DEMO_PRODUCT.name)} — Verdict demo</title>
<script type="application/ld+json">${opts.jsonLd}</script>
<script type="module" src="/widget.js"></script>
<style>
  body { font-family: system-ui, sans-serif; margin: 0; color: #1d1d1f; background: #fff; }
  @media (prefers-color-scheme: dark) { body { background: #121212; color: #eee; } }
  main { max-width: 60rem; margin: 0 auto; padding: 1.5rem; }
  .product { display: flex; gap: 1.5rem; flex-wrap: wrap; align-items: center; margin-bottom: 2rem; }
  .product img { width: 12rem; height: 12rem; border-radius: .5rem; }
  /* Reserve the widget's first-render height before its script has run (no layout shift). */
  verdict-reviews:not(:defined) { display: block; min-height: 68.25rem; }
  @media (max-width: 40rem) { verdict-reviews:not(:defined) { min-height: 77.25rem; } }
  footer { max-width: 60rem; margin: 2rem auto; padding: 1.5rem; border-top: 1px solid #8884; font-size: .9rem; }
</style>
</head>
<body>
<main>
  <section class="product">
    <img src="${DEMO_PHOTO_PATH}" alt="${escapeHtml(DEMO_PRODUCT.name)}" width="192" height="192">
    <div><h1>${escapeHtml(DEMO_PRODUCT.name)}</h1><p>1.7 litres, stainless steel. €49.00</p></div>
  </section>
  <verdict-reviews site="${escapeHtml(opts.clientId)}" namespace="${DEMO_PRODUCT.namespace}" entity-id="${escapeHtml(opts.entityId)}"${opts.theme ? ` theme="${escapeHtml(opts.theme)}"` : ''}>${opts.fragment}</verdict-reviews>
</main>
<footer>A sample product page. Seed reviews with <code>verdict demo-seed</code>.</footer>
</body>
</html>`;
}

/** `/demo` (an infrastructure route): the sample product page of the default site, or 404 before it exists. */
export function demoPage(deps: AppDeps): RouteHandlerMethod {
  return async (req, reply) => {
    const site = await defaultSite(deps);
    if (!site) return reply.code(404).type('text/plain; charset=utf-8').send('The default site does not exist yet.');
    const q = req.query as Record<string, string | undefined>;
    // ?entityId= shows another product of the default site; ?ssr=1 puts the server fragment inside the element.
    const entityId = q.entityId && /^[\w-]{1,36}$/.test(q.entityId) ? q.entityId : DEMO_PRODUCT.entityId;
    const [jsonLd, fragment] = await Promise.all([
      getProductJsonLd(deps, site.client_id, { ...DEMO_PRODUCT, entityId }),
      q.ssr === '1' ? getReviewPage(deps, site.client_id, DEMO_PRODUCT.namespace, entityId) : undefined,
    ]);
    const theme = q.theme === 'dark' || q.theme === 'light' ? q.theme : '';
    return reply
      .type('text/html; charset=utf-8')
      .header('Cache-Control', 'no-store')
      .send(
        page({
          clientId: site.client_id,
          entityId,
          jsonLd: scriptJson(jsonLd),
          fragment: fragment ? reviewFragmentHtml(fragment, 'en') : '',
          theme,
        }),
      );
  };
}

/** The demo product's photo (an infrastructure route, served at `DEMO_PHOTO_PATH`). */
export const demoPhoto: RouteHandlerMethod = async (_req, reply) =>
  reply.type('image/svg+xml').header('Cache-Control', 'public, max-age=86400').send(KETTLE_SVG);
