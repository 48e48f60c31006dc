/**
 * The webhook worker, one per server instance. Each round it (1) fans new outbox rows out into delivery rows — one
 * per event × matching webhook, plus one for the JetStream publisher when NATS is configured — up to the outbox
 * horizon (events never skipped, no lock taken: ../outbox/outbox.horizon.ts), moving the global fan-out cursor in
 * the same transaction, then (2) claims due deliveries in batches under a lease, with their events and webhooks in
 * the same query, sends them with a timeout, and records the outcomes in batches guarded by the lease. Failures are
 * retried with exponential backoff and jitter until the retry window ends, then marked DEAD. At-least-once: a worker
 * that dies between send and mark leaves a lease that expires, and the delivery is sent again. A commit that
 * appends events wakes it (outbox watch); the poll interval remains for retries falling due and as a safety net.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config.ts';
import type { WebhookDeliveryRow, WebhookRow } from '../db/schema.ts';
import { type DbDeps, iso } from '../deps.ts';
import { unavailableReason } from '../errors.ts';
import { eventContext } from '../outbox/outbox.rules.ts';
import { createOutboxWatch, type OutboxWatch } from '../outbox/outbox.watch.ts';
import { createPollingLoop, type PollingLoop, yieldToEventLoop } from '../polling-loop.ts';
import type { EventPublisher } from './nats.publisher.ts';
import {
  type ClaimedDelivery,
  type DeliveryOutcome,
  deliveriesRepo,
  NATS_TARGET,
  newDelivery,
  webhooksRepo,
} from './webhooks.repo.ts';
import { natsSubject, retryDelayMs, retryWindowExhausted } from './webhooks.rules.ts';
import { siteKeys } from './webhooks.service.ts';
import { importSigningKey, jsonEventBody, jsonSignature, signWixEvent } from './webhooks.signing.ts';

export type WebhookWorkerConfig = Pick<
  Config,
  | 'webhookPollIntervalMs'
  | 'webhookBatchSize'
  | 'webhookTimeoutMs'
  | 'webhookRetryBaseMs'
  | 'webhookRetryMaxMs'
  | 'webhookRetryWindowMs'
>;

export interface WebhookWorkerDeps extends DbDeps {
  config: WebhookWorkerConfig;
  log: FastifyBaseLogger;
  /** Jitter source in [0, 1); injected so tests can pin the schedule. */
  random?: () => number;
  /** The JetStream publisher, when NATS_URL is set. */
  publisher?: EventPublisher | undefined;
  /**
   * The process's outbox watch: the horizon the fan-out reads up to, and wake-ups on commits. Without it the worker
   * makes its own and finds new events by polling.
   */
  outboxWatch?: OutboxWatch | undefined;
}

export interface WebhookWorker {
  start(): void;
  wake(): void;
  /** Stops after the current round, waiting for in-flight sends; resolves when the loop has exited. */
  stop(): Promise<void>;
  /** One fan-out and claim/send pass until nothing is due (for tests). */
  drain(): Promise<void>;
  /** Turns one batch of new outbox rows into delivery rows without sending; returns the rows consumed. */
  fanOut(): Promise<number>;
}

type Outcome = { ok: true; status: number | null } | { ok: false; status: number | null; error: string };

const MAX_ERROR_LENGTH = 500;

/** Shortest time between two rounds started by commits: a burst of writes wakes the worker once, not per commit. */
const WAKE_SPACING_MS = 50;

/** Parsed signing keys kept per worker; far more sites than this cycle through it, each parsed once per visit. */
const KEY_CACHE_SIZE = 1_000;

/** Why a fetch failed, in words an owner can act on (timeout, refused connection, DNS, TLS…). */
function describeFailure(err: unknown, timeoutMs: number): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
    return `timed out after ${timeoutMs} ms`;
  }
  const cause = err instanceof Error ? (err.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  if (cause && typeof cause.code === 'string') return `connection failed: ${cause.code}`;
  if (cause && typeof cause.message === 'string') return `connection failed: ${cause.message}`;
  return `request failed: ${err instanceof Error ? err.message : String(err)}`;
}

