/**
 * The dashboard in a real browser (Chromium through playwright-core; skipped unless CHROMIUM_PATH is set), against
 * a real server on port 0, on SQLite and (with TEST_DATABASE_URL) PostgreSQL: sign-in and sign-out, wrong password,
 * a moderator kept from the owner's screens, the full moderation flow (a visitor's review appears live, is approved
 * and answered, and the reply shows on the product page), a 1,000-review bulk approval followed to the end, axe-core
 * on every screen, and the CSP header with no violation reported. Screenshots go to test-artifacts/.
 */
import { readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DASHBOARD_CSP } from '../../src/server/dashboard/dashboard.routes.ts';
import { DEMO_PRODUCT } from '../../src/server/demo/demo.service.ts';
import { ensureDefaultSite } from '../../src/server/sites/sites.service.ts';
import { createUser } from '../../src/server/users/users.service.ts';
import { call, contactId, startTestApp, TEST_SCRYPT, type TestApp } from '../support/app.ts';
import { AXE, artifact, CHROMIUM, launchChromium } from '../support/browser.ts';
import { dialects, type TestDb } from '../support/databases.ts';

/** Records every CSP violation the page reports, from its very start. */
const CSP_WATCH = `window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));`;
const OWNER = { email: 'owner@example.com', password: 'correct horse battery staple' };
const MODERATOR = { email: 'mod@example.com', password: 'another long passphrase' };
const LOCKED = { email: 'locked@example.com', password: 'a third long passphrase' };

/** Polls every 50 ms up to 15 s. */
const poll = <T>(fn: () => T | Promise<T>, timeout = 15_000) => expect.poll(fn, { interval: 50, timeout });

