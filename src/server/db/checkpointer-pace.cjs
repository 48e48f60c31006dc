'use strict';
/**
 * When the background checkpointer (checkpointer.worker.cjs) runs its next pass. Plain CommonJS, a module of its own
 * so that the rule can be tested without starting the thread.
 *
 * `log` is the WAL's frame count the pass just reported, `lastLog` the previous pass's. Many new frames since then
 * mean writes are pouring in: come back soon, so each pass copies little. Otherwise (a trickle) the next pass can wait.
 * A WAL that started over since the last pass holds only new frames, so all of them count: read as a drop in the
 * count, it once left the checkpointer idle for its long interval right after every start-over, and a write load
 * then piled up that interval's frames (50–60 MB in the measured runs) for one pass to copy.
 */
function nextPassInMs(log, lastLog, { busyFrames, busyIntervalMs, idleIntervalMs }) {
  const added = log < lastLog ? log : log - lastLog;
  return added >= busyFrames ? busyIntervalMs : idleIntervalMs;
}

module.exports = { nextPassInMs };
