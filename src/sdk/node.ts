/**
 * Node-only helpers of the SDK (`verdict/sdk/node`), kept out of `verdict/sdk` so the browser path imports no
 * `node:` module.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { PositionStore } from './events.ts';

/**
 * A position store in a file: the event feed resumes from it after a process restart. Each save writes a temp
 * file and renames it over the old one, so a crash never leaves a torn position.
 */
export function filePositionStore(path: string): PositionStore {
  return {
    async load() {
      try {
        const text = (await readFile(path, 'utf8')).trim();
        return text === '' ? undefined : text;
      } catch (err) {
        if (err instanceof Error && 'code' in err && err.code === 'ENOENT') return undefined;
        throw err;
      }
    },
    async save(position) {
      await mkdir(dirname(path), { recursive: true });
      const tmp = `${path}.${process.pid}.tmp`;
      await writeFile(tmp, `${position}\n`, 'utf8');
      await rename(tmp, path);
    },
  };
}
