// The esbuild options of the dashboard (`/dashboard/app.js`): one minified ES module for browsers with Lit and
// uPlot bundled in, uPlot's stylesheet imported as text (it is adopted as a constructable stylesheet, so the
// page's Content-Security-Policy needs no inline style). scripts/build.mjs writes it to dist/; the server builds
// the same bundle in memory when dist/dashboard.js is missing or older than its sources.
import { join } from 'node:path';

/** @param {string} root the package root */
export function dashboardBuildOptions(root) {
  return {
    entryPoints: [join(root, 'src/web/dashboard/index.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2021',
    minify: true,
    legalComments: 'none',
    loader: { '.css': 'text' },
  };
}
