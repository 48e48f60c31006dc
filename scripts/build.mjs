#!/usr/bin/env node
/**
 * Compiles the server and CLI to plain JavaScript in `dist/` (one ES module bundle with a chunk per lazily loaded
 * command; npm packages stay external). `bin/verdict.mjs` runs it when it is newer than every source file and
 * falls back to the TypeScript sources through tsx otherwise, so an edit is never served stale. Also builds the
 * installable SDK package in `packages/sdk/dist/` (scripts/build-sdk.mjs).
 *
 * Why build at all: a server run through tsx keeps a second V8 isolate for the loader hooks, the transpiled modules
 * and their source maps — about 100 MB of its resident memory on a 1,000,000-review database (docs/performance.md).
 * Runs on `npm install` / `npm ci` (the `prepare` script) and by `npm run build`.
 */
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { buildSdk } from './build-sdk.mjs';
import { dashboardBuildOptions } from './dashboard-build-options.mjs';
import { widgetBuildOptions } from './widget-build-options.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist');

rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });
await build({
  entryPoints: {
    verdict: join(root, 'src/cli/main.ts'),
    // `verdict import` reads its file on a worker thread (src/server/imports/read-in-worker.ts).
    'import-worker': join(root, 'src/server/imports/import.worker.ts'),
  },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  logLevel: 'warning',
});
// The embeddable widget (`/widget.js`), with the options the server's in-memory build uses too.
await build({ ...widgetBuildOptions(root), outfile: join(outdir, 'widget.js'), logLevel: 'warning' });
// The owner dashboard (`/dashboard/app.js`), likewise.
await build({ ...dashboardBuildOptions(root), outfile: join(outdir, 'dashboard.js'), logLevel: 'warning' });
// Loaded as workers by URL next to the module that starts them (src/server/db/checkpointer.ts, writer-thread.ts); every chunk lands
// in dist/ itself, so the worker sits beside whichever chunk holds that code. checkpointer-pace.cjs is required by
// its worker.
for (const worker of ['checkpointer.worker.cjs', 'checkpointer-pace.cjs', 'writer.worker.cjs']) {
  copyFileSync(join(root, 'src/server/db', worker), join(outdir, worker));
}
// The SDK as a package a shop's app installs (`npm install ./packages/sdk`), with no server dependency.
await buildSdk(root);
