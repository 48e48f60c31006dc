/**
 * The webhook worker, one per server instance. Each round it (1) fans new outbox rows out into delivery rows — one
 * per event × matching webhook, plus one for the JetStream publisher when NATS is configured — moving the global
 * fan-out cursor in the same transaction, then (2) claims due deliveries in batches under a lease, sends them with a
 * timeout, and marks each outcome in a separate statement guarded by the lease. Failures are retried with
 * exponential backoff and jitter until the retry window ends, then marked DEAD. At-least-once: a worker that dies
 * between send and mark leaves a lease that expires, and the delivery is sent again.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config.ts';
import type { WebhookDeliveryRow, WebhookRow } from '../db/schema.ts';
import { type DbDeps, iso } from '../deps.ts';
import { unavailableReason } from '../errors.ts';
import { eventContext } from '../outbox/outbox.rules.ts';
import { createPollingLoop, type PollingLoop, yieldToEventLoop } from '../polling-loop.ts';
import type { EventPublisher } from './nats.publisher.ts';
import { deliveriesRepo, NATS_TARGET, newDelivery, webhooksRepo } from './webhooks.repo.ts';
import { natsSubject, retryDelayMs, retryWindowExhausted } from './webhooks.rules.ts';
import { siteKeys } from './webhooks.service.ts';
import { jsonEventBody, jsonSignature, signWixEvent } from './webhooks.signing.ts';

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

  /** Fans out one batch of new outbox rows; returns how many rows it consumed. */
  async function fanOut(): Promise<number> {
    if (!(await deliveriesRepo.outboxAhead(deps.db))) return 0;
    return deps.db.transaction().execute(async (tx) => {
      const cursor = await deliveriesRepo.lockCursor(tx, deps.dialect);
      if (cursor === undefined) return 0;
      await deliveriesRepo.fenceOutbox(tx, deps.dialect);
      // No webhook anywhere and no publisher: every event so far has no target (a webhook only receives events
      // written after it was registered), so the cursor jumps to the end instead of walking the outbox.
      if (!deps.publisher && !(await webhooksRepo.any(tx))) {
        const max = await deliveriesRepo.maxPosition(tx);
        if (max > cursor) await deliveriesRepo.moveCursor(tx, max, iso(deps.clock()));
        return 0;
      }
      const events = await deliveriesRepo.outboxAfter(tx, cursor, config.webhookBatchSize * 4);
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

  async function sendHttp(
    hook: WebhookRow,
    event: { event_type: string; body_json: string; identity_json: string | null },
    eventId: string,
  ): Promise<Outcome> {
    const now = deps.clock();
    let body: string;
    const headers: Record<string, string> = {
      'user-agent': 'Verdict-Webhooks/1',
      'verdict-event-id': eventId,
      'verdict-event-type': event.event_type,
      'verdict-site-id': hook.site_id,
    };
    const context = eventContext(hook.site_id, event.identity_json);
    if (hook.format === 'wix') {
      const keys = await siteKeys(deps, hook.site_id);
      body = await signWixEvent(
        keys.private_key_pem,
        { eventType: event.event_type, bodyJson: event.body_json, context, appId: hook.app_id },
        now,
      );
      headers['content-type'] = 'text/plain; charset=utf-8';
    } else {
      body = jsonEventBody(event.body_json, context);
      headers['content-type'] = 'application/json';
      headers['verdict-signature'] = jsonSignature(hook.secret, body, now);
    }
    let res: Response;
    try {
      res = await fetch(hook.url, {
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

  async function attempt(d: WebhookDeliveryRow): Promise<Outcome | 'gone'> {
    const event = await deliveriesRepo.getEvent(deps.db, d.site_id, d.event_id);
    if (!event) return 'gone';
    if (d.webhook_id === NATS_TARGET) {
      if (!deps.publisher) return { ok: false, status: null, error: 'NATS is not configured on this instance' };
      try {
        await deps.publisher.publish(
          natsSubject(d.site_id, event.slug),
          jsonEventBody(event.body_json, eventContext(d.site_id, event.identity_json)),
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
    const hook = await webhooksRepo.get(deps.db, d.site_id, d.webhook_id);
    if (!hook) return 'gone';
    return sendHttp(hook, event, d.event_id);
  }

  async function deliver(d: WebhookDeliveryRow): Promise<void> {
    let outcome: Outcome | 'gone';
    try {
      outcome = await attempt(d);
    } catch (err) {
      // The database busy or away is not the receiver's failure: no attempt is spent, and the delivery is claimed
      // again once its lease runs out (the polling loop logs the error and retries).
      if (unavailableReason(err)) throw err;
      deps.log.error({ err, deliveryId: d.id }, 'webhook delivery attempt failed');
      outcome = { ok: false, status: null, error: 'internal error while sending' };
    }
    const now = deps.clock();
    const at = iso(now);
    let patch: Parameters<typeof deliveriesRepo.mark>[3];
    if (outcome === 'gone') {
      patch = {
        status: 'DEAD',
        next_attempt_at: null,
        last_status: null,
        last_error: 'the event or webhook no longer exists',
        delivered_at: null,
        updated_at: at,
      };
    } else if (outcome.ok) {
      patch = {
        status: 'DELIVERED',
        next_attempt_at: null,
        last_status: outcome.status,
        last_error: null,
        delivered_at: at,
        updated_at: at,
      };
    } else {
      const next = new Date(
        now.getTime() + retryDelayMs(d.attempts, config.webhookRetryBaseMs, config.webhookRetryMaxMs, random()),
      );
      const dead = retryWindowExhausted(new Date(d.window_started_at), next, config.webhookRetryWindowMs);
      patch = {
        status: dead ? 'DEAD' : 'PENDING',
        next_attempt_at: dead ? null : iso(next),
        last_status: outcome.status,
        last_error: outcome.error.slice(0, MAX_ERROR_LENGTH),
        delivered_at: null,
        updated_at: at,
      };
    }
    const kept = await deliveriesRepo.mark(deps.db, d, worker, patch);
    if (!kept) {
      deps.log.warn({ deliveryId: d.id }, 'webhook delivery lease lost before marking; it will be retried');
      return;
    }
    logStateChange(d, patch);
  }

  /**
   * One warning per change of state, not per retry: when a delivery first fails in its retry window (its attempt
   * was the one due when the window started: creation, or a manual redelivery) and when it becomes DEAD. Retries
   * in between are logged at debug.
   */
  function logStateChange(d: WebhookDeliveryRow, patch: Parameters<typeof deliveriesRepo.mark>[3]): void {
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
    const claimed = await deliveriesRepo.claim(
      deps.db,
      deps.dialect,
      worker,
      iso(now),
      iso(new Date(now.getTime() + leaseMs)),
      config.webhookBatchSize,
    );
    await Promise.all(claimed.map((d) => deliver(d)));
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

  return {
    start: () => loop.start(),
    wake: () => loop.wake(),
    async stop() {
      await loop.stop();
      await deps.publisher?.close();
    },
    drain,
    fanOut,
  };
}
