/**
 * `/dashboard` and `/dashboard/app.js` (infrastructure routes: a page and its script, not operations). The page is
 * a fixed shell; everything it shows comes from the catalogue's operations, called by the script with the session
 * cookie, so neither route needs credentials or reads the database. Both are sent with a strict
 * Content-Security-Policy (docs/adr/0013-dashboard.md).
 */
import type { FastifyReply, RouteHandlerMethod } from 'fastify';
import { dashboardBuildOptions } from '../../../scripts/dashboard-build-options.mjs';
import { etagOf, matchesEtag } from '../embed/embed.rules.ts';
import { bundleLoader, type WidgetAsset } from '../embed/widget-asset.ts';

export const DASHBOARD_PATH = '/dashboard';
export const DASHBOARD_SCRIPT_PATH = '/dashboard/app.js';

/**
 * Scripts only from this origin, no inline script or style (Lit adopts constructable stylesheets, which CSP does not
 * govern), requests only to this origin. Review media are the shops' own URLs, so images and videos may come from
 * any http(s) origin; nothing may frame the page.
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' https: http: data:",
  "media-src 'self' https: http:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const SHELL = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Verdict dashboard</title>
<script type="module" src="${DASHBOARD_SCRIPT_PATH}"></script>
</head>
<body>
<verdict-dashboard></verdict-dashboard>
<noscript>The Verdict dashboard needs JavaScript.</noscript>
</body>
</html>
`;

function secure(reply: FastifyReply): FastifyReply {
  return reply
    .header('Content-Security-Policy', DASHBOARD_CSP)
    .header('X-Content-Type-Options', 'nosniff')
    .header('X-Frame-Options', 'DENY')
    .header('Referrer-Policy', 'no-referrer');
}

/** The dashboard's HTML shell. Never cached: a new release's shell must reach the browser at once. */
export function dashboardPage(): RouteHandlerMethod {
  return async (_req, reply) =>
    secure(reply).header('Cache-Control', 'no-store').type('text/html; charset=utf-8').send(SHELL);
}

/** Builds the dashboard in memory, with the options `npm run build` uses for dist/dashboard.js. */
async function buildDashboard(root: string): Promise<string> {
  const { build } = await import('esbuild');
  const out = await build({ ...dashboardBuildOptions(root), write: false, logLevel: 'silent' });
  return out.outputFiles[0]?.text ?? '';
}

/**
 * The dashboard's script, built or read once per process. Its URL is fixed, so the browser revalidates it on every
 * load (`no-cache` with an ETag): a 304 costs a round trip and a new release is never missed.
 */
export function dashboardScript(): RouteHandlerMethod {
  const load: () => Promise<WidgetAsset> = bundleLoader({
    distFile: 'dashboard.js',
    sources: ['src/web/dashboard', 'src/web/widget', 'src/contract'],
    build: buildDashboard,
  });
  return async (req, reply) => {
    const asset = await load();
    const etag = etagOf(asset.body);
    secure(reply).header('ETag', etag).header('Cache-Control', 'no-cache');
    const inm = req.headers['if-none-match'];
    if (matchesEtag(Array.isArray(inm) ? inm.join(',') : inm, etag)) return reply.code(304).send();
    return reply.type('text/javascript; charset=utf-8').send(asset.body);
  };
}
