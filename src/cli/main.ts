/**
 * `verdict <command>`: init, serve, migrate, keys, import, export (declared in program.ts, one file per command).
 * This file only runs the program and exits with its code, unless the command is serving.
 */
import { runVerdict } from './program.ts';

runVerdict(process.argv.slice(2)).then(({ code, serving }) => {
  if (code !== 0 || !serving) process.exit(code);
});
