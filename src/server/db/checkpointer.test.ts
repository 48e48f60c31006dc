import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startCheckpointer } from './checkpointer.ts';

const { nextPassInMs } = createRequire(import.meta.url)('./checkpointer-pace.cjs') as {
  nextPassInMs(log: number, lastLog: number, pace: Pace): number;
};
interface Pace {
  busyFrames: number;
  busyIntervalMs: number;
  idleIntervalMs: number;
}
const pace: Pace = { busyFrames: 64, busyIntervalMs: 10, idleIntervalMs: 500 };

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

  describe('pace', () => {
    it('comes back soon while frames pour in, and waits while they trickle', () => {
      expect(nextPassInMs(5_064, 5_000, pace)).toBe(10);
      expect(nextPassInMs(5_063, 5_000, pace)).toBe(500);
      expect(nextPassInMs(5_000, 5_000, pace)).toBe(500);
    });

    it('counts every frame of a WAL that started over since the last pass as new', () => {
      // The WAL held 60,000 frames at the last pass, started over, and has 3,000 new ones: writes are pouring in.
      expect(nextPassInMs(3_000, 60_000, pace)).toBe(10);
      expect(nextPassInMs(63, 60_000, pace)).toBe(500);
      expect(nextPassInMs(0, 60_000, pace)).toBe(500);
    });
  });
});
