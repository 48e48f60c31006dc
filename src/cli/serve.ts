/** `verdict serve`: start the server; SIGTERM/SIGINT shut it down gracefully. Every setting is also a flag. */
import type { Command } from 'commander';
import { addConfigOptions, configFrom, type Outcome } from './common.ts';

/** Registers `serve` on `program`, with one flag per configuration key (CONFIG_KEYS). */
export function registerServe(program: Command, outcome: Outcome): void {
  const serve = addConfigOptions(
    program
      .command('serve')
      .description('Start the HTTP server: creates the database if missing, runs migrations, then serves'),
  ).addHelpText(
    'after',
    `
Each flag overrides its environment variable (README: Configuration). On the first start the default site is
created and its admin key printed once. SIGTERM or SIGINT stops the server gracefully (exit 0).
Run only one server per SQLite file; the other commands may run beside it.`,
  );
  serve.action(async () => {
    const config = configFrom(serve);
    // Loaded here: the other commands should not pay for importing the HTTP server.
    const { startServer } = await import('../server/main.ts');
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
    outcome.serving = true;
  });
}
