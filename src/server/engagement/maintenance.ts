/**
 * The maintenance loop of a server instance: each period (an hour by default) it purges the trash past its
 * retention and outbox events past theirs (outbox/outbox.retention.ts). Each kind of work is claimed with a lease
 * (db/leases.ts), so with several instances exactly one does it per period. Relevance needs no pass at all: what is
 * stored does not decay (reviews.rules.ts), so nothing here reads or writes every review, at start or later.
 * Both purges are idempotent and bounded: they delete only rows still due, in batches, one transaction each.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { claimLease } from '../db/leases.ts';
import { type DbDeps, iso } from '../deps.ts';
import { purgeOutbox } from '../outbox/outbox.retention.ts';
import { purgeTrash } from './trash.service.ts';

const HOUR_MS = 3_600_000;

/** The leases of the two purges, one row each in `leases`. */
export const MAINTENANCE_LEASES = { trash: 'trash-purge', outbox: 'outbox-purge' } as const;

/** What one pass did: how many rows each purge removed, or null where another instance holds this period's lease. */
export interface MaintenancePass {
  purged: number | null;
  outboxPurged: number | null;
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
  },
): Maintenance {
  const holder = `instance-${randomUUID()}`;
  const periodMs = deps.intervalMs ?? HOUR_MS;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let stopped = false;

  /** Runs `work` if this instance takes the lease `name` for the period starting at `now`; null if it does not. */
  async function leased(name: string, now: Date, work: () => Promise<number>): Promise<number | null> {
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
    return { purged, outboxPurged };
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
