/**
 * `verdict import FILE`: reviews from another platform's export (or Verdict's own format) into the default site.
 * Every row error is printed with its line on stderr as it is found; progress goes to stderr when it is a terminal
 * (import-progress.ts); the reconciliation report goes to stdout (`--json` for a machine-readable one). Exit code 0
 * when every row was imported or already there, 1 when some rows failed, 2 for a usage error.
 */
import { access, open, stat } from 'node:fs/promises';
import { freemem } from 'node:os';
import { type Command, Option } from 'commander';
import { sql } from 'kysely';
import { migrateToLatest } from '../server/db/migrate.ts';
import { systemClock } from '../server/deps.ts';
import { IMPORT_FORMATS, type ImportFormat, type RowError } from '../server/imports/import.formats.ts';
import type { ImportReport } from '../server/imports/import.service.ts';
import { ensureDefaultSite } from '../server/sites/sites.service.ts';
import { addConfigOptions, choiceOption, configFrom, EXIT, type Outcome, openExistingDatabase } from './common.ts';

interface ImportFlags {
  format: ImportFormat;
  namespace: string;
  dryRun?: boolean;
  json?: boolean;
  rebuildIndexes?: boolean;
  keepIndexes?: boolean;
  events?: boolean;
}

/** Registers `import` on `program`. */
export function registerImport(program: Command, outcome: Outcome): void {
  const command = addConfigOptions(
    program
      .command('import')
      .description(
        'Import reviews from a CSV, JSON or NDJSON export into the default site; importing the same file again creates nothing new',
      )
      .argument('<file>', 'the export to read (CSV, JSON array or NDJSON; the syntax is detected)')
      .addOption(
        choiceOption('--format <format>', 'the platform that wrote the file', IMPORT_FORMATS).default('verdict'),
      )
      .option('--namespace <ns>', 'the namespace of reviews whose file does not name one', 'stores')
      .option('--dry-run', 'check every row and report, writing nothing')
      .option('--json', 'print the report as JSON')
      .option(
        '--events',
        'emit a created event for each imported review (webhooks, NATS, the event feed); off by default',
      )
      .addOption(
        new Option(
          '--rebuild-indexes',
          'drop the review indexes, append, build them again (default when the file is not much smaller than the database)',
        ).conflicts('keepIndexes'),
      )
      .addOption(
        new Option('--keep-indexes', 'write a thousand rows per transaction with the indexes in place').conflicts(
          'rebuildIndexes',
        ),
      ),
    ['DATABASE_URL'],
  ).addHelpText(
    'after',
    `
Row errors go to stderr, each with its line; the report to stdout. Exit 0 when every row is in Verdict, 1 when some
failed, 2 for a usage error. Progress (rate, ETA) is shown on stderr when it is a terminal.
Safe beside a running \`verdict serve\`. On SQLite an index rebuild holds the write lock until it commits, so the
server's writes wait (and fail after its 5 s busy timeout); on PostgreSQL it locks the reviews table, so the
server's reads of reviews wait too. An SQLite rebuild with no server running commits through a rollback journal;
a server started meanwhile fails to open the file until the import ends. Run large imports while the shop is quiet, or use --keep-indexes.`,
  );
  command.action(async (file: string, flags: ImportFlags) => {
    try {
      await access(file);
    } catch {
      console.error(`import: cannot read ${file}`);
      outcome.code = EXIT.usage;
      return;
    }
    outcome.code = await runImport(command, file, flags);
  });
}

