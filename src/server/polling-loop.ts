/**
 * The background loop shared by the workers: run `drain` until it has nothing left, then sleep for the poll
 * interval or until woken; errors are logged and the loop goes on; `stop` lets the current round finish.
 * After consecutive failed rounds (the database away) the sleep doubles, up to {@link MAX_BACKOFF_MS}, so an outage
 * is not met with a log line per poll; the first round that succeeds goes back to the poll interval.
 */
import type { FastifyBaseLogger } from 'fastify';

/**
 * Lets timers and I/O run. SQLite calls are synchronous and Kysely's awaits resolve as microtasks, so a loop of
 * queries never gives the event loop a turn on its own: background passes call this between batches, or a long
 * pass would hold up requests (and even `listen`).
 */
export const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** The longest sleep between two failed rounds. */
export const MAX_BACKOFF_MS = 30_000;

export interface PollingLoop {
  start(): void;
  /** Runs the next round now instead of at the end of the poll interval; during a round, right after it. */
  wake(): void;
  /** Stops after the current round; resolves when the loop has exited. */
  stop(): Promise<void>;
  /** True once `stop` was called: long rounds check it between steps. */
  readonly stopping: boolean;
}

export function createPollingLoop(opts: {
  name: string;
  intervalMs: number;
  log: FastifyBaseLogger;
  drain: () => Promise<void>;
}): PollingLoop {
  let stopping = false;
  let loop: Promise<void> | undefined;
  let wakeUp: (() => void) | undefined;
  // A wake-up during a round: what woke it may have come after the round read, so the next round starts at once.
  let woken = false;

  async function run(): Promise<void> {
    let failures = 0;
    while (!stopping) {
      try {
        await yieldToEventLoop();
        woken = false;
        await opts.drain();
        if (failures > 0) opts.log.info({ failures }, `${opts.name} loop recovered`);
        failures = 0;
      } catch (err) {
        failures++;
        opts.log.error({ err, failures }, `${opts.name} loop error; retrying`);
      }
      if (stopping) break;
      if (woken && failures === 0) continue;
      const sleepMs =
        failures === 0
          ? opts.intervalMs
          : Math.min(Math.max(MAX_BACKOFF_MS, opts.intervalMs), opts.intervalMs * 2 ** failures);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, sleepMs);
        function done() {
          clearTimeout(timer);
          wakeUp = undefined;
          resolve();
        }
        wakeUp = done;
      });
    }
  }

  return {
    start() {
      loop ??= run();
    },
    wake() {
      if (wakeUp) wakeUp();
      else woken = true;
    },
    async stop() {
      stopping = true;
      wakeUp?.();
      await loop;
    },
    get stopping() {
      return stopping;
    },
  };
}
