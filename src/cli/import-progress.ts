/**
 * The import's progress on stderr. On a terminal: one cli-progress bar (phase, rows against the estimate from the
 * file's size, rows per second, ETA) that row errors are printed above, and that is cleared before the report. When
 * stderr is not a terminal (a pipe, a log file, CI) there is no progress at all: stderr then holds only the row
 * errors, one `line N: …` each, so it can be read by a program, and the report on stdout gives the totals and time.
 */
import cliProgress from 'cli-progress';
import type { ImportProgress } from '../server/imports/import.service.ts';

/** Where the import reports as it goes. */
export interface ProgressView {
  /** The rows read so far and the phase; `expectedRows` only weighs the bar and its ETA. */
  update(progress: ImportProgress): void;
  /** Prints one line (a row error) without tearing the bar. */
  log(line: string): void;
  /** Prints what is pending and removes the bar. */
  stop(): void;
}

const count = (n: number) => n.toLocaleString('en-US');

/** A view on `stream`: a bar when it is a terminal, otherwise only the logged lines. */
export function importProgress(stream: NodeJS.WriteStream, expectedRows: number): ProgressView {
  if (!stream.isTTY) {
    return {
      update() {},
      log: (line) => {
        stream.write(`${line}\n`);
      },
      stop() {},
    };
  }
  const format: cliProgress.GenericFormatter = (options, params, payload: { phase: string }) => {
    const seconds = Math.max((Date.now() - params.startTime) / 1000, 0.001);
    const rate = `${count(Math.round(params.value / seconds))} rows/s`;
    const elapsed = cliProgress.Format.TimeFormat(Math.round(seconds), options, 1);
    if (payload.phase === 'indexing') {
      return `indexing  ${count(params.value)} rows written, building the review indexes  ${rate}  elapsed ${elapsed}`;
    }
    const bar = cliProgress.Format.BarFormat(params.progress, options);
    const percent = `${Math.floor(params.progress * 100)}`.padStart(3);
    // Unknown before the first rows, and past the estimated total (it would claim 0 s while rows keep coming).
    const known = params.value > 0 && params.value < params.total;
    const eta = known ? cliProgress.Format.TimeFormat(params.eta, options, 1) : '?';
    return `${payload.phase.padEnd(8)}  ${bar} ${percent}%  ${count(params.value)} of ~${count(params.total)} rows  ${rate}  ETA ${eta}`;
  };
  const bars = new cliProgress.MultiBar(
    { stream, format, hideCursor: true, clearOnComplete: true, barsize: 24, etaBuffer: 20, fps: 5 },
    cliProgress.Presets.shades_classic,
  );
  const bar = bars.create(Math.max(expectedRows, 1), 0, { phase: 'reading' });
  let total = Math.max(expectedRows, 1);
  return {
    update(p) {
      if (p.rows > total) {
        total = p.rows;
        bar.setTotal(total);
      }
      bar.update(p.rows, { phase: p.phase });
    },
    log(line) {
      bars.log(`${line}\n`);
    },
    stop() {
      // MultiBar.stop drops lines still waiting for the next redraw: draw once first.
      bars.update();
      bars.stop();
    },
  };
}
