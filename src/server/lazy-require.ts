/**
 * A CommonJS package loaded on first use instead of when the server starts, for callers that must stay synchronous.
 * The PostgreSQL driver, the Redis client and the XML writer of one export format serve only some configurations
 * (so does the NATS client, which its asynchronous connect imports dynamically); imported up front, the four cost
 * every server about 12 MB of heap that a SQLite server without Redis or NATS never uses (docs/performance.md,
 * Round 16). The modules stay typed through `import type`.
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
