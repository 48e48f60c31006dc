'use strict';
/**
 * When the background checkpointer (checkpointer.worker.cjs) runs its next pass. Plain CommonJS, a module of its own
 * so that the rule can be tested without starting the thread.
 *
 * `log` is the WAL's frame count the pass just reported (`wal_checkpoint(PASSIVE)`), `lastLog` the one the rule
 * returned last time. Many new frames since then mean writes are pouring in: come back soon, so each pass copies
 * little. Otherwise (a trickle) the next pass can wait. Two cases once sent the checkpointer to its long interval in
 * the middle of a write load, and a write load then piled up that interval's frames (50–110 MB in the measured runs)
 * for one pass to copy:
 * - a WAL that started over since the last pass: the count dropped, and the new WAL may hold only the few frames
 *   written since. Come back soon, and let the next pass judge by what it finds;
 * - a pass that could not run reports -1: another checkpoint held the lock, which under writes is the writer's own at
 *   its bound, just before the WAL starts over. Come back soon, and keep the last count.
 * Under a trickle of writes the first costs one more pass after each start-over.
 */
function nextPass(log, lastLog, { busyFrames, busyIntervalMs, idleIntervalMs }) {
  if (log < 0) return { inMs: busyIntervalMs, log: lastLog };
  if (log < lastLog) return { inMs: busyIntervalMs, log };
  return { inMs: log - lastLog >= busyFrames ? busyIntervalMs : idleIntervalMs, log };
}

module.exports = { nextPass };
