/** `verdict keys create|list|revoke`: manage the default site's API keys (plaintext shown once at creation). */
import { parseArgs } from 'node:util';
import { SCOPES, type Scope } from '../contract/index.ts';
import { loadConfig } from '../server/config.ts';
import { openDatabase } from '../server/db/database.ts';
import { migrateToLatest } from '../server/db/migrate.ts';
import { createApiKey, ensureDefaultSite, listApiKeys, revokeApiKey } from '../server/sites/sites.service.ts';

export async function keysCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      kind: { type: 'string' },
      name: { type: 'string' },
      scopes: { type: 'string' },
      'app-id': { type: 'string' },
    },
  });
  const config = loadConfig();
  const database = openDatabase(config.databaseUrl);
  try {
    await migrateToLatest(database.db);
    const deps = { db: database.db, dialect: database.dialect, clock: () => new Date() };
    const { site, adminKey } = await ensureDefaultSite(deps);
    if (adminKey) {
      console.log(`Created the default site; its initial admin key: ${adminKey}`);
      console.log(`Its public client id (for POST /oauth2/token): ${site.client_id}`);
    }
    switch (sub) {
      case 'create': {
        const kind = values.kind;
        if (kind !== 'admin' && kind !== 'app') {
          console.error('keys create: --kind must be admin or app');
          return 2;
        }
        const scopes = (values.scopes ?? (kind === 'app' ? 'reviews.read' : '')).split(',').filter(Boolean);
        const unknown = scopes.filter((s) => !(SCOPES as readonly string[]).includes(s));
        if (unknown.length > 0) {
          console.error(`keys create: unknown scopes ${unknown.join(', ')}; known: ${SCOPES.join(', ')}`);
          return 2;
        }
        const { key, row } = await createApiKey(deps, site.id, {
          kind,
          name: values.name ?? `${kind} key`,
          scopes: scopes as Scope[],
          appId: values['app-id'] ?? null,
        });
        console.log(`id:     ${row.id}\nkind:   ${row.kind}\nscopes: ${scopes.join(',') || '(all: admin)'}`);
        if (row.app_id) console.log(`app id: ${row.app_id}`);
        console.log(`key:    ${key}\nThe key is shown only this once.`);
        return 0;
      }
      case 'list': {
        // The client id is public (visitors send it to POST /oauth2/token); listing it lets an operator find it again.
        console.log(`site ${site.id}  client id ${site.client_id}`);
        for (const k of await listApiKeys(deps, site.id)) {
          const scopes = (JSON.parse(k.scopes_json) as string[]).join(',') || '-';
          console.log(
            `${k.id}  ${k.kind.padEnd(5)}  ${k.display_prefix}…  ${scopes}  ${k.revoked_at ? `revoked ${k.revoked_at}` : 'active'}  ${k.name}`,
          );
        }
        return 0;
      }
      case 'revoke': {
        const id = positionals[0];
        if (!id) {
          console.error('keys revoke: give the key id (see `verdict keys list`)');
          return 2;
        }
        const ok = await revokeApiKey(deps, site.id, id);
        console.log(ok ? `Revoked ${id}.` : `No active key ${id}.`);
        return ok ? 0 : 1;
      }
      default:
        console.error('Usage: verdict keys create|list|revoke');
        return 2;
    }
  } finally {
    await database.close();
  }
}
