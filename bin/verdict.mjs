#!/usr/bin/env node
// Runs the compiled `dist/` (built by `npm install` / `npm run build`, see scripts/build.mjs) when it is newer than
// every source file; otherwise the TypeScript sources directly through tsx, so an edited tree is never served stale.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const mtime = entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs;
    if (mtime > newest) newest = mtime;
  }
  return newest;
}

function builtMtime() {
  try {
    return statSync(join(root, 'dist', 'verdict.js')).mtimeMs;
  } catch {
    return -1;
  }
}

if (builtMtime() > newestMtime(join(root, 'src'))) {
  await import('../dist/verdict.js');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
