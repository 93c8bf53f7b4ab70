import { accessSync, constants, existsSync, mkdirSync, readdirSync, rmdirSync, statSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { ConfigError } from '@trellis/core';

/** What an output path must be. */
export interface OutPathOptions {
  /** `file`: a file to write (not a directory); `dir`: a directory to create or write into. */
  readonly kind: 'file' | 'dir';
  /** The flag the path came from, for messages (default `--out`). */
  readonly flag?: string;
  /** `dir` only: an existing directory must be empty (a new run directory). */
  readonly empty?: boolean;
}

/** Longest file-name component most file systems accept, in bytes. */
const MAX_NAME_BYTES = 255;

const errCode = (e: unknown): string => (e as NodeJS.ErrnoException)?.code ?? String((e as Error)?.message ?? e);

/**
 * Whether new entries can be made in existing directory `dir`: creates and removes a uniquely
 * named directory there (leaving nothing behind). This catches what permission bits do not: a
 * read-only mount, and pseudo file systems such as /proc, where Node's recursive `mkdir` never
 * returns.
 */
function probe(dir: string): string | undefined {
  const name = join(dir, `.trellis-probe-${process.pid}-${Math.random().toString(36).slice(2, 10)}`);
  try {
    mkdirSync(name);
  } catch (e) {
    return errCode(e);
  }
  try {
    rmdirSync(name);
  } catch {
    // Removing what was just made cannot fail in practice; a leftover empty directory is harmless.
  }
  return undefined;
}

/**
 * Check, before any work, that `path` can be written as a `kind` output, so a long evaluation or
 * run does not end in EISDIR/EACCES (or hang) with its results lost. Creates nothing. Throws a
 * `ConfigError` (exit 2) naming the flag, the path and the problem; returns the absolute path.
 * - `file`: not a directory (nor a path ending in `/`); an existing file must be writable; else
 *   the nearest existing ancestor must be a directory that accepts new entries.
 * - `dir`: an existing path must be a directory (empty with `empty`) that accepts new entries;
 *   else the nearest existing ancestor must be a directory that accepts new entries.
 */
export function checkOutPath(path: string, options: OutPathOptions): string {
  const flag = options.flag ?? '--out';
  const fail = (problem: string): never => {
    throw new ConfigError(problem, `${flag} ${path}`);
  };
  if (path.trim() === '') fail('empty path');
  const abs = resolve(path);
  const long = abs.split(sep).find((part) => Buffer.byteLength(part) > MAX_NAME_BYTES);
  if (long !== undefined) fail(`the name '${long.slice(0, 40)}...' is longer than ${MAX_NAME_BYTES} bytes`);
  if (options.kind === 'file' && /[\\/]$/.test(path)) {
    fail(`ends with '/', so it names a directory; give the path of a file to write, e.g. ${join(path, 'results.jsonl')}`);
  }
  if (existsSync(abs)) {
    const info = statSync(abs);
    if (options.kind === 'file') {
      if (info.isDirectory()) {
        fail(`is a directory; give the path of a file to write, e.g. ${join(path, 'results.jsonl')}`);
      }
      try {
        accessSync(abs, constants.W_OK);
      } catch (e) {
        fail(`exists and cannot be written (${errCode(e)})`);
      }
      return abs;
    }
    if (!info.isDirectory()) fail('exists and is not a directory');
    if (options.empty && readdirSync(abs).length > 0) {
      fail(`run directory already exists and is not empty; resume it with --resume ${path}, or choose another ${flag}`);
    }
    const problem = probe(abs);
    if (problem) fail(`is a directory that cannot be written (${problem})`);
    return abs;
  }
  let ancestor = dirname(abs);
  while (!existsSync(ancestor)) ancestor = dirname(ancestor);
  if (!statSync(ancestor).isDirectory()) fail(`cannot be created: ${ancestor} is a file, not a directory`);
  const problem = probe(ancestor);
  if (problem) fail(`cannot be created: ${ancestor} does not accept new files or directories (${problem})`);
  return abs;
}

/**
 * `mkdir -p` one level at a time: unlike Node's recursive `mkdir`, it fails (instead of looping
 * forever) where a pseudo file system answers ENOENT for a directory that cannot be made.
 */
export function makeDirs(dir: string): void {
  const abs = resolve(dir);
  const missing: string[] = [];
  for (let d = abs; !existsSync(d); d = dirname(d)) missing.unshift(d);
  for (const d of missing) {
    try {
      mkdirSync(d);
    } catch (e) {
      if (errCode(e) !== 'EEXIST') throw e;
    }
  }
}
