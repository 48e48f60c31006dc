/** `verdict serve`: start the server; SIGTERM/SIGINT shut it down gracefully. */
import { loadConfig } from '../server/config.ts';
import { startServer } from '../server/main.ts';

export async function serveCommand(_args: string[]): Promise<number> {
  const config = loadConfig();
  const server = await startServer(config);
  const stop = (signal: string) => {
    server.ctx.app.log.info({ signal }, 'shutting down');
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        server.ctx.app.log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  return 0;
}
