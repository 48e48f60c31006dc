/**
 * The reading side of `verdict import` on a thread of its own (started by read-in-worker.ts): reads and validates the
 * file and posts the rows in batches, at most as many batches ahead as the importing thread has asked for.
 */
import { createReadStream } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { type ImportRow, type ParseOptions, readImport } from './import.formats.ts';

export interface ReaderData {
  path: string;
  options: ParseOptions;
  batchSize: number;
}

/**
 * What the reader posts: a batch of rows (the last one with `done`) with the bytes of the file read when it was
 * complete, or why reading stopped.
 */
export type ReaderMessage = { rows: ImportRow[]; done: boolean; bytes: number } | { error: string; name: string };

const port = parentPort;
if (!port) throw new Error('import.worker.ts runs as a worker thread');
const { path, options, batchSize } = workerData as ReaderData;

let credit = 0;
let wake: (() => void) | undefined;
port.on('message', (n: number) => {
  credit += n;
  wake?.();
  wake = undefined;
});

async function post(message: ReaderMessage): Promise<void> {
  while (credit === 0) await new Promise<void>((resolve) => (wake = resolve));
  credit--;
  port?.postMessage(message);
}

try {
  let rows: ImportRow[] = [];
  const file = createReadStream(path);
  for await (const row of readImport(file, options)) {
    rows.push(row);
    if (rows.length >= batchSize) {
      // The stream reads ahead of the parser by at most one chunk (64 KiB): close enough for a progress bar.
      await post({ rows, done: false, bytes: file.bytesRead });
      rows = [];
    }
  }
  await post({ rows, done: true, bytes: file.bytesRead });
} catch (err) {
  port.postMessage({
    error: err instanceof Error ? err.message : String(err),
    name: err instanceof Error ? err.name : 'Error',
  });
}
