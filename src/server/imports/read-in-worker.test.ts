import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ImportRow, readImport } from './import.formats.ts';
import { readImportInWorker } from './read-in-worker.ts';

describe('readImportInWorker', () => {
  let dir: string;
  let file: string;
  const ROWS = 5_000;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'verdict-import-'));
    file = join(dir, 'reviews.ndjson');
    const lines = Array.from({ length: ROWS }, (_, i) =>
      i === 1234
        ? '{"entityId": "broken"'
        : JSON.stringify({
            entityId: `p-${i % 7}`,
            content: { rating: (i % 5) + 1, title: `T${i}` },
            reviewDate: '2024-01-02T03:04:05Z',
          }),
    );
    writeFileSync(file, `${lines.join('\n')}\n`);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const collect = async (rows: AsyncIterable<ImportRow>) => {
    const out: ImportRow[] = [];
    for await (const r of rows) out.push(r);
    return out;
  };

  it('yields exactly what readImport yields for the file, in order, errors included', async () => {
    const options = { format: 'verdict' as const, namespace: 'stores' };
    const { createReadStream } = await import('node:fs');
    const direct = await collect(readImport(createReadStream(file), options));
    const viaWorker = await collect(readImportInWorker(file, options));
    expect(viaWorker).toHaveLength(ROWS);
    expect(viaWorker).toEqual(direct);
    expect(viaWorker[1234]).toMatchObject({ ok: false, error: { line: 1235 } });
  });

  it('tells how many bytes of the file were read before each batch is handed on, up to the whole file', async () => {
    const { statSync } = await import('node:fs');
    const size = statSync(file).size;
    const heard: { bytes: number; rowsBefore: number }[] = [];
    let rows = 0;
    for await (const _ of readImportInWorker(file, { format: 'verdict', namespace: 'stores' }, (bytes) =>
      heard.push({ bytes, rowsBefore: rows }),
    )) {
      rows++;
    }
    expect(rows).toBe(ROWS);
    // One reading per batch of 500 rows, before its rows: never decreasing, part of the file along the way, the
    // whole of it at the end.
    expect(heard.map((h) => h.rowsBefore)).toEqual(Array.from({ length: ROWS / 500 + 1 }, (_, i) => i * 500));
    const bytes = heard.map((h) => h.bytes);
    expect(bytes).toEqual([...bytes].sort((a, b) => a - b));
    expect(bytes[0]).toBeGreaterThan(0);
    expect(bytes[0]).toBeLessThan(size);
    expect(new Set(bytes).size).toBeGreaterThan(2);
    expect(bytes.at(-1)).toBe(size);
  });

  it('stops the reader when the consumer stops early', async () => {
    let n = 0;
    for await (const _ of readImportInWorker(file, { format: 'verdict', namespace: 'stores' })) {
      if (++n === 10) break;
    }
    expect(n).toBe(10);
  });

  it('rethrows what stops the reader, as the same kind of error', async () => {
    await expect(collect(readImportInWorker(file, { format: 'judgeme', namespace: 'n'.repeat(100) }))).rejects.toThrow(
      RangeError,
    );
    await expect(
      collect(readImportInWorker(join(dir, 'missing.csv'), { format: 'judgeme', namespace: 'stores' })),
    ).rejects.toThrow(/ENOENT/);
  });
});
