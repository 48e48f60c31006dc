/**
 * What the browser tests share: Debian's Chromium (opted in by CHROMIUM_PATH, so `npm test` passes without it), the
 * flags it runs with here, axe-core's source to inject into a page, and the folder screenshots go to (gitignored).
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { packageRoot } from '../../src/server/embed/widget-asset.ts';

export const CHROMIUM = process.env.CHROMIUM_PATH;

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];

/** axe-core, as a script to evaluate in a page. */
export const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** The path of a screenshot named `name`, its folder made if missing. */
export function artifact(name: string): string {
  const dir = join(packageRoot(), 'test-artifacts');
  mkdirSync(dir, { recursive: true });
  return join(dir, name);
}

/** Starts Chromium; only call when CHROMIUM is set. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}
