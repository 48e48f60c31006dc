import { gzipSync } from 'node:zlib';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PRODUCT, seedDemoReviews } from '../../src/server/demo/demo.service.ts';
import { ensureDefaultSite } from '../../src/server/sites/sites.service.ts';
import { call, contactId, startTestApp, type TestApp } from '../support/app.ts';
import { AXE, artifact, CHROMIUM, launchChromium } from '../support/browser.ts';
import { dialects, type TestDb } from '../support/databases.ts';

/** Sums layout-shift entries not caused by input, from the very start of the page. */
const CLS_OBSERVER = `window.__cls = 0; window.__shifts = [];
new PerformanceObserver((list) => { for (const e of list.getEntries()) if (!e.hadRecentInput) { window.__cls += e.value; window.__shifts.push({ v: e.value, t: Math.round(e.startTime), s: e.sources.map((x) => (x.node && (x.node.nodeName + '.' + (x.node.className || '') + ' ' + (x.node.textContent || '').slice(0, 30))) + ' ' + JSON.stringify(x.previousRect) + '->' + JSON.stringify(x.currentRect)) }); } })
  .observe({ type: 'layout-shift', buffered: true });`;

/** Polls every 50 ms (vitest's default backs off to a second between tries). */
const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { interval: 50, timeout: 10_000 });

