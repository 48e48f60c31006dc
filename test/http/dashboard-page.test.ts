/**
 * `/dashboard` and its script: served without credentials (the page holds nothing; the data comes from the
 * operations, with the session), with a strict Content-Security-Policy, and the script revalidated by ETag.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DASHBOARD_CSP } from '../../src/server/dashboard/dashboard.routes.ts';
import { packageRoot } from '../../src/server/embed/widget-asset.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { dialects, type TestDb } from '../support/databases.ts';

describe('the dashboard page', () => {
  let db: TestDb;
  let t: TestApp;
  beforeAll(async () => {
    db = await (dialects()[0] as ReturnType<typeof dialects>[number]).open();
    t = await startTestApp(db);
  });
  afterAll(async () => {
    await t.close();
    await db.dispose();
  });

  it('serves the shell with a strict CSP and no inline script or style', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/dashboard' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toBe(DASHBOARD_CSP);
    const directives = Object.fromEntries(csp.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1)]));
    expect(directives['default-src']).toEqual(["'none'"]);
    expect(directives['script-src']).toEqual(["'self'"]);
    expect(directives['style-src']).toEqual(["'self'"]);
    expect(directives['frame-ancestors']).toEqual(["'none'"]);
    expect(csp).not.toContain('unsafe');
    expect(res.body).toContain('<script type="module" src="/dashboard/app.js"></script>');
    expect(res.body).toContain('<verdict-dashboard></verdict-dashboard>');
    // Every script is external and there is no style element or attribute.
    expect(res.body.match(/<script[^>]*>[^<]+<\/script>/g)).toBeNull();
    expect(res.body).not.toMatch(/<style|style=/);
  });

  it('serves the script with the same CSP, revalidated by ETag, without the schema library', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/dashboard/app.js' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/javascript/);
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['content-security-policy']).toBe(DASHBOARD_CSP);
    expect(res.body).toContain('verdict-dashboard');
    expect(res.body).not.toMatch(/typebox/i);
    const again = await t.app.inject({
      method: 'GET',
      url: '/dashboard/app.js',
      headers: { 'if-none-match': String(res.headers.etag) },
    });
    expect(again.statusCode).toBe(304);
  });

  it('needs no credentials for the page, while its data does', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/dashboard' })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/verdict/v1/site/settings' })).statusCode).toBe(401);
  });

  it('never renders markup from data: no unsafeHTML, innerHTML or eval in the sources', () => {
    const dir = join(packageRoot(), 'src/web/dashboard');
    for (const file of readdirSync(dir)) {
      const text = readFileSync(join(dir, file), 'utf8');
      expect(text, file).not.toMatch(
        /unsafeHTML|unsafeSVG|innerHTML|outerHTML|insertAdjacentHTML|\beval\(|new Function\(/,
      );
    }
  });
});
