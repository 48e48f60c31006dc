/**
 * The maintenance loop of a server instance: each period (an hour by default) it purges the trash past its
 * retention, outbox events past theirs (outbox/outbox.retention.ts), and the dashboard's ended sessions, stale
 * failed sign-in counts and user audit entries past USER_AUDIT_RETENTION_DAYS (users/users.retention.ts). Each kind of work is claimed with a lease
 * (db/leases.ts), so with several instances exactly one does it per period. Relevance needs no pass at all: what is
 * stored does not decay (reviews.rules.ts), so nothing here reads or writes every review, at start or later.
 * The purges are idempotent and bounded: they delete only rows still due, in batches, one transaction each.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { claimLease } from '../db/leases.ts';
import { type DbDeps, iso } from '../deps.ts';
import { purgeOutbox } from '../outbox/outbox.retention.ts';
import { purgeUserAudit } from '../users/users.retention.ts';
import { purgeEndedSessions, type UsersConfig } from '../users/users.service.ts';
import { purgeTrash } from './trash.service.ts';

const HOUR_MS = 3_600_000;

/** The leases of the purges, one row each in `leases`. */
export const MAINTENANCE_LEASES = { trash: 'trash-purge', outbox: 'outbox-purge', users: 'user-purge' } as const;

/** What one pass did: how many rows each purge removed, or null where another instance holds this period's lease. */
export interface MaintenancePass {
  purged: number | null;
  outboxPurged: number | null;
  /** Ended sessions, stale failed sign-in counts and audit entries past their retention. */
  usersPurged: { sessions: number; failures: number; audit: number } | null;
}

export interface Maintenance {
  start(): void;
  /** Stops the timer and waits for a pass in progress. */
  stop(): Promise<void>;
  /** One pass now: each purge whose lease for the current period this instance can take. */
  runOnce(): Promise<MaintenancePass>;
}

/**
 * The loop of one instance. `intervalMs` is both how often it wakes and the length of a lease's period, so an
 * instance that did a period's work finds its own lease ended when it wakes again.
 */
export function createMaintenance(
  deps: DbDeps & {
    trashRetentionDays: number;
    log: FastifyBaseLogger;
    intervalMs?: number;
    /** OUTBOX_RETENTION_DAYS; 0 or absent keeps every event. */
    outboxRetentionDays?: number;
    /** USER_AUDIT_RETENTION_DAYS; 0 or absent keeps every entry. */
    userAuditRetentionDays?: number;
    /** When sessions end (SESSION_IDLE_SECONDS, …); absent: ended sessions are not purged here. */
    sessions?: UsersConfig;
  },
): Maintenance {
  const holder = `instance-${randomUUID()}`;
  const periodMs = deps.intervalMs ?? HOUR_MS;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let stopped = false;

  /** Runs `work` if this instance takes the lease `name` for the period starting at `now`; null if it does not. */
  async function leased<T>(name: string, now: Date, work: () => Promise<T>): Promise<T | null> {
    const until = iso(new Date(now.getTime() + periodMs));
    if (!(await claimLease(deps.db, name, holder, iso(now), until))) return null;
    return work();
  }

  async function runOnce(): Promise<MaintenancePass> {
    const now = deps.clock();
    const purged = await leased(MAINTENANCE_LEASES.trash, now, () => purgeTrash(deps, now, deps.trashRetentionDays));
    const retention = deps.outboxRetentionDays ?? 0;
    const outboxPurged =
      retention > 0
        ? await leased(MAINTENANCE_LEASES.outbox, now, () =>
            purgeOutbox(deps, now, retention, { shouldStop: () => stopped }),
          )
        : 0;
    const sessions = deps.sessions;
    const usersPurged = await leased(MAINTENANCE_LEASES.users, now, async () => {
      const ended = sessions ? await purgeEndedSessions({ ...deps, config: sessions }) : { sessions: 0, failures: 0 };
      const audit = await purgeUserAudit(deps, now, deps.userAuditRetentionDays ?? 0, { shouldStop: () => stopped });
      return { ...ended, audit };
    });
    return { purged, outboxPurged, usersPurged };
  }

  function tick() {
    if (stopped) return;
    running = runOnce()
      .catch((err: unknown) => deps.log.error({ err }, 'maintenance pass failed'))
      .finally(() => {
        running = undefined;
        if (!stopped) {
          timer = setTimeout(tick, periodMs);
          timer.unref();
        }
      });
  }

  return {
    start() {
      if (timer || running || stopped) return;
      tick();
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
    runOnce,
  };
}
