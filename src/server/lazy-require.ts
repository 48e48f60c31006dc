/**
 * A CommonJS package loaded on first use instead of when the server starts. The PostgreSQL driver, the Redis and NATS
 * clients and the XML writer of one export format serve only some configurations; imported up front they cost every
 * server about 12 MB of heap that a SQLite server without Redis or NATS never uses (docs/performance.md, Round 16).
 * The modules stay typed through `import type`.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export function lazyRequire<T>(id: string): () => T {
  let loaded: T | undefined;
  return () => {
    loaded ??= require(id) as T;
    return loaded;
  };
}