describe.skipIf(!CHROMIUM).each(dialects())('the dashboard in Chromium on $name', (dialect) => {
  let db: TestDb;
  let t: TestApp;
  let base: string;
  let adminKey: string;
  let siteId: string;
  let clientId: string;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const cspReports: string[] = [];

  beforeAll(async () => {
    db = await dialect.open();
    t = await startTestApp(db);
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const addr = t.app.server.address();
    base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    const created = await ensureDefaultSite(t.deps);
    adminKey = created.adminKey ?? '';
    siteId = created.site.id;
    clientId = created.site.client_id;
    await createUser(t.deps, siteId, { ...OWNER, role: 'owner' }, null, TEST_SCRYPT);
    await createUser(t.deps, siteId, { ...MODERATOR, role: 'moderator' }, null, TEST_SCRYPT);
    await createUser(t.deps, siteId, { ...LOCKED, role: 'moderator' }, null, TEST_SCRYPT);
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await db?.dispose();
  });

  const admin = (method: 'GET' | 'POST' | 'PUT', url: string, body?: unknown) =>
    call(t.app, method, url, { auth: adminKey, ...(body === undefined ? {} : { body }) });

  /** A fresh browser profile (its own cookie jar) with the CSP watch installed. */
  async function newPage(width = 1280): Promise<Page> {
    const context = await browser.newContext({ locale: 'en-GB', viewport: { width, height: 900 } });
    contexts.push(context);
    const page = await context.newPage();
    await page.addInitScript(CSP_WATCH);
    page.on('console', (m) => {
      if (/Content.Security.Policy/i.test(m.text())) cspReports.push(m.text());
    });
    return page;
  }

  async function openDashboard(page: Page, hash = ''): Promise<void> {
    const res = await page.goto(`${base}/dashboard${hash}`);
    expect(res?.headers()['content-security-policy']).toBe(DASHBOARD_CSP);
  }

  async function signIn(page: Page, who: { email: string; password: string }): Promise<void> {
    await page.getByLabel('E-mail address').fill(who.email);
    await page.getByLabel('Password').fill(who.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
  }

  async function expectNoCspViolation(page: Page): Promise<void> {
    expect(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp)).toEqual([]);
    expect(cspReports).toEqual([]);
  }

  /** axe-core over the whole page (shadow roots included): no serious or critical violation. */
  async function expectAccessible(page: Page, screen: string): Promise<void> {
    // Injected through the devtools protocol, which CSP does not govern (a script tag would be refused).
    await page.evaluate(AXE);
    const violations = await page.evaluate(async () => {
      const axe = (
        window as unknown as {
          axe: {
            run: (
              c: unknown,
            ) => Promise<{ violations: { id: string; impact: string; nodes: { target: unknown }[] }[] }>;
          };
        }
      ).axe;
      const r = await axe.run(document);
      return r.violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => `${v.id} (${v.impact}): ${JSON.stringify(v.nodes.slice(0, 3).map((n) => n.target))}`);
    });
    expect(violations, screen).toEqual([]);
  }

  /** Screenshots of the current screen at 1280 and 390 px wide. */
  /**
   * Every option of every drop-down on the screen fits in its box at each of `widths`: a choice cut short ("App key
   * (chosen sc") cannot be read once chosen.
   */
  async function expectWholeOptions(page: Page, widths: readonly number[], selects = 'select'): Promise<void> {
    const cut = () =>
      page.locator(selects).evaluateAll((selects: HTMLSelectElement[]) =>
        selects.flatMap((select) => {
          const style = getComputedStyle(select);
          const context = document.createElement('canvas').getContext('2d');
          if (!context) throw new Error('no 2d canvas');
          context.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
          // The drop-down arrow takes about 24 px of the box.
          const room =
            select.clientWidth - Number.parseFloat(style.paddingLeft) - Number.parseFloat(style.paddingRight) - 24;
          return [...select.options].filter((o) => context.measureText(o.text).width > room).map((o) => o.text);
        }),
      );
    for (const width of widths) {
      await page.setViewportSize({ width, height: 900 });
      expect(await cut(), `at ${width} px`).toEqual([]);
    }
    await page.setViewportSize({ width: 1280, height: 900 });
  }

  async function shoot(page: Page, name: string): Promise<void> {
    const prefix = `dashboard-${dialect.name}-${name}`;
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.screenshot({ path: artifact(`${prefix}-1280.png`), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: artifact(`${prefix}-390.png`), fullPage: true });
    // Nothing wider than the phone's screen: no sideways scrolling at 390 px.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.setViewportSize({ width: 1280, height: 900 });
  }

  it('signs in and out; a wrong password is refused with the same words as an unknown e-mail', async () => {
    const page = await newPage();
    await openDashboard(page);
    await page.getByRole('heading', { name: 'Sign in to Verdict' }).waitFor();
    await expectAccessible(page, 'sign-in');
    await shoot(page, 'sign-in');

    await page.getByLabel('E-mail address').fill(OWNER.email);
    await page.getByLabel('Password').fill('wrong password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const alert = page.getByRole('alert');
    await poll(() => alert.textContent()).toContain('wrong');
    const wrongPassword = await alert.textContent();
    await page.getByLabel('E-mail address').fill('nobody@example.com');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await poll(() => alert.textContent()).toBe(wrongPassword);
    await expectAccessible(page, 'sign-in with an error');

    await page.getByLabel('E-mail address').fill(OWNER.email);
    await page.getByLabel('Password').fill(OWNER.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    const nav = page.getByRole('navigation', { name: 'Dashboard' });
    expect(await nav.getByRole('link').allTextContents()).toEqual(['Queue', 'Insights', 'Settings', 'Data']);
    const cookies = await page.context().cookies();
    const session = cookies.find((c) => c.name === 'verdict_session');
    expect(session?.httpOnly).toBe(true);
    expect(session?.sameSite).toBe('Strict');
    // The session outlives a reload.
    await page.reload();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to Verdict' }).waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'Sign in to Verdict' }).waitFor();
    await expectNoCspViolation(page);
  });

  it('says when sign-in is locked after repeated failures, and signs in with the keyboard alone', async () => {
    const page = await newPage();
    await openDashboard(page);
    await page.getByLabel('E-mail address').fill(LOCKED.email);
    const alert = page.getByRole('alert');
    let text = '';
    for (let attempt = 0; attempt < 10 && !text.includes('locked'); attempt++) {
      await page.getByLabel('Password').fill(`wrong ${attempt}`);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await poll(() => page.getByRole('button', { name: 'Sign in' }).isEnabled()).toBe(true);
      text = (await alert.textContent()) ?? '';
    }
    expect(text).toMatch(
      /Too many failed sign-ins: signing in is locked for a while\. Try again in \d+ (seconds|minutes)\./,
    );
    // Even the right password waits out the lockout.
    await page.getByLabel('Password').fill(LOCKED.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await poll(() => page.getByRole('button', { name: 'Sign in' }).isEnabled()).toBe(true);
    expect(await alert.textContent()).toContain('locked');
    await expectAccessible(page, 'sign-in, locked');

    // Keyboard only: Tab to each field, type, Enter submits; then Tab reaches the navigation and Enter follows it.
    const kb = await newPage();
    await openDashboard(kb);
    await kb.getByLabel('E-mail address').waitFor();
    await kb.keyboard.press('Tab');
    await kb.keyboard.type(MODERATOR.email);
    await kb.keyboard.press('Tab');
    await kb.keyboard.type(MODERATOR.password);
    await kb.keyboard.press('Enter');
    await kb.getByRole('button', { name: 'Sign out' }).waitFor();
    for (let i = 0; i < 10; i++) {
      await kb.keyboard.press('Tab');
      const focused = await kb.evaluate(() => {
        let a: Element | null = document.activeElement;
        while (a?.shadowRoot?.activeElement) a = a.shadowRoot.activeElement;
        return a?.textContent?.trim();
      });
      if (focused === 'Insights') break;
    }
    await kb.keyboard.press('Enter');
    await kb.getByRole('heading', { name: 'Insights' }).waitFor();
    await expectNoCspViolation(kb);
  });

  it('keeps a moderator from Settings and Data, in the navigation and at their address', async () => {
    const page = await newPage();
    await openDashboard(page);
    await signIn(page, MODERATOR);
    const nav = page.getByRole('navigation', { name: 'Dashboard' });
    expect(await nav.getByRole('link').allTextContents()).toEqual(['Queue', 'Insights']);
    for (const screen of ['settings', 'data']) {
      await page.goto(`${base}/dashboard#/${screen}`);
      await page.getByRole('heading', { name: 'Not available to moderators' }).waitFor();
      expect(await page.getByRole('heading', { name: 'Settings' }).count()).toBe(0);
      expect(await page.getByRole('heading', { name: 'API keys' }).count()).toBe(0);
    }
    // The server refuses the owner's operations to the moderator's session as well.
    const status = await page.evaluate(async () =>
      Promise.all(['/verdict/v1/site/settings', '/verdict/v1/keys'].map(async (u) => (await fetch(u)).status)),
    );
    expect(status).toEqual([403, 403]);
    await expectNoCspViolation(page);
  });

  it('shows a visitor review live, and the moderator approves it and replies; the reply is on the product page', async () => {
    await admin('PUT', '/verdict/v1/site/settings', {
      settings: { moderation: { mode: 'HOLD_ALL', heldRatings: [] } },
    });
    const page = await newPage();
    await openDashboard(page);
    await signIn(page, MODERATOR);
    await page.getByRole('heading', { name: 'Queue' }).waitFor();
    // The queue follows the feed from its end: a review written from now on is news.
    await page.getByText('Live: new reviews and changes appear as they happen.').waitFor();

    const title = `Kettle boils fast ${Math.random().toString(36).slice(2, 8)} <b>not bold</b>`;
    const token = await call(t.app, 'POST', '/oauth2/token', { body: { grantType: 'anonymous', clientId } });
    expect(token.status).toBe(200);
    const written = await call(t.app, 'POST', '/reviews/v1/reviews/contact', {
      auth: `Bearer ${token.body.access_token}`,
      body: {
        namespace: DEMO_PRODUCT.namespace,
        entityId: DEMO_PRODUCT.entityId,
        name: 'Vera Visitor',
        email: 'vera@example.com',
        content: { rating: 5, title, body: 'Boils a litre in two minutes.' },
      },
    });
    expect(written.status, JSON.stringify(written.body)).toBe(200);
    const card = page.locator('li.review', { hasText: title });
    await card.waitFor({ timeout: 30_000 });
    // The title is text, not markup.
    expect(await card.locator('b').count()).toBe(0);
    await expectAccessible(page, 'queue');
    await shoot(page, 'queue');
    // The status filter's chosen "Awaiting moderation" was cut to "Awaiting moderatio" at 1280 px.
    await expectWholeOptions(page, [1280, 390], 'form.filters select');

    await card.getByRole('link').click();
    await page.getByRole('heading', { name: 'Review', exact: true }).waitFor();
    await expectAccessible(page, 'review');
    await shoot(page, 'review');
    await page.getByRole('button', { name: 'Approve', exact: true }).click();
    await page.getByText('Approved: the review is published.').waitFor();
    await page.getByLabel('Reply', { exact: true }).fill('Thank you, Vera!');
    await page.getByRole('button', { name: 'Publish reply' }).click();
    await page.getByText('Reply published.').waitFor();
    await page.getByRole('button', { name: 'Remove reply' }).waitFor();
    await poll(() => page.locator('ol.audit li').count()).toBeGreaterThan(0);
    await expectNoCspViolation(page);

    const shop = await newPage();
    await shop.goto(`${base}/demo`);
    await shop.locator('verdict-reviews').getByText('Thank you, Vera!').waitFor({ timeout: 15_000 });

    // Delete sends it to the trash (after a confirmation); restore brings it back with its reply.
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    await page.getByRole('button', { name: 'Yes, delete' }).click();
    await page.getByText('Deleted: the review is in the trash.').waitFor();
    expect((await admin('GET', `/reviews/v1/reviews/${written.body.review.id}?returnPrivateReviews=true`)).status).toBe(
      404,
    );
    await page.getByRole('button', { name: 'Restore' }).click();
    await page.getByText('Restored from the trash.').waitFor();
    const restored = await admin('GET', `/reviews/v1/reviews/${written.body.review.id}?returnPrivateReviews=true`);
    expect(restored.body.review.reply.message).toBe('Thank you, Vera!');
  }, 60_000);

  it('lists under "Reported" the held reviews with open abuse reports, and not the others', async () => {
    const entity = `rep-${Math.random().toString(36).slice(2, 8)}`;
    const write = async (title: string) => {
      const res = await admin('POST', '/reviews/v1/reviews', {
        review: {
          namespace: 'stores',
          entityId: entity,
          author: { contactId: contactId(), authorName: 'Buyer' },
          content: { rating: 2, title, body: 'Text.' },
        },
      });
      expect(res.status).toBe(200);
      return res.body.review.id as string;
    };
    // Published, then held again by three members' reports (the default threshold).
    await admin('PUT', '/verdict/v1/site/settings', {
      settings: { moderation: { mode: 'APPROVE_ALL', heldRatings: [] } },
    });
    const reported = await write('Reported one');
    for (let i = 0; i < 3; i++) {
      const token = await t.deps.auth.mintMemberToken(siteId, contactId(), 3600);
      const res = await call(t.app, 'POST', `/verdict/v1/reviews/${reported}/reports`, {
        auth: `Bearer ${token}`,
        body: { reason: 'SPAM' },
      });
      expect(res.status).toBe(200);
    }
    // Held by the rules, never reported.
    await admin('PUT', '/verdict/v1/site/settings', {
      settings: { moderation: { mode: 'HOLD_ALL', heldRatings: [] } },
    });
    await write('Quiet one');

    const page = await newPage();
    await openDashboard(page, `#/queue?entityId=${entity}`);
    await signIn(page, MODERATOR);
    await poll(() => page.locator('li.review').count()).toBe(2);
    await page.getByLabel('Reported (open abuse reports)').check();
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await poll(() => page.evaluate(() => location.hash)).toContain('reported=1');
    await poll(() => page.locator('li.review').count()).toBe(1);
    await page.locator('li.review', { hasText: 'Reported one' }).waitFor();
    expect(await page.locator('li.review', { hasText: 'Quiet one' }).count()).toBe(0);
    // The address keeps the filter: a reload shows the same list, with the box still ticked.
    await page.reload();
    await poll(() => page.locator('li.review').count()).toBe(1);
    expect(await page.getByLabel('Reported (open abuse reports)').isChecked()).toBe(true);
    await expectAccessible(page, 'queue, reported');
    await shoot(page, 'queue-reported');
    await expectNoCspViolation(page);
  }, 60_000);

  it('approves 1,000 held reviews in one bulk job, with the progress bar reaching done', async () => {
    await admin('PUT', '/verdict/v1/site/settings', {
      settings: { moderation: { mode: 'HOLD_ALL', heldRatings: [] } },
    });
    const entity = `bulk-${Math.random().toString(36).slice(2, 8)}`;
    for (let batch = 0; batch < 10; batch++) {
      const res = await admin('POST', '/reviews/v1/bulk/reviews/create', {
        reviews: Array.from({ length: 100 }, (_, i) => ({
          namespace: 'stores',
          entityId: entity,
          author: { contactId: contactId(), authorName: `Buyer ${batch * 100 + i}` },
          content: { rating: 1 + (i % 5), title: `Bulk ${batch * 100 + i}`, body: 'Fine.' },
        })),
      });
      expect(res.status).toBe(200);
    }
    const page = await newPage();
    await openDashboard(page, `#/queue?entityId=${entity}`);
    await signIn(page, OWNER);
    await page.locator('li.review').first().waitFor();
    await page.getByLabel('Select this page').check();
    await page.getByRole('button', { name: 'Select everything matching the filters' }).click();
    await page.getByText('All 1000 matching reviews selected').waitFor();
    await page.getByRole('button', { name: 'Approve selected' }).click();
    await page.getByRole('button', { name: 'Yes, approve 1000' }).click();
    const bar = page.locator('vd-bulk-progress progress');
    await bar.waitFor();
    await page.getByText('Bulk action finished: 1000 reviews changed.').waitFor({ timeout: 60_000 });
    // The bar is full and says so.
    expect(await bar.getAttribute('max')).toBe('1000');
    await poll(() => bar.getAttribute('value')).toBe('1000');
    await page.locator('vd-bulk-progress').getByText('Done: 1000 succeeded.').waitFor();
    const count = await admin('POST', '/reviews/v1/reviews/count', {
      filter: { entityId: entity, 'moderation.moderationStatus': 'APPROVED' },
      includePrivateReviews: true,
    });
    expect(count.body.count).toBe(1000);
    await page.getByRole('heading', { name: 'Nothing awaits moderation' }).waitFor();
    await shoot(page, 'bulk-done');
    await expectAccessible(page, 'queue, empty');
    await expectNoCspViolation(page);
  }, 120_000);

  it('shows the settings to the owner, accessible and without CSP violations', async () => {
    const page = await newPage();
    await openDashboard(page, '#/settings');
    await signIn(page, OWNER);
    await page.getByRole('heading', { name: 'Settings' }).waitFor();
    await page.getByRole('heading', { name: 'Moderation rules' }).waitFor();
    await page.getByLabel('Hold every review until someone approves it').waitFor();
    await expectAccessible(page, 'settings');
    await shoot(page, 'settings');
    // On a phone the tables of users and keys scroll sideways rather than squeeze their drop-downs (the role showed
    // one letter), and the rule names are short enough for a rule's box.
    await expectWholeOptions(page, [1280, 390]);
    await page.getByLabel('Publish every review at once (moderation off)').check();
    await page.getByRole('button', { name: 'Save moderation settings' }).click();
    await page.getByText('Moderation settings saved.').waitFor();
    expect((await admin('GET', '/verdict/v1/site/settings')).body.settings.moderation.mode).toBe('APPROVE_ALL');
    await expectNoCspViolation(page);
  });

  it('shows insights from real data: the chart, its table, most reviewed and held', async () => {
    const entity = `ins-${Math.random().toString(36).slice(2, 8)}`;
    await admin('PUT', '/verdict/v1/site/settings', {
      settings: { moderation: { mode: 'APPROVE_ALL', heldRatings: [] } },
    });
    const today = new Date().toISOString().slice(0, 10);
    const res = await admin('POST', '/reviews/v1/bulk/reviews/create', {
      reviews: [5, 4, 4, 2, 1].map((rating, i) => ({
        namespace: 'stores',
        entityId: entity,
        author: { contactId: contactId(), authorName: `Rater ${i}` },
        content: { rating, title: `Rated ${rating}` },
        reviewDate: `${today}T08:00:00.000Z`,
      })),
    });
    expect(res.status).toBe(200);
    const page = await newPage();
    await openDashboard(page, '#/insights');
    await signIn(page, MODERATOR);
    await page.getByRole('heading', { name: 'Insights' }).waitFor();
    await page.getByLabel('Product (optional)').fill(entity);
    await page.getByRole('button', { name: 'Show' }).click();
    await page.getByText('3.20').first().waitFor();
    // uPlot drew the points into a canvas; the same numbers are in the table.
    await page.locator('vd-insights .chart canvas').waitFor();
    await page.getByText('The numbers as a table').click();
    await poll(() => page.locator('vd-insights details tbody tr', { hasText: '3.20' }).count()).toBe(1);
    await expectAccessible(page, 'insights');
    await shoot(page, 'insights');
    await expectNoCspViolation(page);
  });

  it('lets the owner create an API key shown once and revoke it', async () => {
    const page = await newPage();
    await openDashboard(page, '#/settings');
    await signIn(page, OWNER);
    await page.getByRole('heading', { name: 'API keys' }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill('Shop backend <script>');
    await page.getByLabel('reviews.manage').check();
    await page.getByRole('button', { name: 'Create key' }).click();
    const secret = await page.getByLabel('Key', { exact: true }).inputValue();
    expect(secret).toMatch(/^vdt_app_/);
    // The key works, and the list never shows it again.
    expect((await call(t.app, 'GET', '/verdict/v1/trash', { auth: secret })).status).toBe(200);
    await page.getByRole('button', { name: 'I have stored it' }).click();
    expect(await page.locator('vd-keys').evaluate((e) => e.shadowRoot?.textContent ?? '')).not.toContain(secret);
    const row = page.locator('vd-keys tr', { hasText: 'Shop backend <script>' });
    await row.getByRole('button', { name: /Revoke/ }).click();
    await row.getByRole('button', { name: 'Yes, revoke' }).click();
    await row.getByText(/Revoked/).waitFor();
    expect((await call(t.app, 'GET', '/verdict/v1/trash', { auth: secret })).status).toBe(401);
    await expectNoCspViolation(page);
  });

  it('imports with a dry run and its report, exports as a download, and erases a contact after confirmation', async () => {
    const page = await newPage();
    await openDashboard(page, '#/data');
    await signIn(page, OWNER);
    await page.getByRole('heading', { name: 'Data', exact: true }).waitFor();
    await expectAccessible(page, 'data');
    await shoot(page, 'data');
    // The format's name was cut to "Verdict (NDJSON or" at 1280 px.
    await expectWholeOptions(page, [1280, 390]);

    const entity = `imp-${Math.random().toString(36).slice(2, 8)}`;
    const file = [3, 4, 5]
      .map((rating) => JSON.stringify({ entityId: entity, content: { rating }, reviewDate: '2024-05-01' }))
      .join('\n');
    await page
      .getByLabel('File')
      .setInputFiles({ name: 'reviews.ndjson', mimeType: 'application/x-ndjson', buffer: Buffer.from(file) });
    await page.getByRole('button', { name: 'Start' }).click();
    await page.getByText('Dry run finished: nothing was written.').waitFor({ timeout: 30_000 });
    await page.getByText('3 would be created').waitFor();
    const count = (
      await admin('POST', '/reviews/v1/reviews/count', { filter: { entityId: entity }, includePrivateReviews: true })
    ).body.count;
    expect(count).toBe(0);
    await page.getByLabel('Dry run (write nothing)').uncheck();
    await page.getByRole('button', { name: 'Start' }).click();
    await page.getByText('Import finished.').waitFor({ timeout: 30_000 });
    // The bar measured the file itself (its bytes), and stays full with its percentage once done.
    const bar = page.locator('vd-bulk-progress progress');
    expect(await bar.getAttribute('max')).toBe(String(Buffer.byteLength(file)));
    await poll(() => bar.getAttribute('value')).toBe(String(Buffer.byteLength(file)));
    expect(await bar.getAttribute('aria-valuetext')).toBe('100%');
    expect(
      (await admin('POST', '/reviews/v1/reviews/count', { filter: { entityId: entity }, includePrivateReviews: true }))
        .body.count,
    ).toBe(3);

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download NDJSON' }).click(),
    ]);
    const text = readFileSync(await download.path(), 'utf8');
    expect(text.split('\n').filter((l) => l.includes(entity))).toHaveLength(3);

    const email = `erase-${Math.random().toString(36).slice(2, 8)}@example.com`;
    // Written by the shop's backend (the owner links the review to the contact with this e-mail).
    const written = await admin('POST', '/reviews/v1/reviews/contact', {
      namespace: 'stores',
      entityId: entity,
      name: 'Ed Erase',
      email,
      content: { rating: 2, body: 'Forget me.' },
    });
    expect(written.status, JSON.stringify(written.body)).toBe(200);
    await page.getByLabel('E-mail address').fill(email);
    await page.getByRole('button', { name: 'Find' }).click();
    await page.getByRole('button', { name: 'Erase…' }).click();
    await page.getByLabel(`Type ${email} to confirm`).fill('someone-else@example.com');
    await page.getByRole('button', { name: 'Erase for good' }).click();
    await page.getByText('Type the contact').waitFor();
    expect((await admin('GET', `/reviews/v1/reviews/${written.body.review.id}?returnPrivateReviews=true`)).status).toBe(
      200,
    );
    await page.getByLabel(`Type ${email} to confirm`).fill(email);
    await page.getByRole('button', { name: 'Erase for good' }).click();
    await page.getByText(/Erased: 1 reviews/).waitFor();
    expect((await admin('GET', `/reviews/v1/reviews/${written.body.review.id}?returnPrivateReviews=true`)).status).toBe(
      404,
    );
    await expectNoCspViolation(page);
  }, 90_000);

  it('lists the sessions on the Account screen; ending the other one signs that browser out at its next request', async () => {
    const who = {
      email: `two-browsers-${Math.random().toString(36).slice(2, 8)}@example.com`,
      password: 'two browsers, one user',
    };
    await createUser(t.deps, siteId, { ...who, role: 'moderator' }, null, TEST_SCRYPT);
    const first = await newPage();
    await openDashboard(first);
    await signIn(first, who);
    const second = await newPage();
    await openDashboard(second);
    await signIn(second, who);
    await second.getByRole('heading', { name: 'Queue' }).waitFor();

    await first.goto(`${base}/dashboard#/account`);
    const sessions = first.locator('vd-sessions');
    await sessions.getByRole('heading', { name: 'Where you are signed in' }).waitFor();
    const rows = sessions.locator('tbody tr');
    await poll(() => rows.count()).toBe(2);
    expect(await rows.filter({ hasText: '(this browser)' }).count()).toBe(1);
    // The browser is named from its user agent, and the network is a /24, not the address.
    expect(await rows.first().textContent()).toMatch(/Chrome \d+ on Linux/);
    expect((await rows.allTextContents()).join(' ')).toContain('127.0.0.0/24');
    await expectAccessible(first, 'account');
    await shoot(first, 'account');

    // Only the other session has a button.
    const buttons = sessions.getByRole('button', { name: /^Sign out/ });
    expect(await buttons.count()).toBe(1);
    await buttons.click();
    await sessions.getByRole('status').filter({ hasText: 'Signed out' }).waitFor();
    await poll(() => rows.count()).toBe(1);

    // The second browser's next request finds its session gone: it shows the sign-in form.
    await second.getByRole('link', { name: 'Insights' }).click();
    await second.getByRole('heading', { name: 'Sign in to Verdict' }).waitFor();
    // The first one goes on.
    await first.getByRole('link', { name: 'Insights' }).click();
    await first.getByRole('heading', { name: 'Insights' }).waitFor();
    await expectNoCspViolation(first);
  });
  it('pages the users and the API keys by cursor with Next and Previous, accessible and 390 px wide', async () => {
    // More than a page (10) of each, made through the API (at once: each user's password is hashed at full cost).
    const made = await Promise.all(
      Array.from({ length: 9 }, (_, i) => [
        admin('POST', '/verdict/v1/dashboard/users', {
          email: `paged-${i}-${Math.random().toString(36).slice(2, 8)}@example.com`,
          role: 'moderator',
          password: `a paged user's passphrase ${i}`,
        }),
        admin('POST', '/verdict/v1/keys', { name: `Paged key ${i}` }),
      ]).flat(),
    );
    expect(made.map((r) => r.status)).toEqual(made.map(() => 200));
    const users: { email: string }[] = (await admin('GET', '/verdict/v1/dashboard/users?limit=100')).body.users;
    const keys: { name: string }[] = (await admin('GET', '/verdict/v1/keys?limit=100')).body.keys;
    expect(users.length).toBeGreaterThan(10);
    expect(users.length).toBeLessThanOrEqual(20);
    expect(keys.length).toBeGreaterThan(10);
    expect(keys.length).toBeLessThanOrEqual(20);

    const page = await newPage();
    await openDashboard(page, '#/settings');
    await signIn(page, OWNER);
    const lists = [
      { tag: 'vd-users', what: 'users', names: users.map((u) => u.email) },
      { tag: 'vd-keys', what: 'API keys', names: keys.map((k) => k.name) },
    ];
    for (const { tag, what, names } of lists) {
      const nav = page.getByRole('navigation', { name: `Pages of ${what}` });
      await nav.waitFor();
      const rows = page.locator(`${tag} tbody tr`);
      const firstCell = () => rows.first().locator('td').first().textContent();
      await poll(() => rows.count()).toBe(10);
      expect(await firstCell()).toContain(names[0]);
      const previous = nav.getByRole('button', { name: 'Previous page' });
      const next = nav.getByRole('button', { name: 'Next page' });
      expect(await previous.isDisabled()).toBe(true);
      await next.click();
      await poll(firstCell).toContain(names[10]);
      expect(await rows.count()).toBe(names.length - 10);
      expect(await nav.getByText('Page 2').count()).toBe(1);
      expect(await next.isDisabled()).toBe(true);
      await previous.click();
      await poll(firstCell).toContain(names[0]);
      expect(await rows.count()).toBe(10);
    }
    await expectAccessible(page, 'settings, paged lists');
    await shoot(page, 'settings-paged');
    await expectNoCspViolation(page);
  }, 60_000);
});
