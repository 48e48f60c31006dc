/**
 * The widget's JavaScript as the server sends it at `/widget.js`: the bundle `npm run build` wrote to
 * `dist/widget.js`, or — when there is none (a source checkout run through tsx) — the same bundle built in memory
 * on first use, so an edited tree never serves a stale widget from nowhere.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { widgetBuildOptions } from '../../../scripts/widget-build-options.mjs';
import { etagOf } from './embed.rules.ts';

/** The repository (package) root: the nearest folder above this module holding package.json. */
export function packageRoot(from = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) return from;
    dir = up;
  }
}

export interface WidgetAsset {
  body: string;
  etag: string;
}

/** Builds the widget in memory, with the options `npm run build` uses for dist/widget.js. */
export async function buildWidget(root = packageRoot()): Promise<string> {
  const { build } = await import('esbuild');
  const out = await build({ ...widgetBuildOptions(root), write: false, logLevel: 'silent' });
  return out.outputFiles[0]?.text ?? '';
}

/**
 * Newest modification time of the files under `dirs` (subfolders such as the catalogue's route rows included), 0
 * without sources.
 */
function newestSource(root: string, dirs: readonly string[]): number {
  let newest = 0;
  const visit = (abs: string) => {
    for (const entry of readdirSync(abs, { withFileTypes: true })) {
      const path = join(abs, entry.name);
      if (entry.isDirectory()) visit(path);
      else newest = Math.max(newest, statSync(path).mtimeMs);
    }
  };
  for (const dir of dirs) {
    const abs = join(root, dir);
    if (existsSync(abs)) visit(abs);
  }
  return newest;
}

/** One browser bundle the server sends: its file in dist/, the source folders it is built from, and how to build it. */
export interface BundleSpec {
  distFile: string;
  sources: readonly string[];
  build: (root: string) => Promise<string>;
}

/** Loads a bundle once per process: its dist/ file when the build is there and newer than the sources, else a fresh build. */
export function bundleLoader(spec: BundleSpec, root = packageRoot()): () => Promise<WidgetAsset> {
  let cached: Promise<WidgetAsset> | undefined;
  return () => {
    cached ??= (async () => {
      const built = join(root, 'dist', spec.distFile);
      const fresh = existsSync(built) && statSync(built).mtimeMs >= newestSource(root, spec.sources);
      const body = fresh ? readFileSync(built, 'utf8') : await spec.build(root);
      return { body, etag: etagOf(body) };
    })();
    cached.catch(() => {
      cached = undefined;
    });
    return cached;
  };
}

/** Loads the widget once per process: dist/widget.js when the build is there and newer than the source, else a fresh build. */
export function widgetLoader(root = packageRoot()): () => Promise<WidgetAsset> {
  return bundleLoader({ distFile: 'widget.js', sources: ['src/web/widget', 'src/contract'], build: buildWidget }, root);
}
