import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startCheckpointer } from './checkpointer.ts';

describe('checkpointer', () => {
  it('reports a thread that dies, so the writer can take its checkpoints back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'verdict-checkpointer-'));
    try {
      // A file in a folder that does not exist: the thread's connection cannot open, and the thread dies.
      const failure = await new Promise<unknown>((resolve) => {
        startCheckpointer(join(dir, 'missing', 'verdict.db'), 100, resolve);
      });
      expect(failure).toBeInstanceOf(Error);
      expect(String((failure as Error).message)).toMatch(/directory does not exist|unable to open database file/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
