/**
 * The command line's declarations, run in-process (no database is opened: every case fails or prints help before an
 * action would). The real binary is covered by test/integration/cli.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { CONFIG_KEYS } from '../server/config.ts';
import { runVerdict } from './program.ts';

async function run(argv: string[]) {
  let out = '';
  let err = '';
  const { code } = await runVerdict(argv, {
    writeOut: (s) => {
      out += s;
    },
    writeErr: (s) => {
      err += s;
    },
  });
  return { code, out, err };
}

const COMMANDS: { path: string[]; args: string[] }[] = [
  { path: ['init'], args: [] },
  { path: ['serve'], args: [] },
  { path: ['migrate'], args: [] },
  { path: ['keys', 'create'], args: ['--kind', 'app'] },
  { path: ['keys', 'list'], args: [] },
  { path: ['keys', 'revoke'], args: ['some-id'] },
  { path: ['import'], args: ['reviews.csv'] },
  { path: ['export'], args: [] },
];

/** Every flag each command takes, written out here so a flag missing from a declaration (and its help) fails. */
const FLAGS: Record<string, string[]> = {
  init: ['--database-url'],
  // Every configuration key, as a flag.
  serve: CONFIG_KEYS.map((k) => `--${k.env.toLowerCase().replace(/_/g, '-')}`),
  migrate: ['--database-url'],
  'keys create': ['--kind', '--name', '--scopes', '--app-id', '--database-url'],
  'keys list': ['--database-url'],
  'keys revoke': ['--database-url'],
  import: [
    '--format',
    '--namespace',
    '--dry-run',
    '--json',
    '--events',
    '--rebuild-indexes',
    '--keep-indexes',
    '--database-url',
  ],
  export: ['--format', '--out', '--publisher', '--product-url', '--database-url'],
};

describe('verdict command line', () => {
  it.each(COMMANDS)('$path refuses an unknown flag with exit 2, naming it before the usage', async ({ path, args }) => {
    const res = await run([...path, ...args, '--bogus']);
    expect(res.code).toBe(2);
    expect(res.err.indexOf("error: unknown option '--bogus'")).toBe(0);
    expect(res.err).toContain(`Usage: verdict ${path.join(' ')}`);
  });

  it.each(COMMANDS)('help $path lists every flag of the command, as --help does', async ({ path }) => {
    const res = await run(['help', ...path]);
    expect(res.code).toBe(0);
    expect(res.out).toContain(`Usage: verdict ${path.join(' ')}`);
    const flags = FLAGS[path.join(' ')] ?? [];
    expect(flags.length).toBeGreaterThan(0);
    for (const flag of flags) expect(res.out).toMatch(new RegExp(`^ +${flag} `, 'm'));
    expect((await run([...path, '--help'])).out).toBe(res.out);
  });

  it.each([['migrate'], ['keys', 'list'], ['import'], ['export']])(
    'help %s says the command may run beside a running server',
    async (...path) => {
      expect((await run(['help', ...path])).out).toMatch(/beside a running `verdict serve`/);
    },
  );

  it('names the flag of a bad configuration value, listing every problem, exit 1', async () => {
    const res = await run(['serve', '--port', 'abc', '--log-level', 'loud']);
    expect(res.code).toBe(1);
    expect(res.err).toContain('PORT must be an integer from 0 to 65535 (got "abc") (given as --port)');
    expect(res.err).toContain(
      'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "loud") (given as --log-level)',
    );
  });

  it.each([
    [
      ['export', '--format', 'google', '--publisher', 'Shop'],
      'error: --format google needs --publisher and --product-url',
    ],
    [['export', '--format', 'xml'], '--format must be ndjson, csv or google.'],
    [['keys', 'create', '--kind', 'root'], '--kind must be admin or app'],
    [['keys', 'create'], "error: required option '--kind <kind>' not specified"],
    [['keys', 'create', '--kind', 'app', '--scopes', 'reviews.read,reviews.all'], 'unknown scopes reviews.all'],
    [['keys'], 'error: keys needs a subcommand: create, list or revoke'],
    [
      ['import', 'a.csv', '--rebuild-indexes', '--keep-indexes'],
      "error: option '--rebuild-indexes' cannot be used with option '--keep-indexes'",
    ],
    [['import', 'a.csv', 'b.csv'], "error: too many arguments for 'import'"],
    [['import'], "error: missing required argument 'file'"],
    [['help', 'frobnicate'], "error: unknown command 'frobnicate'"],
  ])('%j is a usage error (exit 2): the message, then the usage', async (argv, message) => {
    const res = await run(argv);
    expect(res.code).toBe(2);
    const at = res.err.indexOf(message);
    expect(at).toBeGreaterThanOrEqual(0);
    expect(res.err.indexOf('Usage: verdict')).toBeGreaterThan(at);
  });
});
