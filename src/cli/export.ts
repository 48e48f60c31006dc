/**
 * `verdict export`: the default site's live reviews in Verdict's import format, NDJSON (default) or CSV, or its
 * published reviews as a Google product review feed, to stdout or `--out FILE`. `verdict import` reads the first two
 * back with `--format verdict`.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { loadConfig } from '../server/config.ts';
import { openDatabase } from '../server/db/database.ts';
import { migrateToLatest } from '../server/db/migrate.ts';
import { EXPORT_FORMATS, type ExportFormat, exportReviews } from '../server/imports/export.service.ts';
import { ensureDefaultSite } from '../server/sites/sites.service.ts';

const USAGE = `Usage: verdict export [--format ${EXPORT_FORMATS.join('|')}] [--out FILE]
       (google: --publisher NAME --product-url 'https://shop.example/products/{entityId}')`;

export async function exportCommand(args: string[]): Promise<number> {
  let values: { format?: string; out?: string; publisher?: string; 'product-url'?: string };
  try {
    ({ values } = parseArgs({
      args,
      options: {
        format: { type: 'string' },
        out: { type: 'string' },
        publisher: { type: 'string' },
        'product-url': { type: 'string' },
      },
    }));
  } catch (err) {
    console.error(`export: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const format = (values.format ?? 'ndjson') as ExportFormat;
  const feed =
    values.publisher && values['product-url'] ? { publisher: values.publisher, productUrl: values['product-url'] } : undefined;
  if (!EXPORT_FORMATS.includes(format) || (format === 'google' && !feed)) {
    console.error(USAGE);
    return 2;
  }
  const config = loadConfig();
  const database = openDatabase(config.databaseUrl);
  try {
    await migrateToLatest(database.db);
    const deps = { db: database.db, dialect: database.dialect, clock: () => new Date() };
    const { site } = await ensureDefaultSite(deps);
    const out = values.out ? createWriteStream(values.out) : process.stdout;
    for await (const text of exportReviews(deps, site.id, format, feed)) {
      if (!out.write(text)) await once(out, 'drain');
    }
    if (out !== process.stdout) {
      out.end();
      await once(out, 'finish');
    }
    return 0;
  } finally {
    await database.close();
  }
}
