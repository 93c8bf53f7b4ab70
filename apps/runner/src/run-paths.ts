import { existsSync, readdirSync, readFileSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { writeFileAtomic } from '@trellis/core';

/** One config value a `--resume` changed: its `--set` key path and the values before and after. */
export interface ConfigChange {
  readonly key: string;
  readonly from: unknown;
  readonly to: unknown;
}

/** A `--resume` that changed the run's config (kept in `source.json`; `metrics.jsonl` is cut back on resume). */
export interface ResumeRecord {
  readonly time: string;
  /** The step the run resumed from (0 when it had no checkpoint yet). */
  readonly step: number;
  readonly cwd: string;
  readonly argv: readonly string[];
  readonly changes: readonly ConfigChange[];
}

/** Where a run's config came from, saved as `source.json` so `--resume` can find relative plugin paths. */
export interface RunSource {
  readonly configFile: string | undefined;
  readonly configDir: string;
  readonly cwd: string;
  readonly argv: readonly string[];
  readonly createdAt: string;
  /** Every `--resume` that changed the config, oldest first. */
  readonly resumes?: readonly ResumeRecord[];
}

/**
 * Default run directory: `runs/<name>-<yyyymmdd-hhmmss>`. The name keeps letters, digits and
 * `. _ - + = ,` (an arm-swapped run is `runs/arithmetic-grpo+advantage=rloo-<stamp>`); other runs of
 * characters become `_`.
 */
export function defaultRunDir(name: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return join('runs', `${safeName(name)}-${stamp}`);
}

/** `name` with letters, digits and `. _ - + = ,` kept and other runs of characters as `_` (run and sweep arm directories). */
export const safeName = (name: string): string => name.replace(/[^A-Za-z0-9._+=,-]+/g, '_');

export function readRunSource(dir: string): RunSource | undefined {
  const p = join(resolve(dir), 'source.json');
  return existsSync(p) ? (JSON.parse(readFileSync(p, 'utf8')) as RunSource) : undefined;
}

/** Write `source.json` atomically. */
export async function writeRunSource(dir: string, source: RunSource): Promise<void> {
  await writeFileAtomic(join(resolve(dir), 'source.json'), `${JSON.stringify(source, null, 2)}\n`);
}

/**
 * Call before creating run directory `dir`: returns what undoes that creation when set-up fails,
 * touching only what the command itself made. A directory that did not exist is removed with the
 * parents created for it (only while they are empty); one that existed empty is emptied again and
 * kept; anything else (a non-empty directory, which `RunDirectory.create` refuses, or a file) is
 * left alone.
 */
export function runDirUndo(dir: string): () => void {
  const abs = resolve(dir);
  if (existsSync(abs)) {
    const wasEmpty = statSync(abs).isDirectory() && readdirSync(abs).length === 0;
    return () => {
      if (!wasEmpty || !existsSync(abs)) return;
      for (const entry of readdirSync(abs)) rmSync(join(abs, entry), { recursive: true, force: true });
    };
  }
  const parents: string[] = [];
  for (let p = dirname(abs); !existsSync(p) && p !== dirname(p); p = dirname(p)) parents.push(p);
  return () => {
    rmSync(abs, { recursive: true, force: true });
    for (const p of parents) {
      try {
        rmdirSync(p); // fails (and stops) on a parent that is no longer empty
      } catch {
        return;
      }
    }
  };
}
