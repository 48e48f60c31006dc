/** The import's progress view: a bar with rate and ETA on a terminal, nothing but the logged lines elsewhere. */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { importProgress } from './import-progress.ts';

/** A stream that keeps what is written to it; `tty` makes it look like a terminal 120 columns wide. */
function capture(tty: boolean) {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString('utf8');
      done();
    },
  }) as unknown as NodeJS.WriteStream;
  if (tty) Object.assign(stream, { isTTY: true, columns: 120 });
  return { stream, text: () => text };
}

async function until(what: string, ok: () => boolean, deadlineMs = 5000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

describe('import progress', () => {
  it('writes only the logged lines when the stream is not a terminal', () => {
    const { stream, text } = capture(false);
    const view = importProgress(stream, 1000);
    view.update({ phase: 'writing', rows: 500 });
    view.log('line 6: rating must be from 1 to 5');
    view.update({ phase: 'indexing', rows: 1000 });
    view.stop();
    expect(text()).toBe('line 6: rating must be from 1 to 5\n');
  });

  it('draws phase, rows against the estimate, rate and ETA on a terminal, and prints logged lines above it', async () => {
    const { stream, text } = capture(true);
    const view = importProgress(stream, 1000);
    view.update({ phase: 'writing', rows: 500 });
    await until('the bar to be drawn', () => text().includes('500 of ~1,000 rows'));
    expect(text()).toMatch(/writing .* 50% {2}500 of ~1,000 rows {2}[\d,]+ rows\/s {2}ETA \S+/);
    view.log('line 6: rating must be from 1 to 5');
    // Past the estimate the total follows the rows, and the ETA is unknown rather than 0.
    view.update({ phase: 'writing', rows: 1200 });
    view.stop();
    expect(text()).toContain('line 6: rating must be from 1 to 5\n');
    expect(text()).toMatch(/1,200 of ~1,200 rows .* ETA \?/);
  });
});
