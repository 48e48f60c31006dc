/**
 * `verdict keys create|list|revoke`: manage the default site's API keys (plaintext shown once at creation). The
 * database must exist (see common.ts); the default site is created in it if missing, and its admin key printed once.
 */
import { type Command, InvalidArgumentError } from 'commander';
import { SCOPES, type Scope } from '../contract/index.ts';
import { migrateToLatest } from '../server/db/migrate.ts';
import { type DbDeps, systemClock } from '../server/deps.ts';
import { createApiKey, ensureDefaultSite, listApiKeys, revokeApiKey } from '../server/sites/sites.service.ts';
import {
  addConfigOptions,
  choiceOption,
  commandGroup,
  configFrom,
  EXIT,
  type Outcome,
  openExistingDatabase,
} from './common.ts';

const BESIDE_SERVER = `
Safe to run beside a running \`verdict serve\` on the same database: the server sees a new or revoked key at once.`;

/** Registers `keys` and its three subcommands on `program`. */
export function registerKeys(program: Command, outcome: Outcome): void {
  const keys = commandGroup(program, 'keys', "Create, list and revoke the default site's API keys", [
    'create',
    'list',
    'revoke',
  ]).addHelpText('after', BESIDE_SERVER);

  const create = addConfigOptions(
    keys
      .command('create')
      .description('Create an API key; its plaintext is printed once and only its hash is stored')
      .addOption(
        choiceOption('--kind <kind>', 'admin (every permission of the site) or app (the scopes given)', [
          'admin',
          'app',
        ]).makeOptionMandatory(),
      )
      .option('--name <name>', 'a label shown by `keys list` (default: "<kind> key")')
      .option(
        '--scopes <list>',
        `comma-separated scopes of an app key (default: reviews.read); known: ${SCOPES.join(', ')}`,
        parseScopes,
      )
      .option('--app-id <id>', 'the app id an app key acts as (default: a generated one)'),
    ['DATABASE_URL'],
  ).addHelpText('after', BESIDE_SERVER);
  create.action(async (opts: { kind: 'admin' | 'app'; name?: string; scopes?: string[]; appId?: string }) => {
    outcome.code = await withSite(create, async (deps, site) => {
      const scopes = opts.scopes ?? (opts.kind === 'app' ? ['reviews.read'] : []);
      const { key, row } = await createApiKey(deps, site.id, {
        kind: opts.kind,
        name: opts.name ?? `${opts.kind} key`,
        scopes: scopes as Scope[],
        appId: opts.appId ?? null,
      });
      console.log(`id:     ${row.id}\nkind:   ${row.kind}\nscopes: ${scopes.join(',') || '(all: admin)'}`);
      if (row.app_id) console.log(`app id: ${row.app_id}`);
      console.log(`key:    ${key}\nThe key is shown only this once.`);
      return EXIT.ok;
    });
  });

  const list = addConfigOptions(
    keys
      .command('list')
      .description('Print the site and its public client id, then every key: id, kind, prefix, scopes, state, name'),
    ['DATABASE_URL'],
  ).addHelpText('after', BESIDE_SERVER);
  list.action(async () => {
    outcome.code = await withSite(list, async (deps, site) => {
      // The client id is public (visitors send it to POST /oauth2/token); listing it lets an operator find it again.
      console.log(`site ${site.id}  client id ${site.client_id}`);
      for (const k of await listApiKeys(deps, site.id)) {
        const scopes = (JSON.parse(k.scopes_json) as string[]).join(',') || '-';
        console.log(
          `${k.id}  ${k.kind.padEnd(5)}  ${k.display_prefix}…  ${scopes}  ${k.revoked_at ? `revoked ${k.revoked_at}` : 'active'}  ${k.name}`,
        );
      }
      return EXIT.ok;
    });
  });

  const revoke = addConfigOptions(
    keys
      .command('revoke')
      .description('Revoke a key by its id (see `verdict keys list`); exit 1 if no active key has that id')
      .argument('<keyId>', 'the id of the key, as `keys list` prints it'),
    ['DATABASE_URL'],
  ).addHelpText('after', BESIDE_SERVER);
  revoke.action(async (id: string) => {
    outcome.code = await withSite(revoke, async (deps, site) => {
      const ok = await revokeApiKey(deps, site.id, id);
      console.log(ok ? `Revoked ${id}.` : `No active key ${id}.`);
      return ok ? EXIT.ok : EXIT.failed;
    });
  });
}

function parseScopes(value: string): string[] {
  const scopes = value.split(',').filter(Boolean);
  const unknown = scopes.filter((s) => !(SCOPES as readonly string[]).includes(s));
  if (unknown.length > 0) {
    throw new InvalidArgumentError(`unknown scopes ${unknown.join(', ')}; known: ${SCOPES.join(', ')}`);
  }
  return scopes;
}

type Site = Awaited<ReturnType<typeof ensureDefaultSite>>['site'];

/** Opens the existing database, migrates it, finds (or creates) the default site and runs `fn` on it. */
async function withSite(command: Command, fn: (deps: DbDeps, site: Site) => Promise<number>): Promise<number> {
  const database = await openExistingDatabase(configFrom(command));
  try {
    await migrateToLatest(database.db);
    const deps = { db: database.db, dialect: database.dialect, clock: systemClock };
    const { site, adminKey } = await ensureDefaultSite(deps);
    if (adminKey) {
      console.log(`Created the default site; its initial admin key: ${adminKey}`);
      console.log(`Its public client id (for POST /oauth2/token): ${site.client_id}`);
    }
    return await fn(deps, site);
  } finally {
    await database.close();
  }
}
