/**
 * What the progress bar of a job shows: how far it is, against what, and in words. An import job knows its own total
 * (`job.progress`, bytes of its upload read), so it shows a percentage; a bulk job is measured against the count its
 * caller took before starting it. Pure.
 */
import type { Job } from '../../contract/index.ts';

export interface BarState {
  value: number;
  max: number;
  /** Whole percent, when the total is known. */
  percent: number | undefined;
}

/**
 * The bar of `job` (undefined before its first reading), against `total` when the job does not know its own. A
 * finished job's bar is full (a failed one says so in words).
 */
export function barState(job: Job | undefined, total: number): BarState {
  const done = job?.status === 'COMPLETED' || job?.status === 'FAILED';
  const own = job?.progress;
  if (own && own.total > 0) {
    const value = done ? own.total : Math.min(own.done, own.total);
    return { value, max: own.total, percent: Math.floor((value * 100) / own.total) };
  }
  const max = Math.max(total, job?.processed ?? 0, 1);
  const value = done ? max : Math.min(job?.processed ?? 0, max);
  return { value, max, percent: total > 0 ? Math.floor((value * 100) / max) : undefined };
}
