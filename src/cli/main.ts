/**
 * `verdict <command>`: serve, migrate, keys, import, export. Each command lives in its own file; this one only dispatches.
 */
import { ConfigError } from '../server/config.ts';

const USAGE = `Usage: verdict <command>

Commands:
  serve                      Start the HTTP server (runs migrations first)
  migrate                    Apply pending database migrations and exit
  keys create --kind admin|app [--name N] [--scopes a,b] [--app-id ID]
  keys list
  keys revoke <keyId>
  import FILE [--format F] [--namespace NS] [--dry-run] [--json]
                             Import reviews from a CSV or JSON export (formats: verdict, wix, judgeme,
                             yotpo, woocommerce, shopify); re-running the same file creates nothing new
  export [--format ndjson|csv] [--out FILE]
                             Write the live reviews in Verdict's import format
  demo-seed                  Sample reviews on the default site's demo product (shown at /demo)

Configuration comes from the environment (see README: DATABASE_URL, PORT, ...).`;

// Loaded on demand: `keys` and `migrate` should not pay for importing the HTTP server.
const COMMANDS: Record<string, (args: string[]) => Promise<number>> = {
  serve: async (args) => (await import('./serve.ts')).serveCommand(args),
  migrate: async (args) => (await import('./migrate.ts')).migrateCommand(args),
  keys: async (args) => (await import('./keys.ts')).keysCommand(args),
  import: async (args) => (await import('./import.ts')).importCommand(args),
  export: async (args) => (await import('./export.ts')).exportCommand(args),
  'demo-seed': async (args) => (await import('./demo.ts')).demoSeedCommand(args),
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const command = name ? COMMANDS[name] : undefined;
  if (!command) {
    console.error(USAGE);
    return name === undefined || name === 'help' || name === '--help' ? 0 : 2;
  }
  return command(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0 || process.argv[2] !== 'serve') process.exit(code);
  },
  (err: unknown) => {
    if (err instanceof ConfigError) {
      console.error(err.message);
    } else {
      console.error(
        err instanceof Error
          ? `verdict: ${err.message}${err.cause instanceof Error ? `: ${err.cause.message}` : ''}`
          : err,
      );
    }
    process.exit(1);
  },
);
