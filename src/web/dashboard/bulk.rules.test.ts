import { describe, expect, it } from 'vitest';
import type { Job } from '../../contract/index.ts';
import { barState } from './bulk.rules.ts';

const job = (over: Partial<Job>): Job => ({
  id: 'j',
  kind: 'IMPORT_REVIEWS',
  status: 'RUNNING',
  processed: 0,
  succeeded: 0,
  failed: 0,
  createdDate: '2026-01-01T00:00:00.000Z',
  updatedDate: '2026-01-01T00:00:00.000Z',
  ...over,
});

describe('the progress bar of a job', () => {
  it('measures an import by its own total, the bytes of its upload, as a whole percentage', () => {
    expect(barState(job({ progress: { unit: 'BYTES', done: 0, total: 3000 } }), 0)).toEqual({
      value: 0,
      max: 3000,
      percent: 0,
    });
    expect(barState(job({ processed: 500, progress: { unit: 'BYTES', done: 1999, total: 3000 } }), 0)).toEqual({
      value: 1999,
      max: 3000,
      percent: 66,
    });
    // Full once completed, whatever the last reading said.
    const completed = job({ status: 'COMPLETED', progress: { unit: 'BYTES', done: 2500, total: 3000 } });
    expect(barState(completed, 0)).toEqual({ value: 3000, max: 3000, percent: 100 });
  });

  it('measures a bulk job against the count taken before it started, and knows no percentage without one', () => {
    expect(barState(job({ kind: 'BULK_MODERATE_REVIEWS', processed: 250 }), 1000)).toEqual({
      value: 250,
      max: 1000,
      percent: 25,
    });
    expect(barState(job({ kind: 'BULK_MODERATE_REVIEWS', status: 'COMPLETED', processed: 1000 }), 1000).percent).toBe(
      100,
    );
    expect(barState(undefined, 0)).toEqual({ value: 0, max: 1, percent: undefined });
    expect(barState(job({ processed: 40 }), 0).percent).toBeUndefined();
  });
});
