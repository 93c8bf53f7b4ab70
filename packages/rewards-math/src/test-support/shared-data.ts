import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** `<repo>/../shared/data`, where the real benchmark JSONL files live (absent on some machines). */
export const SHARED_DATA_DIR = fileURLToPath(new URL('../../../../../shared/data/', import.meta.url));

/** Absolute path of `relative` under SHARED_DATA_DIR when it exists; logs why a test skips otherwise. */
export function sharedDataFile(relative: string): string | undefined {
  const path = `${SHARED_DATA_DIR}${relative}`;
  if (existsSync(path)) return path;
  console.warn(`[rewards-math] skipping tests on ${relative}: ${path} not found (real data lives in <repo>/../shared/data)`);
  return undefined;
}

/** Parsed rows of a JSONL file. */
export function readJsonl<T = Record<string, unknown>>(path: string): T[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);
}