async function runImport(command: Command, file: string, flags: ImportFlags): Promise<number> {
  // Loaded here, not with the declaration: every command (serve too) declares import, few run it.
  const [{ importReviews }, { readImportInWorker }, { importProgress }] = await Promise.all([
    import('../server/imports/import.service.ts'),
    import('../server/imports/read-in-worker.ts'),
    import('./import-progress.ts'),
  ]);
  const database = await openExistingDatabase(configFrom(command));
  try {
    await migrateToLatest(database.db);
    const expectedRows = await estimateRows(file);
    // This connection's page cache, for the run only: an index rebuild writes the whole table in one transaction,
    // and pages that do not fit are spilled to the WAL, then read back by every index build and the search index
    // and written again at the commit (see importCacheKiB). Index builds sort every row: in memory (`temp_store`)
    // rather than through temporary files, with a helper thread for the sorter (`threads`).
    if (database.dialect === 'sqlite') {
      await sql.raw(`pragma cache_size = -${importCacheKiB(expectedRows)}`).execute(database.db);
      await sql`pragma temp_store = memory`.execute(database.db);
      await sql`pragma threads = 2`.execute(database.db);
    }
    const deps = {
      db: database.db,
      dialect: database.dialect,
      clock: systemClock,
      optimize: () => database.optimize(),
      bulkWrite: <T>(work: () => Promise<T>) => database.bulkWrite(work),
    };
    const { site } = await ensureDefaultSite(deps);
    const progress = importProgress(process.stderr, expectedRows);
    const started = performance.now();
    let report: ImportReport;
    try {
      report = await importReviews(
        deps,
        readImportInWorker(file, { format: flags.format, namespace: flags.namespace }),
        {
          siteId: site.id,
          format: flags.format,
          dryRun: flags.dryRun === true,
          rebuildIndexes: flags.rebuildIndexes ? true : flags.keepIndexes ? false : 'auto',
          events: flags.events === true,
          expectedRows,
          onError: (e) => progress.log(formatError(e)),
          onProgress: (p) => progress.update(p),
        },
      );
    } finally {
      progress.stop();
    }
    const seconds = (performance.now() - started) / 1000;
    console.log(flags.json ? JSON.stringify({ ...report, seconds }, null, 2) : formatReport(report, seconds));
    return report.failed > 0 ? EXIT.failed : EXIT.ok;
  } finally {
    await database.close();
  }
}

/** Page cache of an import at least (SQLite's default is 2 MB): 256 MB, in KiB. */
const IMPORT_CACHE_MIN_KIB = 262_144;
/** What a review of the bench dataset takes in the database, its index entries and search terms included, in KiB. */
const KIB_PER_ROW = 2;

/**
 * The import's page cache, in KiB: room for every row the file will add (so a rebuild's writes stay in memory until
 * the commit: 1,000,000 long-bodied reviews spilled with 256 MB, and the index builds, the search index and the
 * commit took 147 s instead of 73 s), but never more than half the memory free now, nor less than 256 MB. The cache
 * fills only as pages are written, so a small import stays small.
 */
function importCacheKiB(expectedRows: number): number {
  const freeKiB = freemem() / 1024;
  return Math.round(Math.max(IMPORT_CACHE_MIN_KIB, Math.min(expectedRows * KIB_PER_ROW, freeKiB / 2)));
}

/** Rows in the file, estimated from its size and the lines of its first 64 KB (weighs the index rebuild and the progress bar). */
async function estimateRows(file: string): Promise<number> {
  const size = (await stat(file)).size;
  const handle = await open(file);
  try {
    const buf = Buffer.alloc(Math.min(size, 65_536));
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    let lines = 0;
    for (let i = 0; i < bytesRead; i++) if (buf[i] === 10) lines++;
    return lines === 0 ? 1 : Math.round((size / bytesRead) * lines);
  } finally {
    await handle.close();
  }
}

const formatError = (e: RowError): string =>
  `line ${e.line}${e.sourceId ? ` (${e.sourceId})` : ''}: ${e.violations.map((v) => `${v.field} ${v.description}`).join('; ')}`;

const count = (n: number) => n.toLocaleString('en-US');

function formatReport(r: ImportReport, seconds: number): string {
  const lines = [
    `${r.dryRun ? 'Dry run: nothing was written.\n' : ''}rows read  ${count(r.rowsRead)}`,
    `${r.dryRun ? 'to create' : 'created  '}  ${count(r.created)}`,
    `skipped    ${count(r.skipped)} (already imported)`,
    `failed     ${count(r.failed)}${r.failed > 0 ? ' (each printed above with its line)' : ''}`,
    `time       ${seconds.toFixed(1)} s${r.indexesRebuilt ? ' (review indexes rebuilt after the rows were written)' : ''}`,
  ];
  if (!r.dryRun) {
    lines.push(`entities   ${count(r.entities)}, published count and average as in the file: ${count(r.matching)}`);
    for (const m of r.mismatches) {
      lines.push(
        `  ${m.namespace}/${m.entityId}: file ${m.file.count} × ${m.file.average}, Verdict ${m.verdict.count} × ${m.verdict.average}`,
      );
    }
    if (r.entities - r.matching > r.mismatches.length) {
      lines.push(`  … and ${count(r.entities - r.matching - r.mismatches.length)} more`);
    }
    if (r.entities > r.matching) {
      lines.push('  (Verdict also counts reviews it held before the import, and a failed row is missing from it)');
    }
  }
  return lines.join('\n');
}
