/**
 * The optional JetStream publisher (NATS_URL): one connection per worker, opened on first use and reopened after
 * it closes, with the stream (subjects `verdict.>`) created when missing. Each event is published with its id as
 * `Nats-Msg-Id`, so a retry inside the stream's duplicate window is dropped by the server.
 */
import type { JetStreamClient, NatsConnection } from 'nats';

export interface EventPublisher {
  /** Resolves once JetStream acknowledged the message; throws otherwise. */
  publish(subject: string, body: string, msgId: string, timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

export function createNatsPublisher(url: string, stream: string): EventPublisher {
  let conn: Promise<{ nc: NatsConnection; js: JetStreamClient }> | undefined;

  async function open(): Promise<{ nc: NatsConnection; js: JetStreamClient }> {
    const { connect } = await import('nats');
    const nc = await connect({ servers: url, name: 'verdict', reconnect: true, maxReconnectAttempts: -1 });
    try {
      const jsm = await nc.jetstreamManager();
      try {
        await jsm.streams.info(stream);
      } catch {
        await jsm.streams.add({ name: stream, subjects: ['verdict.>'] });
      }
      return { nc, js: nc.jetstream() };
    } catch (err) {
      await nc.close();
      throw err;
    }
  }

  async function client(): Promise<JetStreamClient> {
    if (conn) {
      const c = await conn.catch(() => undefined);
      if (c && !c.nc.isClosed()) return c.js;
    }
    conn = open();
    conn.catch(() => undefined);
    return (await conn).js;
  }

  return {
    async publish(subject, body, msgId, timeoutMs) {
      const js = await client();
      await js.publish(subject, new TextEncoder().encode(body), { msgID: msgId, timeout: timeoutMs });
    },
    async close() {
      const c = await conn?.catch(() => undefined);
      conn = undefined;
      if (c && !c.nc.isClosed()) await c.nc.drain();
    },
  };
}
