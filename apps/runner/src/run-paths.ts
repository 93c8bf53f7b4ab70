import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Where a run's config came from, saved as `source.json` so `--resume` can find relative plugin paths. */
export interface RunSource {
  readonly configFile: string | undefined;
  readonly configDir: string;
  readonly cwd: string;
  readonly argv: readonly string[];
  readonly createdAt: string;
}

/** Default run directory: `runs/<name>-<yyyymmdd-hhmmss>`. */
export function defaultRunDir(name: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return join('runs', `${name.replace(/[^A-Za-z0-9._-]+/g, '_')}-${stamp}`);
}

export function readRunSource(dir: string): RunSource | undefined {
  const p = join(resolve(dir), 'source.json');
  return existsSync(p) ? (JSON.parse(readFileSync(p, 'utf8')) as RunSource) : undefined;
}
