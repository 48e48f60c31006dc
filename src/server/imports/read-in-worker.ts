/**
 * `readImport` of a file on a worker thread, as an async iterable for the importing thread: reading, JSON or CSV
 * parsing and validation (about a quarter of an import's CPU) run beside the database writes instead of between
 * them. At most `AHEAD` batches wait in memory.
 */
import { Worker } from 'node:worker_threads';
import type { ImportRow, ParseOptions } from './import.formats.ts';
import type { ReaderData, ReaderMessage } from './import.worker.ts';

const BATCH = 500;
const AHEAD = 4;

/**
 * The worker: the `import-worker.js` entry of the build (scripts/build.mjs), which sits beside every chunk in
 * `dist/`; or, when running from source, the module next to this one, loaded through tsx registered in the worker
 * (loader hooks are per thread).
 */
function startWorker(workerData: ReaderData): Worker {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new Worker(new URL('./import-worker.js', here), { workerData });
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const module = JSON.stringify(new URL('./import.worker.ts', here).href);
  return new Worker(`import(${tsx}).then((tsx) => { tsx.register(); return import(${module}); });`, {
    eval: true,
    workerData,
  });
}

/**
 * The rows of the file at `path`, read on a worker thread. `onBytes`, if given, hears how many bytes of the file had
 * been read when each batch was complete, just before that batch's rows are handed on.
 */
export async function* readImportInWorker(
  path: string,
  options: ParseOptions,
  onBytes?: (bytes: number) => void,
): AsyncGenerator<ImportRow> {
  const worker = startWorker({ path, options, batchSize: BATCH });
  const queue: ReaderMessage[] = [];
  let failure: Error | undefined;
  let finished = false;
  let wake: (() => void) | undefined;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  worker.on('message', (m: ReaderMessage) => {
    queue.push(m);
    notify();
  });
  worker.on('error', (err) => {
    failure = err;
    notify();
  });
  worker.on('exit', (code) => {
    if (!finished) failure ??= new Error(`the import reader stopped (exit code ${code})`);
    notify();
  });
  worker.postMessage(AHEAD);
  try {
    for (;;) {
      const next = queue.shift();
      if (!next) {
        if (failure) throw failure;
        await new Promise<void>((resolve) => (wake = resolve));
        continue;
      }
      if ('error' in next) {
        const err = next.name === 'RangeError' ? new RangeError(next.error) : new Error(next.error);
        throw err;
      }
      if (next.done) finished = true;
      else worker.postMessage(1);
      onBytes?.(next.bytes);
      yield* next.rows;
      if (next.done) return;
    }
  } finally {
    finished = true;
    await worker.terminate();
  }
}
