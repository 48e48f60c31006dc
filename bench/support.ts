/**
 * What the benchmark scripts share: a free port, a median, a `verdict serve` child that is healthy before the
 * measuring starts, and its orderly stop. Benchmarks only; nothing here is imported by the server.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { RATE_LIMITED_ACTIONS } from '../src/contract/limits.ts';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A port nothing listens on right now, on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (a && typeof a === 'object' ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

/** Environment that switches every rate limit off: a benchmark sends all its load from one address. */
export const NO_RATE_LIMITS: Record<string, string> = Object.fromEntries(
  RATE_LIMITED_ACTIONS.flatMap((a) =>
    ['ADDRESS', 'SITE'].map((s) => [`RATE_LIMIT_${a.toUpperCase()}_PER_${s}`, 'off']),
  ),
);

/**
 * Starts `verdict serve` (the CLI at `bin`) with `env` on a free port of 127.0.0.1 and resolves once `/healthz`
 * answers; passes on the server's log lines (not its banner). Kills it and throws when it exits or is not up in
 * `timeoutMs`.
 */
export async function serveVerdict(
  bin: string,
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(process.execPath, [bin, 'serve'], {
    env: { ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  child.stdout?.on('data', (d: Buffer) => {
    for (const line of d.toString().split('\n'))
      if (line.startsWith('{')) process.stderr.write(`  [verdict] ${line}\n`);
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) return { url, child };
    } catch {
      // not up yet
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('Verdict did not start');
    }
    await sleep(100);
  }
}

/** Stops a child with SIGTERM (an orderly shutdown), and with SIGKILL if it has not exited after `graceMs`. */
export async function stopChild(child: ChildProcess, graceMs = 15_000): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  await Promise.race([exited, sleep(graceMs).then(() => child.kill('SIGKILL'))]);
}
