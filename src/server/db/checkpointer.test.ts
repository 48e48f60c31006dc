import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startCheckpointer } from './checkpointer.ts';

const { nextPass } = createRequire(import.meta.url)('./checkpointer-pace.cjs') as {
  nextPass(log: number, lastLog: number, pace: Pace): { inMs: number; log: number };
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
      expect(nextPass(5_064, 5_000, pace)).toEqual({ inMs: 10, log: 5_064 });
      expect(nextPass(5_063, 5_000, pace)).toEqual({ inMs: 500, log: 5_063 });
      expect(nextPass(5_000, 5_000, pace)).toEqual({ inMs: 500, log: 5_000 });
    });

    it('comes back soon after the WAL started over, however few frames it holds yet', () => {
      // The WAL held 60,000 frames at the last pass and started over: the new one may hold only what was written since.
      expect(nextPass(3_000, 60_000, pace)).toEqual({ inMs: 10, log: 3_000 });
      expect(nextPass(20, 60_000, pace)).toEqual({ inMs: 10, log: 20 });
      expect(nextPass(0, 60_000, pace)).toEqual({ inMs: 10, log: 0 });
      // The pass after that judges by what it finds.
      expect(nextPass(30, 20, pace)).toEqual({ inMs: 500, log: 30 });
      expect(nextPass(3_000, 20, pace)).toEqual({ inMs: 10, log: 3_000 });
    });

    it('comes back soon after a pass another checkpoint kept from running, and keeps the last count', () => {
      // SQLite reports -1 frames when the checkpoint lock is held (the writer's own checkpoint at its bound).
      expect(nextPass(-1, 60_000, pace)).toEqual({ inMs: 10, log: 60_000 });
      expect(nextPass(60_100, 60_000, pace)).toEqual({ inMs: 10, log: 60_100 });
    });
  });
});
