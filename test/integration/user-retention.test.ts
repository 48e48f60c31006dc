/**
 * Retention of the dashboard's user tables on both dialects: `user_audit` entries past USER_AUDIT_RETENTION_DAYS are
 * purged in batches (every site, nothing younger), ended sessions and stale failure counts are purged, all from the
 * maintenance loop under one lease per period, on the app's clock (no sleeping).
 */
import { CompiledQuery, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/server/app.ts';
import { loadConfig } from '../../src/server/config.ts';
import { createMaintenance } from '../../src/server/engagement/maintenance.ts';
import { timeOrderedId } from '../../src/server/ids.ts';
import { usersRepo } from '../../src/server/users/users.repo.ts';
import { purgeUserAudit } from '../../src/server/users/users.retention.ts';
import { buildSite, call, startTestApp, type TestApp } from '../support/app.ts';
import { testClock } from '../support/clock.ts';
import { dialects, type TestDb } from '../support/databases.ts';

const DAY = 86_400_000;
const HOUR = 3_600_000;

describe.each(dialects())('user table retention on $name', (dialect) => {
  let db: TestDb;
  let t: TestApp;
  const time = testClock('2030-01-01T00:00:00Z');
  beforeAll(async () => {
    db = await dialect.open();
    t = await startTestApp(db, { clock: time.clock });
    // The tests here run every purge themselves. The app's own loop starts a pass as it starts, which purges audit
    // entries past the default retention: left running, it could take the old entries a test writes before the
    // test's own purge counts them.
    await t.maintenance.stop();
  });
  afterAll(async () => {
    await t.close();
    await db.dispose();
  });

  /** Writes an audit entry of `siteId` dated `daysAgo` before the clock; returns its id. */
  async function entry(siteId: string, daysAgo: number): Promise<string> {
    const at = new Date(time.now().getTime() - daysAgo * DAY);
    const id = timeOrderedId(at.getTime());
    await usersRepo.audit(t.deps.db, {
      site_id: siteId,
      id,
      action: 'SIGN_IN',
      actor_kind: 'ANONYMOUS',
      actor_id: null,
      subject_user_id: null,
      detail_json: '{}',
      created_at: at.toISOString(),
    });
    return id;
  }
  const auditIds = async (siteId: string) =>
    (await t.deps.db.selectFrom('user_audit').select('id').where('site_id', '=', siteId).orderBy('id').execute()).map(
      (r) => r.id,
    );

  it('purges audit entries past the retention on every site, in batches, and keeps the younger ones', async () => {
    const a = await buildSite(t);
    const b = await buildSite(t);
    await t.deps.db.deleteFrom('user_audit').execute();
    const old = [await entry(a.siteId, 400), await entry(a.siteId, 366), await entry(b.siteId, 500)];
    const young = [await entry(a.siteId, 364), await entry(b.siteId, 1)];
    // A retention of 0 keeps everything.
    expect(await purgeUserAudit(t.deps, time.now(), 0)).toBe(0);
    expect(await purgeUserAudit(t.deps, time.now(), 365, { batchSize: 2 })).toBe(old.length);
    expect(await auditIds(a.siteId)).toEqual([young[0]]);
    expect(await auditIds(b.siteId)).toEqual([young[1]]);
    expect(await purgeUserAudit(t.deps, time.now(), 365, { batchSize: 2 })).toBe(0);
    // Stopping between batches.
    await entry(a.siteId, 900);
    expect(await purgeUserAudit(t.deps, time.now(), 365, { shouldStop: () => true })).toBe(0);
    expect(await auditIds(a.siteId)).toHaveLength(2);
  });

  it('deletes each batch through a range of the created_at index, not a scan of the table', async () => {
    // Enough entries, spread over a year, for the planner to prefer the index (as on any table worth purging).
    for (let i = 0; i < 6000; i += 500) {
      const rows = Array.from({ length: 500 }, (_, k) => ({
        site_id: `s${(i + k) % 10}`,
        id: crypto.randomUUID(),
        action: 'SIGN_IN',
        actor_kind: 'ANONYMOUS',
        actor_id: null,
        subject_user_id: null,
        detail_json: '{}',
        created_at: new Date(Date.UTC(2028, 0, 1) + (i + k) * 90 * 60_000).toISOString(),
      }));
      await t.deps.db.insertInto('user_audit').values(rows).execute();
    }
    await sql`analyze`.execute(t.deps.db);
    const q = usersRepo.deleteAuditBeforeQuery('2029-01-01T00:00:00.000Z', 500).compile(t.deps.db);
    const plan =
      t.deps.dialect === 'postgres'
        ? (
            await t.deps.db.executeQuery<{ 'QUERY PLAN': string }>(
              CompiledQuery.raw(`explain ${q.sql}`, [...q.parameters]),
            )
          ).rows
            .map((r) => r['QUERY PLAN'])
            .join('\n')
        : (
            await t.deps.db.executeQuery<{ detail: string }>(
              CompiledQuery.raw(`explain query plan ${q.sql}`, [...q.parameters]),
            )
          ).rows
            .map((r) => r.detail)
            .join('\n');
    expect(plan).toContain('user_audit_created_idx');
    expect(plan).not.toMatch(/Seq Scan|SCAN user_audit(?! USING)/);
  });

  it('purges ended sessions and audit entries from the maintenance loop, one instance per period', async () => {
    const site = await buildSite(t);
    const idle = await site.dashboardUser('moderator');
    const active = await site.dashboardUser('moderator');
    await t.deps.db.deleteFrom('user_audit').execute();
    const old = await entry(site.siteId, 30);
    const kept = await entry(site.siteId, 1);
    const sessionsOf = async (userId: string) =>
      (await t.deps.db.selectFrom('user_sessions').select('id').where('user_id', '=', userId).execute()).length;

    // Just short of the idle time, both sessions are alive; one of them is used.
    time.advance(t.deps.config.sessionIdleSeconds * 1000 - 60_000);
    expect((await call(t.app, 'GET', '/verdict/v1/dashboard/session', { headers: active.headers })).status).toBe(200);
    time.advance(120_000);
    const instance = () =>
      createMaintenance({
        ...t.deps,
        trashRetentionDays: 30,
        userAuditRetentionDays: 7,
        sessions: t.deps.config,
        log: t.app.log,
      });
    const [x, y] = [instance(), instance()];
    const [px, py] = await Promise.all([x.runOnce(), y.runOnce()]);
    const done = [px.usersPurged, py.usersPurged].filter((p) => p !== null);
    expect(done).toHaveLength(1);
    expect(done[0]?.audit).toBe(1);
    expect(done[0]?.sessions).toBeGreaterThanOrEqual(1);
    expect(await sessionsOf(idle.id)).toBe(0);
    expect(await sessionsOf(active.id)).toBe(1);
    expect(await auditIds(site.siteId)).toEqual([kept]);
    expect(await auditIds(site.siteId)).not.toContain(old);
    // Later in the same period nobody purges again; in the next one, one instance does.
    time.advance(HOUR - 1);
    expect((await Promise.all([x.runOnce(), y.runOnce()])).every((p) => p.usersPurged === null)).toBe(true);
    time.advance(1);
    expect((await Promise.all([x.runOnce(), y.runOnce()])).filter((p) => p.usersPurged !== null)).toHaveLength(1);
  });

  it('runs from the server with USER_AUDIT_RETENTION_DAYS (365 by default)', async () => {
    expect(loadConfig({}).userAuditRetentionDays).toBe(365);
    const site = await buildSite(t);
    const old = await entry(site.siteId, 40);
    const kept = await entry(site.siteId, 20);
    const later = testClock(time.now().getTime() + 2 * HOUR);
    const config = loadConfig({ LOG_LEVEL: 'silent', USER_AUDIT_RETENTION_DAYS: '30' });
    const ctx = await createApp(db, config, { logger: false, clock: later.clock });
    try {
      const pass = await ctx.maintenance.runOnce();
      expect(pass.usersPurged?.audit).toBeGreaterThanOrEqual(1);
      expect(await auditIds(site.siteId)).toEqual([kept]);
      expect(await auditIds(site.siteId)).not.toContain(old);
    } finally {
      await ctx.app.close();
    }
  });
});
