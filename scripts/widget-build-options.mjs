// The esbuild options of the embeddable widget (`/widget.js`): one minified ES module for browsers, Lit bundled in.
// scripts/build.mjs writes it to dist/; src/server/embed/widget-asset.ts builds the same bundle in memory when
// dist/widget.js is missing or older than its sources.
import { join } from 'node:path';

/** @param {string} root the package root */
export function widgetBuildOptions(root) {
  return {
    entryPoints: [join(root, 'src/web/widget/index.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2021',
    minify: true,
    legalComments: 'none',
  };
}
