/**
 * The widget's budget and hygiene: the bundle `/widget.js` serves is built here exactly as the server and
 * scripts/build.mjs build it, and must stay at or under 30 KB gzipped; it bundles no schema library; its sources
 * never render user text as HTML.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { buildWidget, packageRoot } from '../../src/server/embed/widget-asset.ts';

const WIDGET_BUDGET_GZIP_BYTES = 30 * 1024;

describe('the widget bundle', () => {
  it('is at most 30 KB gzipped', async () => {
    const js = await buildWidget();
    const gz = gzipSync(js, { level: 9 }).length;
    expect(gz, `widget.js is ${gz} bytes gzipped`).toBeLessThanOrEqual(WIDGET_BUDGET_GZIP_BYTES);
    // Types come from the contract, values from its schema-free file: nothing of TypeBox is bundled.
    expect(js).not.toMatch(/typebox|TypeBox|Kind\.Object/);
  }, 20_000);

  it('never renders text as HTML', () => {
    const dir = join(packageRoot(), 'src/web/widget');
    for (const file of readdirSync(dir)) {
      const src = readFileSync(join(dir, file), 'utf8');
      expect(src, file).not.toMatch(/unsafeHTML|unsafeSVG|innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
    }
  });
});