describe.skipIf(!CHROMIUM)('the widget in Chromium', () => {
  let db: TestDb;
  let t: TestApp;
  let base: string;
  let adminKey: string;
  let browser: Browser;
  let context: BrowserContext;

  beforeAll(async () => {
    db = await (dialects()[0] as typeof dialects extends () => (infer C)[] ? C : never).open();
    t = await startTestApp(db);
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const addr = t.app.server.address();
    base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    const created = await ensureDefaultSite(t.deps);
    adminKey = created.adminKey ?? '';
    await seedDemoReviews(t.deps, created.site.id, base);
    browser = await launchChromium();
    context = await browser.newContext({ locale: 'en-US', viewport: { width: 1000, height: 900 } });
  }, 30_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await db?.dispose();
  });

  async function open(path = '/demo', ctx: BrowserContext = context): Promise<Page> {
    const page = await ctx.newPage();
    await page.addInitScript(CLS_OBSERVER);
    await page.goto(base + path, { waitUntil: 'domcontentloaded' });
    await page.locator('verdict-reviews li.card').first().waitFor({ timeout: 10_000 });
    return page;
  }
  /** A new browser profile: a visitor of its own (the widget keeps its visitor token in localStorage). */
  const visitor = () => browser.newContext({ locale: 'en-US', viewport: { width: 1000, height: 900 } });
  const cards = (page: Page) => page.locator('verdict-reviews li.card');
  const ratings = (page: Page) =>
    cards(page).evaluateAll((els) =>
      els.map((e) =>
        Number(/(\d) out of 5/.exec(e.querySelector('[role=img]')?.getAttribute('aria-label') ?? '')?.[1]),
      ),
    );
  const api = (method: 'GET' | 'POST' | 'PUT', url: string, body?: unknown) =>
    call(t.app, method, url, { auth: adminKey, ...(body === undefined ? {} : { body }) });
  /** The element focused inside shadow roots, described by its text or part. */
  const focused = (page: Page) =>
    page.evaluate(() => {
      let a: Element | null = document.activeElement;
      while (a?.shadowRoot?.activeElement) a = a.shadowRoot.activeElement;
      return {
        tag: a?.tagName.toLowerCase(),
        text: a?.textContent?.trim() ?? '',
        part: a?.getAttribute('part') ?? '',
        type: a?.getAttribute('type') ?? '',
      };
    });
  async function tabUntil(page: Page, what: string, match: (f: Awaited<ReturnType<typeof focused>>) => boolean) {
    for (let i = 0; i < 60; i++) {
      await page.keyboard.press('Tab');
      if (match(await focused(page))) return;
    }
    throw new Error(`Tab never reached ${what}`);
  }

  it('renders summary and first page with two requests, no layout shift, and looks right (light)', async () => {
    const page = await context.newPage();
    const requests: string[] = [];
    page.on('request', (r) => {
      if (r.resourceType() === 'script' || r.resourceType() === 'fetch' || r.resourceType() === 'xhr')
        requests.push(new URL(r.url()).pathname);
    });
    await page.addInitScript(CLS_OBSERVER);
    await page.goto(`${base}/demo`);
    await cards(page).first().waitFor();
    await poll(() => cards(page).count()).toBe(3);
    expect(requests.sort()).toEqual(['/verdict/v1/embed/reviews', '/widget.js']);
    await poll(() => page.locator('verdict-reviews .average strong').textContent()).toBe('3.6');
    await page.locator('verdict-reviews .media img').first().waitFor();
    expect(await page.locator('verdict-reviews .media img').first().getAttribute('alt')).toBe(
      'The kettle on a kitchen counter',
    );
    expect(await page.locator('verdict-reviews .media img').first().getAttribute('loading')).toBe('lazy');
    expect(await page.locator('verdict-reviews .reply').count()).toBeGreaterThan(0);
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    expect(await page.evaluate(() => (window as unknown as { __cls: number; __shifts: unknown[] }).__shifts)).toEqual(
      [],
    );
    await page.screenshot({ path: artifact('widget-light.png'), fullPage: true });
    // With the server fragment inside the element, the widget reuses its data: no request besides the script.
    requests.length = 0;
    await page.goto(`${base}/demo?ssr=1`, { waitUntil: 'domcontentloaded' });
    await poll(() => cards(page).count()).toBe(3);
    expect(requests).toEqual(['/widget.js']);
    await page.close();
  });

  it('sorts, filters by a histogram bar and loads more to the end', async () => {
    const page = await open();
    await page.locator('verdict-reviews select').selectOption('lowest');
    await poll(() => ratings(page)).toEqual([1, 2, 3, 4, 4, 5, 5, 5]);
    await page.locator('verdict-reviews select').selectOption('highest');
    await poll(async () => (await ratings(page))[0]).toBe(5);
    await page.locator('verdict-reviews .histogram button').first().click(); // 5 stars
    await poll(() => ratings(page)).toEqual([5, 5, 5]);
    expect(await page.locator('verdict-reviews .histogram button').first().getAttribute('aria-pressed')).toBe('true');
    await page.locator('verdict-reviews .toolbar button').click(); // show all
    await page.locator('verdict-reviews select').selectOption('relevance');
    await poll(() => cards(page).count()).toBe(8);
    // From the first page (3 by relevance) to the end by cursor.
    const fresh = await open();
    expect(await cards(fresh).count()).toBe(3);
    while (await fresh.locator('verdict-reviews [part~="load-more"]').count()) {
      await fresh.locator('verdict-reviews [part~="load-more"]').click();
      await fresh.waitForFunction(
        () => !document.querySelector('verdict-reviews')?.shadowRoot?.querySelector('[aria-busy="true"]'),
      );
    }
    expect(await cards(fresh).count()).toBe(8);
    await page.close();
    await fresh.close();
  });

  it('votes helpful optimistically, withdraws, and rolls back with a clear message on 429', async () => {
    const page = await open();
    const card = cards(page).first();
    const id = (await card.getAttribute('data-review-id')) as string;
    const helpful = card.locator('button', { hasText: 'Helpful (' }).first();
    await helpful.click();
    await poll(() => helpful.textContent()).toContain('Helpful (1)');
    await poll(async () => (await api('GET', `/reviews/v1/reviews/${id}`)).body.review.foundHelpful).toBe(1);
    expect(await helpful.getAttribute('aria-pressed')).toBe('true');
    await helpful.click();
    await poll(async () => (await api('GET', `/reviews/v1/reviews/${id}`)).body.review.foundHelpful).toBe(0);
    await poll(() => helpful.textContent()).toContain('Helpful (0)');
    await page.route('**/votes', (route) =>
      route.fulfill({
        status: 429,
        headers: { 'Retry-After': '30', 'Content-Type': 'application/json' },
        body: JSON.stringify({
          message: 'Too many votes',
          details: { applicationError: { code: 'TOO_MANY_REQUESTS', description: 'Too many votes' } },
        }),
      }),
    );
    await helpful.click();
    await expect
      .poll(() => page.locator('verdict-reviews [role=alert]').textContent())
      .toContain('Too many votes in a short time');
    await poll(() => helpful.textContent()).toContain('Helpful (0)');
    expect(await helpful.getAttribute('aria-pressed')).toBe('false');
    await page.close();
  });

  it('reports a review with a reason from the dialog', async () => {
    const page = await open();
    const card = cards(page).nth(1);
    const id = (await card.getAttribute('data-review-id')) as string;
    await card.locator('button', { hasText: 'Report' }).click();
    const dialog = page.locator('verdict-reviews dialog');
    await dialog.waitFor();
    await dialog.getByLabel('Fake review').check();
    await dialog.locator('textarea').fill('<img src=x onerror=alert(1)>');
    await dialog.locator('button[type=submit]').click();
    await expect
      .poll(() => page.locator('verdict-reviews [role=status]').first().textContent())
      .toContain('The shop will look at this review');
    const reports = await api('GET', `/verdict/v1/reviews/${id}/reports`);
    expect(reports.body.reports.map((r: { reason: string }) => r.reason)).toEqual(['FAKE']);
    await page.close();
  });

  async function writeReview(page: Page, email: string) {
    await page.locator('verdict-reviews [part~="write"]').click();
    await page.locator('verdict-reviews label[for="rate-4"]').click();
    await page.locator('verdict-reviews form[part=form]').getByLabel('Your review').fill('Works as promised.');
    await page.locator('verdict-reviews form[part=form]').getByLabel('Your name').fill('Eve');
    await page.locator('verdict-reviews form[part=form]').getByLabel('E-mail').fill(email);
    await page.locator('verdict-reviews [part~="submit"]').click();
  }

  it('writes a review that is held for moderation, then one that is published; a second one is refused', async () => {
    expect(
      (
        await api('PUT', '/verdict/v1/site/settings', {
          settings: { moderation: { mode: 'HOLD_ALL', heldRatings: [] } },
        })
      ).status,
    ).toBe(200);
    // Each writer is a visitor of its own: a visitor writes as its own contact, once per product.
    const held = await open('/demo', await visitor());
    // Inline validation first: nothing filled in.
    await held.locator('verdict-reviews [part~="write"]').click();
    await held.locator('verdict-reviews [part~="submit"]').click();
    expect(await held.locator('verdict-reviews form .error').allTextContents()).toEqual([
      'Please choose a rating.',
      'This field is required.',
      'This field is required.',
      'This field is required.',
    ]);
    await held.reload({ waitUntil: 'domcontentloaded' });
    await held.locator('verdict-reviews li.card').first().waitFor();
    await writeReview(held, `held-${contactId()}@example.com`);
    await expect
      .poll(() => held.locator('verdict-reviews [role=status]').textContent())
      .toContain('will appear once the shop has checked it');
    await held.close();

    expect(
      (
        await api('PUT', '/verdict/v1/site/settings', {
          settings: { moderation: { mode: 'APPROVE_ALL', heldRatings: [] } },
        })
      ).status,
    ).toBe(200);
    const email = `pub-${contactId()}@example.com`;
    const pubVisitor = await visitor();
    const pub = await open('/demo', pubVisitor);
    await writeReview(pub, email);
    await expect
      .poll(() => pub.locator('verdict-reviews [role=status]').textContent())
      .toContain('Your review is published');
    await poll(() => pub.locator('verdict-reviews .byline').first().textContent()).toContain('Eve');
    await poll(() => pub.locator('verdict-reviews .average small').textContent()).toContain('9 reviews');
    await pub.close();
    const again = await open('/demo', pubVisitor);
    await writeReview(again, email);
    await poll(() => again.locator('verdict-reviews [role=status]').textContent()).toContain('already reviewed');
    // A server violation lands next to its field.
    await again.reload();
    await again.locator('verdict-reviews li.card').first().waitFor();
    await again.route('**/reviews/contact', (route) =>
      route.fulfill({
        status: 400,
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          message: 'Invalid request',
          details: { validationError: { fieldViolations: [{ field: 'email', description: 'is not allowed here' }] } },
        }),
      }),
    );
    await writeReview(again, `x-${contactId()}@example.com`);
    await poll(() => again.locator('verdict-reviews #err-email').textContent()).toBe('is not allowed here');
    await again.close();
  });

  it('can be used with the keyboard only: write a review', async () => {
    const page = await open('/demo', await visitor());
    await tabUntil(page, 'the write button', (f) => f.part.includes('write'));
    await page.keyboard.press('Enter');
    await tabUntil(page, 'the star input', (f) => f.type === 'radio');
    await page.keyboard.press('Space');
    for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Tab'); // title
    await page.keyboard.type('Keyboard');
    await page.keyboard.press('Tab');
    await page.keyboard.type('Typed without a mouse.');
    await page.keyboard.press('Tab');
    await page.keyboard.type('Kay');
    await page.keyboard.press('Tab');
    await page.keyboard.type(`kay-${contactId()}@example.com`);
    await page.keyboard.press('Enter');
    await expect
      .poll(() => page.locator('verdict-reviews [role=status]').textContent())
      .toContain('Your review is published');
    const list = await api('POST', '/reviews/v1/reviews/query', {
      query: {
        filter: { entityId: DEMO_PRODUCT.entityId, 'content.title': undefined },
        sort: [{ fieldName: 'createdDate', order: 'DESC' }],
        cursorPaging: { limit: 1 },
      },
    });
    expect(list.body.reviews[0].content).toMatchObject({
      rating: 5,
      title: 'Keyboard',
      body: 'Typed without a mouse.',
    });
    await page.close();
  });

  it('has no serious or critical axe-core violations (list and form open)', async () => {
    const page = await open();
    await page.locator('verdict-reviews [part~="write"]').click();
    await page.addScriptTag({ content: AXE });
    const results = await page.evaluate(async () => {
      const axe = (
        window as unknown as {
          axe: { run: (c: unknown) => Promise<{ violations: { id: string; impact: string; nodes: unknown[] }[] }> };
        }
      ).axe;
      const r = await axe.run(document);
      return r.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        n: v.nodes.length,
        html: (v.nodes as { html: string; target: unknown }[])
          .slice(0, 3)
          .map((n) => `${JSON.stringify(n.target)} ${n.html.slice(0, 120)}`),
      }));
    });
    expect(
      results.filter((v) => v.impact === 'serious' || v.impact === 'critical'),
      JSON.stringify(results),
    ).toEqual([]);
    await page.close();
  });

  it('keeps hostile names, titles, bodies and replies inert', async () => {
    const entity = `xss-${Date.now()}`;
    const payloads = [
      '<img src=x onerror="window.__xss=1">',
      '"><script>window.__xss=2</script>',
      'javascript:window.__xss=3',
    ];
    for (const p of payloads) {
      const res = await api('POST', '/reviews/v1/reviews', {
        review: {
          namespace: 'stores',
          entityId: entity,
          author: { contactId: contactId(), authorName: p },
          content: { rating: 3, title: p, body: p },
        },
      });
      await api('PUT', `/reviews/v1/reviews/${res.body.review.id}/reply`, { message: p });
      expect(
        (
          await call(t.app, 'PATCH', `/reviews/v1/reviews/${res.body.review.id}/reply`, {
            auth: adminKey,
            body: { message: p },
          })
        ).status,
      ).toBe(200);
    }
    const page = await open(`/demo?entityId=${entity}`);
    await poll(() => cards(page).count()).toBe(3);
    const text = await page.locator('verdict-reviews .list').textContent();
    for (const p of payloads) expect(text).toContain(p);
    expect(await page.locator('verdict-reviews .list img').count()).toBe(0);
    expect(await page.locator('verdict-reviews .list script').count()).toBe(0);
    expect(await page.locator('verdict-reviews .list a').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    await page.close();
  });

  it('offers "Read more" only on a card that hides part of its review, and opens it in full', async () => {
    const entity = `more-${Date.now()}`;
    const long = 'The lid seals well and the handle stays cool. '.repeat(40).trim();
    for (const [title, body] of [
      ['Short', 'Fine.'],
      ['Long', long],
    ]) {
      const res = await api('POST', '/reviews/v1/reviews', {
        review: {
          namespace: 'stores',
          entityId: entity,
          author: { contactId: contactId(), authorName: title },
          content: { rating: 4, title, body },
        },
      });
      expect(res.status).toBe(200);
    }
    const page = await open(`/demo?entityId=${entity}`);
    await poll(() => cards(page).count()).toBe(2);
    const card = (title: string) => cards(page).filter({ has: page.locator('h3', { hasText: title }) });
    await poll(() => card('Long').locator('.more').isVisible()).toBe(true);
    expect(await card('Short').locator('.more').isVisible()).toBe(false);
    expect(await card('Short').locator('.more').getAttribute('aria-hidden')).toBe('true');
    await card('Long').locator('.more').click();
    await poll(() => card('Long').getAttribute('class')).toContain('open');
    const body = await card('Long')
      .locator('.body')
      .evaluate((el) => ({ text: el.textContent, cut: el.scrollHeight > el.clientHeight + 1 }));
    expect(body).toEqual({ text: long, cut: false });
    await page.close();
  });

  it('fits the size budget as served, and looks right in dark mode and at phone width', async () => {
    const res = await fetch(`${base}/widget.js`);
    expect(res.headers.get('cache-control')).toContain('max-age');
    expect(gzipSync(Buffer.from(await res.arrayBuffer()), { level: 9 }).length).toBeLessThanOrEqual(30 * 1024);
    const dark = await browser.newContext({ colorScheme: 'dark', viewport: { width: 1000, height: 900 } });
    const darkPage = await open('/demo', dark);
    await darkPage.screenshot({ path: artifact('widget-dark.png'), fullPage: true });
    await dark.close();
    const phone = await browser.newContext({
      viewport: { width: 375, height: 740 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
      locale: 'de-DE',
    });
    const phonePage = await open('/demo', phone);
    expect(await phonePage.evaluate(() => (window as unknown as { __cls: number }).__cls)).toBe(0);
    await phonePage.screenshot({ path: artifact('widget-mobile.png'), fullPage: true });
    await phone.close();
  });
});