export function createWebhookWorker(deps: WebhookWorkerDeps): WebhookWorker {
  const worker = `webhooks-${randomUUID()}`;
  const { config } = deps;
  const random = deps.random ?? Math.random;
  // The lease outlives the longest send (timeout) by a wide margin, so only a dead worker loses it.
  const leaseMs = config.webhookTimeoutMs * 2 + 30_000;
  // Assigned below; rounds read `loop.stopping` to end early on shutdown.
  let loop: PollingLoop;

  const watch = deps.outboxWatch ?? createOutboxWatch(deps);

  /** Fans out one batch of new outbox rows; returns how many rows it consumed. */
  async function fanOut(): Promise<number> {
    if (!(await deliveriesRepo.outboxAhead(deps.db))) return 0;
    // Read before the transaction: the horizon only ever rises, and every position at or below it is final.
    const horizon = await watch.horizon();
    return deps.db.transaction().execute(async (tx) => {
      const cursor = await deliveriesRepo.lockCursor(tx, deps.dialect);
      if (cursor === undefined) return 0;
      // SQLite (no horizon): this transaction holds the write lock, so the visible outbox is all there is.
      const upTo = horizon ?? (await deliveriesRepo.maxPosition(tx));
      if (upTo <= cursor) return 0;
      // No webhook anywhere and no publisher: every event so far has no target (a webhook only receives events
      // written after it was registered), so the cursor jumps to the horizon instead of walking the outbox.
      if (!deps.publisher && !(await webhooksRepo.any(tx))) {
        await deliveriesRepo.moveCursor(tx, upTo, iso(deps.clock()));
        return 0;
      }
      const events = await deliveriesRepo.outboxAfter(tx, cursor, upTo, config.webhookBatchSize * 4);
      const last = events[events.length - 1];
      if (!last) return 0;
      const hooks = await webhooksRepo.listForSites(tx, [...new Set(events.map((e) => e.site_id))]);
      const bySite = new Map<string, { row: WebhookRow; types: Set<string> }[]>();
      for (const row of hooks) {
        const list = bySite.get(row.site_id) ?? [];
        list.push({ row, types: new Set(JSON.parse(row.event_types_json) as string[]) });
        bySite.set(row.site_id, list);
      }
      const now = iso(deps.clock());
      const rows = [];
      for (const e of events) {
        for (const { row, types } of bySite.get(e.site_id) ?? []) {
          // A webhook receives the events written after it was registered.
          if (types.has(e.event_type) && e.created_at >= row.created_at) rows.push(newDelivery(e, row.id, now));
        }
        if (deps.publisher) rows.push(newDelivery(e, NATS_TARGET, now));
      }
      await deliveriesRepo.insertMany(tx, rows);
      await deliveriesRepo.moveCursor(tx, last.position, now);
      return events.length;
    });
  }

  /** Parsed signing keys by site and key revision (a key's `created_at`), oldest first. */
  const keyCache = new Map<string, Promise<CryptoKey>>();
  const cacheKey = (siteId: string, revision: string) => `${siteId}\u0000${revision}`;

  function cacheSigningKey(siteId: string, revision: string, pem: string): Promise<CryptoKey> {
    const k = cacheKey(siteId, revision);
    const parsed = importSigningKey(pem);
    // A key that fails to parse is not kept: the next batch tries again.
    parsed.catch(() => keyCache.delete(k));
    keyCache.set(k, parsed);
    if (keyCache.size > KEY_CACHE_SIZE) {
      const oldest = keyCache.keys().next().value;
      if (oldest !== undefined) keyCache.delete(oldest);
    }
    return parsed;
  }

  /**
   * The parsed signing key of every site with a `wix`-format delivery in the batch: from the cache when its
   * revision is there, else all missing keys read in one query and parsed once; a site without a key yet gets one.
   */
  async function signingKeys(batch: readonly ClaimedDelivery[]): Promise<Map<string, Promise<CryptoKey>>> {
    const keys = new Map<string, Promise<CryptoKey>>();
    const missing = new Set<string>();
    const unkeyed = new Set<string>();
    for (const d of batch) {
      if (d.hook_format !== 'wix' || keys.has(d.site_id)) continue;
      const cached = d.key_revision === null ? undefined : keyCache.get(cacheKey(d.site_id, d.key_revision));
      if (cached) keys.set(d.site_id, cached);
      else if (d.key_revision === null) unkeyed.add(d.site_id);
      else missing.add(d.site_id);
    }
    for (const k of await webhooksRepo.privateKeysFor(deps.db, [...missing])) {
      keys.set(k.site_id, cacheSigningKey(k.site_id, k.created_at, k.private_key_pem));
    }
    for (const siteId of unkeyed) {
      try {
        const pair = await siteKeys(deps, siteId);
        keys.set(siteId, cacheSigningKey(siteId, pair.created_at, pair.private_key_pem));
      } catch (err) {
        // The database away ends the round; any other failure fails only this site's deliveries (their attempt).
        if (unavailableReason(err)) throw err;
        keys.set(siteId, Promise.reject(err));
      }
    }
    // Avoid unhandled rejections for sites whose deliveries never await their key.
    for (const p of keys.values()) p.catch(() => undefined);
    return keys;
  }

  async function sendHttp(
    d: ClaimedDelivery,
    hook: { url: string; format: WebhookRow['format']; secret: string; appId: string | null },
    bodyJson: string,
    key: Promise<CryptoKey> | undefined,
  ): Promise<Outcome> {
    const now = deps.clock();
    let body: string;
    const headers: Record<string, string> = {
      'user-agent': 'Verdict-Webhooks/1',
      'verdict-event-id': d.event_id,
      'verdict-event-type': d.event_type,
      'verdict-site-id': d.site_id,
    };
    const context = eventContext(d.site_id, d.event_identity_json);
    if (hook.format === 'wix') {
      if (!key) throw new Error(`no signing key was loaded for site ${d.site_id}`);
      body = await signWixEvent(await key, { eventType: d.event_type, bodyJson, context, appId: hook.appId }, now);
      headers['content-type'] = 'text/plain; charset=utf-8';
    } else {
      body = jsonEventBody(bodyJson, context);
      headers['content-type'] = 'application/json';
      headers['verdict-signature'] = jsonSignature(hook.secret, body, now);
    }
    const url = hook.url;
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers,
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(config.webhookTimeoutMs),
      });
    } catch (err) {
      return { ok: false, status: null, error: describeFailure(err, config.webhookTimeoutMs) };
    }
    // The body is not needed; dropping it frees the connection.
    await res.body?.cancel().catch(() => undefined);
    if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status };
    return { ok: false, status: res.status, error: `receiver answered HTTP ${res.status}` };
  }

  async function attempt(d: ClaimedDelivery, keys: Map<string, Promise<CryptoKey>>): Promise<Outcome | 'gone'> {
    if (d.event_body_json === null || d.event_slug === null) return 'gone';
    if (d.webhook_id === NATS_TARGET) {
      if (!deps.publisher) return { ok: false, status: null, error: 'NATS is not configured on this instance' };
      try {
        await deps.publisher.publish(
          natsSubject(d.site_id, d.event_slug),
          jsonEventBody(d.event_body_json, eventContext(d.site_id, d.event_identity_json)),
          d.event_id,
          config.webhookTimeoutMs,
        );
        return { ok: true, status: null };
      } catch (err) {
        return {
          ok: false,
          status: null,
          error: `NATS publish failed: ${err instanceof Error ? err.message : String(err)}`,
        };
      }
    }
    if (d.hook_url === null || d.hook_format === null || d.hook_secret === null) return 'gone';
    const hook = { url: d.hook_url, format: d.hook_format, secret: d.hook_secret, appId: d.hook_app_id };
    return sendHttp(d, hook, d.event_body_json, keys.get(d.site_id));
  }

  /** Sends one delivery and returns the change to record; throws only when the database is unavailable. */
  async function deliver(d: ClaimedDelivery, keys: Map<string, Promise<CryptoKey>>): Promise<DeliveryOutcome> {
    let outcome: Outcome | 'gone';
    try {
      outcome = await attempt(d, keys);
    } catch (err) {
      // The database busy or away is not the receiver's failure: the delivery is claimed again once its lease runs
      // out (the polling loop logs the error and retries).
      if (unavailableReason(err)) throw err;
      deps.log.error({ err, deliveryId: d.id }, 'webhook delivery attempt failed');
      outcome = { ok: false, status: null, error: 'internal error while sending' };
    }
    const now = deps.clock();
    const at = iso(now);
    if (outcome === 'gone') {
      return {
        status: 'DEAD',
        next_attempt_at: null,
        last_status: null,
        last_error: 'the event or webhook no longer exists',
        delivered_at: null,
        updated_at: at,
      };
    }
    if (outcome.ok) {
      return {
        status: 'DELIVERED',
        next_attempt_at: null,
        last_status: outcome.status,
        last_error: null,
        delivered_at: at,
        updated_at: at,
      };
    }
    const next = new Date(
      now.getTime() + retryDelayMs(d.attempts, config.webhookRetryBaseMs, config.webhookRetryMaxMs, random()),
    );
    const dead = retryWindowExhausted(new Date(d.window_started_at), next, config.webhookRetryWindowMs);
    return {
      status: dead ? 'DEAD' : 'PENDING',
      next_attempt_at: dead ? null : iso(next),
      last_status: outcome.status,
      last_error: outcome.error.slice(0, MAX_ERROR_LENGTH),
      delivered_at: null,
      updated_at: at,
    };
  }

  /**
   * Records outcomes as sends finish, batching those that finish close together into one statement: a fast
   * receiver's outcomes go in a few statements, and a slow one does not hold the others' back.
   */
  function outcomeRecorder() {
    let queue: { row: ClaimedDelivery; patch: DeliveryOutcome }[] = [];
    let running: Promise<void> | undefined;
    let failure: unknown;
    async function flush(): Promise<void> {
      // Sends that finish in the same turn of the event loop go in together.
      await yieldToEventLoop();
      while (queue.length > 0) {
        const items = queue;
        queue = [];
        try {
          const kept = await deliveriesRepo.markMany(deps.db, worker, items);
          for (const { row, patch } of items) {
            if (kept.has(`${row.site_id}\u0000${row.id}`)) logStateChange(row, patch);
            else
              deps.log.warn({ deliveryId: row.id }, 'webhook delivery lease lost before marking; it will be retried');
          }
        } catch (err) {
          // The leases of these deliveries run out and they are sent again; the round reports the error.
          failure ??= err;
        }
      }
      running = undefined;
    }
    return {
      add(row: ClaimedDelivery, patch: DeliveryOutcome) {
        queue.push({ row, patch });
        running ??= flush();
      },
      async done(): Promise<void> {
        while (running) await running;
        if (failure !== undefined) throw failure;
      },
    };
  }

  /**
   * One warning per change of state, not per retry: when a delivery first fails in its retry window (its attempt
   * was the one due when the window started: creation, or a manual redelivery) and when it becomes DEAD. Retries
   * in between are logged at debug.
   */
  function logStateChange(d: WebhookDeliveryRow, patch: DeliveryOutcome): void {
    if (patch.last_error === null) return;
    const fields = {
      webhookId: d.webhook_id,
      deliveryId: d.id,
      eventType: d.event_type,
      eventId: d.event_id,
      attempts: d.attempts,
      reason: patch.last_error,
    };
    if (patch.status === 'DEAD') deps.log.warn({ ...fields, state: 'DEAD' }, 'webhook delivery dead; no more retries');
    else if (d.next_attempt_at === d.window_started_at) {
      deps.log.warn(
        { ...fields, state: 'FAILING', nextAttemptAt: patch.next_attempt_at },
        'webhook delivery failed; retrying',
      );
    } else deps.log.debug({ ...fields, nextAttemptAt: patch.next_attempt_at }, 'webhook delivery failed again');
  }

  /** Claims and sends one batch; returns how many deliveries it claimed. */
  async function sendDue(): Promise<number> {
    const now = deps.clock();
    const claimed = await deliveriesRepo.claimBatch(
      deps.db,
      deps.dialect,
      worker,
      iso(now),
      iso(new Date(now.getTime() + leaseMs)),
      config.webhookBatchSize,
    );
    if (claimed.length === 0) return 0;
    const keys = await signingKeys(claimed);
    const recorder = outcomeRecorder();
    const sent = await Promise.allSettled(
      claimed.map(async (d) => {
        recorder.add(d, await deliver(d, keys));
      }),
    );
    await recorder.done();
    const failed = sent.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    return claimed.length;
  }

  async function drain(): Promise<void> {
    while (!loop.stopping && (await fanOut()) > 0) {
      await yieldToEventLoop();
      // keep fanning out while the outbox is ahead
    }
    while (!loop.stopping && (await sendDue()) >= config.webhookBatchSize) {
      await yieldToEventLoop();
      // a full batch: more may be due
    }
  }

  loop = createPollingLoop({ name: 'webhook worker', intervalMs: config.webhookPollIntervalMs, log: deps.log, drain });

  // Commits that append events wake the loop, at most once per spacing: the next round reads them all.
  const spacingMs = Math.min(WAKE_SPACING_MS, config.webhookPollIntervalMs);
  let lastWake = 0;
  let wakeTimer: NodeJS.Timeout | undefined;
  function committed(): void {
    if (wakeTimer) return;
    wakeTimer = setTimeout(
      () => {
        wakeTimer = undefined;
        lastWake = Date.now();
        loop.wake();
      },
      Math.max(0, lastWake + spacingMs - Date.now()),
    );
    wakeTimer.unref();
  }
  let unsubscribe: (() => void) | undefined;

  return {
    start() {
      unsubscribe ??= watch.subscribe(committed);
      loop.start();
    },
    wake: () => loop.wake(),
    async stop() {
      unsubscribe?.();
      clearTimeout(wakeTimer);
      await loop.stop();
      if (!deps.outboxWatch) watch.close();
      await deps.publisher?.close();
    },
    drain,
    fanOut,
  };
}
