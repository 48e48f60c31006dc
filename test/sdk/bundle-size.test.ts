/**
 * The SDK's browser budget: `src/sdk/index.ts` bundled for browsers (minified ES module, as a shop's bundler would
 * take it) stays at or under 15 KB gzipped and carries no schema library — the catalogue reaches it as route rows
 * and types only.
 */
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/server/embed/widget-asset.ts';

const SDK_BUDGET_GZIP_BYTES = 15 * 1024;

describe('the SDK browser bundle', () => {
  it('is at most 15 KB gzipped and bundles no TypeBox', async () => {
    const out = await build({
      absWorkingDir: packageRoot(),
      entryPoints: ['src/sdk/index.ts'],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2021',
      minify: true,
      write: false,
      logLevel: 'silent',
      metafile: true,
    });
    const js = out.outputFiles[0]?.text ?? '';
    const gz = gzipSync(js, { level: 9 }).length;
    expect(gz, `the SDK is ${gz} bytes gzipped`).toBeLessThanOrEqual(SDK_BUDGET_GZIP_BYTES);
    const inputs = Object.keys(out.metafile.inputs);
    expect(inputs.filter((f) => f.includes('typebox'))).toEqual([]);
  }, 20_000);
});
