/**
 * Moves SQLite WAL checkpoints off the request path. A checkpoint copies committed pages from the WAL into the
 * database file and syncs both. Run by the writer (SQLite's autocheckpoint, every 1,000 pages by default), it lands
 * inside whichever commit crosses the threshold and blocks the event loop for the copy and two fsyncs: under a bulk
 * load that was most of the commit time. Here a worker thread with its own connection runs PASSIVE checkpoints,
 * every 10 ms while writes pour in and every 500 ms otherwise (checkpointer-pace.cjs), so commits only append to the
 * WAL. The writer keeps a larger autocheckpoint (see database.ts) as the bound on the WAL if this thread falls behind
 * or fails.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

export interface Checkpointer {
  /** Stops the thread after its current pass and waits until it has closed its connection. */
  stop(): Promise<void>;
}

const BUSY_INTERVAL_MS = 10;
const IDLE_INTERVAL_MS = 500;
/** New WAL frames (pages) since the last pass that mean writes are pouring in: 256 KB at the default page size. */
const BUSY_FRAMES = 64;

/**
 * Starts the checkpointer of the SQLite file at `path`, which the caller has already opened in WAL mode.
 * `onFailure` is called if the thread dies (it then does no more work; the writer's autocheckpoint takes over).
 */
export function startCheckpointer(
  path: string,
  busyTimeoutMs: number,
  onFailure: (err: unknown) => void,
): Checkpointer {
  const worker = new Worker(new URL('./checkpointer.worker.cjs', import.meta.url), {
    workerData: {
      path,
      driver: createRequire(import.meta.url).resolve('better-sqlite3'),
      busyTimeoutMs,
      busyIntervalMs: BUSY_INTERVAL_MS,
      idleIntervalMs: IDLE_INTERVAL_MS,
      busyFrames: BUSY_FRAMES,
    },
    // The thread allocates almost nothing; small heaps keep its share of the server's memory to a few MB.
    resourceLimits: { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 8 },
  });
  // The thread never keeps the process alive on its own.
  worker.unref();
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.once('error', onFailure);
  return {
    async stop() {
      // Held until the thread has closed its connection, so the writer's close is the last and removes the WAL.
      worker.ref();
      worker.postMessage('stop');
      await exited;
    },
  };
}
