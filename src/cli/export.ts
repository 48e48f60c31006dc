/**
 * `verdict export`: the default site's live reviews in Verdict's import format, NDJSON (default) or CSV, or its
 * published reviews as a Google product review feed, to stdout or `--out FILE`. `verdict import` reads the first two
 * back with `--format verdict`.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import type { Command } from 'commander';
import { migrateToLatest } from '../server/db/migrate.ts';
import { systemClock } from '../server/deps.ts';
import { EXPORT_FORMATS, type ExportFormat, exportReviews } from '../server/imports/export.service.ts';
import { ensureDefaultSite } from '../server/sites/sites.service.ts';
import {
  addConfigOptions,
  choiceOption,
  configFrom,
  EXIT,
  type Outcome,
  openExistingDatabase,
  usageError,
} from './common.ts';

interface ExportFlags {
  format: ExportFormat;
  out?: string;
  publisher?: string;
  productUrl?: string;
}

/** Registers `export` on `program`. */
export function registerExport(program: Command, outcome: Outcome): void {
  const command = addConfigOptions(
    program
      .command('export')
      .description(
        "Write the default site's reviews: live ones in Verdict's import format, or published ones as a Google feed",
      )
      .addOption(
        choiceOption(
          '--format <format>',
          "ndjson or csv: Verdict's import format; google: Google product review feed (XML)",
          EXPORT_FORMATS,
        ).default('ndjson'),
      )
      .option('--out <file>', 'write to this file instead of stdout')
      .option('--publisher <name>', 'google: the shop name the feed is published under (required with google)')
      .option(
        '--product-url <template>',
        "google: the product page, {entityId} and {namespace} replaced, e.g. 'https://shop.example/products/{entityId}' (required with google)",
      ),
    ['DATABASE_URL'],
  ).addHelpText(
    'after',
    `
Safe beside a running \`verdict serve\`: reviews are read a thousand at a time.`,
  );
  command.action(async (flags: ExportFlags) => {
    if (flags.format === 'google' && !(flags.publisher && flags.productUrl)) {
      usageError(command, '--format google needs --publisher and --product-url');
    }
    const feed =
      flags.format === 'google' && flags.publisher && flags.productUrl
        ? { publisher: flags.publisher, productUrl: flags.productUrl }
        : undefined;
    const database = await openExistingDatabase(configFrom(command));
    try {
      await migrateToLatest(database.db);
      const deps = { db: database.db, dialect: database.dialect, clock: systemClock };
      const { site } = await ensureDefaultSite(deps);
      const out = flags.out ? createWriteStream(flags.out) : process.stdout;
      for await (const text of exportReviews(deps, site.id, flags.format, feed)) {
        if (!out.write(text)) await once(out, 'drain');
      }
      if (out !== process.stdout) {
        out.end();
        await once(out, 'finish');
      }
      outcome.code = EXIT.ok;
    } finally {
      await database.close();
    }
  });
}
