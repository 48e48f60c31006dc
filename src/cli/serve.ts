/** `verdict serve`: start the server; SIGTERM/SIGINT shut it down gracefully. Every setting is also a flag. */
import { setFlagsFromString } from 'node:v8';
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
    boundHeapGrowth(config.heapGrowthPercent);
    // Loaded here: the other commands should not pay for importing the HTTP server.
    const { startServer } = await import('../server/main.ts');
    const server = await startServer(config);
    // Logged because nothing else shows that the bound is in force (a V8 flag set at run time is not in execArgv).
    server.ctx.app.log.info({ heapGrowthPercent: config.heapGrowthPercent }, 'JavaScript heap growth bound');
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

/**
 * Makes V8 run its next full collection once the heap has grown by `percent` over what the last one kept (0 leaves
 * V8's own factor). V8 sizes that factor from the heap limit, which Node derives from the machine's memory: on a large
 * machine it lets the heap grow to four times the live data, so a server with about 70 MB live peaked near 180 MB of
 * heap under load (docs/performance.md, Round 5). Unlike a heap limit this bounds no allocation: an import upload
 * held in memory still fits. Only `serve` sets it; the CLI commands (imports among them) keep V8's defaults.
 */
function boundHeapGrowth(percent: number): void {
  // Read by V8 at each full collection, so setting it after start takes effect.
  if (percent > 0) setFlagsFromString(`--heap-growing-percent=${percent}`);
}
