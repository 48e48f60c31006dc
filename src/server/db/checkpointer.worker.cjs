'use strict';
/**
 * The background checkpointer's thread (see checkpointer.ts): its own connection to the SQLite file, copying
 * committed WAL frames into the database with PASSIVE checkpoints, which never wait for the writer or readers.
 * Plain CommonJS because a worker thread does not inherit the TypeScript loader of the main thread.
 */
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const { nextPass } = require('./checkpointer-pace.cjs');

const db = new Database(workerData.path);
db.pragma(`busy_timeout = ${workerData.busyTimeoutMs}`);
// The checkpointing connection's setting decides the syncs: NORMAL syncs the WAL before its frames are copied and
// the database file after, as the writer's own checkpoints would. A checkpoint reads pages once: a small cache will do.
db.pragma('synchronous = NORMAL');
db.pragma('cache_size = -1024');

let stopped = false;
let timer;
let lastLog = 0;

function pass() {
  timer = undefined;
  if (stopped) return;
  let next = workerData.idleIntervalMs;
  try {
    const r = db.pragma('wal_checkpoint(PASSIVE)')[0];
    const pace = nextPass(r === undefined ? 0 : r.log, lastLog, workerData);
    next = pace.inMs;
    lastLog = pace.log;
  } catch {
    // SQLITE_BUSY and the like: the writer's own autocheckpoint still bounds the WAL; try again later.
  }
  timer = setTimeout(pass, next);
}

parentPort.on('message', (m) => {
  if (m !== 'stop') return;
  stopped = true;
  if (timer) clearTimeout(timer);
  db.close();
  parentPort.close();
});

pass();
