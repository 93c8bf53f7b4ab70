import { appendFileSync, existsSync, readdirSync, readFileSync, rmSync, statSync, truncateSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '../checkpoint/write-file-atomic';
import { ConfigError } from '../errors/trellis-error';
import { LOCK_FILE, RunLock } from './run-lock';

/** Byte lengths of the append-only logs, recorded in checkpoints to cut them back on resume. */
export interface LogOffsets {
  readonly metrics: number;
  readonly samples: number;
}

/**
 * A run directory:
 * - `config.yaml`: the resolved config;
 * - `metrics.jsonl`: one JSON line per step (`kind: "step"`), per evaluation (`kind: "eval"`) and
 *   per notable event (`kind: "event"`);
 * - `samples.jsonl`: a few prompts/completions/rewards per step;
 * - `checkpoints/step-NNNNNN/` and `checkpoints/latest` (name of the newest complete checkpoint);
 * - `summary.json`: written at the end;
 * - `run.lock`: held by the process training in it (see {@link RunLock}).
 * A directory is never silently reused: `create` refuses an existing non-empty one. `create` and
 * `open` take the lock (a live holder makes them throw `RunLockedError`, exit code 2).
 */
export class RunDirectory {
  private lock: RunLock | undefined;
  private readonly pending: string[] = [];

  private constructor(readonly dir: string) {}

  get metricsPath(): string {
    return join(this.dir, 'metrics.jsonl');
  }
  get samplesPath(): string {
    return join(this.dir, 'samples.jsonl');
  }
  get checkpointsDir(): string {
    return join(this.dir, 'checkpoints');
  }

  /**
   * Create a new run directory holding `configText`; refuses an existing non-empty directory. What
   * a creation killed before it wrote config.yaml leaves (a stale `run.lock`, an empty
   * `checkpoints/`, a temporary config file) does not count: such a directory is taken over.
   */
  static async create(dir: string, configText: string): Promise<RunDirectory> {
    const abs = resolve(dir);
    const refuse = () =>
      new ConfigError(
        `run directory ${dir} already exists and is not empty; resume it with --resume ${dir}, or choose another --out`,
      );
    if (existsSync(abs) && (!statSync(abs).isDirectory() || !RunDirectory.unstarted(abs))) throw refuse();
    await mkdir(join(abs, 'checkpoints'), { recursive: true });
    const run = new RunDirectory(abs);
    run.acquireLock();
    try {
      if (!RunDirectory.unstarted(abs)) throw refuse(); // checked again under the lock
      for (const name of readdirSync(abs).filter((n) => n.startsWith('.config.yaml.tmp-'))) rmSync(join(abs, name));
      await writeFileAtomic(join(abs, 'config.yaml'), configText);
    } catch (e) {
      run.releaseLock();
      throw e;
    }
    return run;
  }

  /** Whether `abs` holds nothing but what an interrupted `create` leaves before config.yaml. */
  private static unstarted(abs: string): boolean {
    return readdirSync(abs).every(
      (name) =>
        name === LOCK_FILE ||
        name.startsWith(`${LOCK_FILE}.`) ||
        name.startsWith('.config.yaml.tmp-') ||
        (name === 'checkpoints' && statSync(join(abs, name)).isDirectory() && readdirSync(join(abs, name)).length === 0),
    );
  }

  /**
   * Open an existing run directory (for `--resume`), taking its lock unless `lock: false` (for
   * read-only use; training takes it anyway).
   */
  static open(dir: string, options: { readonly lock?: boolean } = {}): RunDirectory {
    const abs = resolve(dir);
    if (!existsSync(join(abs, 'config.yaml'))) {
      throw new ConfigError(`${dir} is not a run directory (no config.yaml)`);
    }
    const run = new RunDirectory(abs);
    if (options.lock !== false) run.acquireLock();
    return run;
  }

  /** Path of the lock file. */
  get lockPath(): string {
    return join(this.dir, LOCK_FILE);
  }

  /** Whether this object holds the run's lock. */
  get locked(): boolean {
    return this.lock?.isHeld ?? false;
  }

  /** Take the run's lock if this object does not hold it yet (throws `RunLockedError` if another process does). */
  acquireLock(): void {
    if (this.locked) return;
    this.lock = RunLock.acquire(this.dir);
    const over = this.lock.tookOver;
    if (over) {
      const who = over.holder ? `pid ${over.holder.pid} since ${over.holder.startedAt}` : 'an unknown holder';
      this.pending.push(`took over the stale lock ${this.lockPath} of ${who}: ${over.reason}`);
    }
  }

  /** Release the run's lock (idempotent). */
  releaseLock(): void {
    this.lock?.release();
  }

  /**
   * Notices gathered since the last call (stale lock taken over, temporary files removed), for the
   * trainer to log once the logs are in place.
   */
  takeNotices(): string[] {
    return this.pending.splice(0);
  }

  /**
   * Remove what interrupted atomic writes leave: `.tmp-*` checkpoint directories and `.*.tmp-*` /
   * `.*.old-*` siblings in `checkpoints/`, and `.*.tmp-*` files in the run directory. Only safe
   * while holding the lock (then no other writer exists); does nothing otherwise.
   */
  removeStaleTemporaries(): string[] {
    if (!this.locked) return [];
    const removed: string[] = [];
    const isTemp = (name: string) => name.startsWith('.tmp-') || /^\..+\.(tmp|old)-/.test(name);
    for (const [where, prefix] of [
      [this.checkpointsDir, 'checkpoints/'],
      [this.dir, ''],
    ] as const) {
      if (!existsSync(where)) continue;
      for (const name of readdirSync(where).filter(isTemp)) {
        rmSync(join(where, name), { recursive: true, force: true });
        removed.push(`${prefix}${name}`);
      }
    }
    if (removed.length)
      this.pending.push(`removed ${removed.length} temporary entries left by an interrupted write: ${removed.join(', ')}`);
    return removed;
  }

  /** The resolved config text saved at creation. */
  configText(): string {
    return readFileSync(join(this.dir, 'config.yaml'), 'utf8');
  }

  appendMetrics(record: object): void {
    appendFileSync(this.metricsPath, `${JSON.stringify(record)}\n`);
  }

  appendSamples(records: readonly object[]): void {
    if (records.length) appendFileSync(this.samplesPath, records.map((r) => `${JSON.stringify(r)}\n`).join(''));
  }

  offsets(): LogOffsets {
    const size = (p: string) => (existsSync(p) ? statSync(p).size : 0);
    return { metrics: size(this.metricsPath), samples: size(this.samplesPath) };
  }

  /** Cut the logs back to a checkpoint's offsets, dropping lines written after it. */
  truncate(offsets: LogOffsets): void {
    for (const [path, size] of [
      [this.metricsPath, offsets.metrics],
      [this.samplesPath, offsets.samples],
    ] as const) {
      if (existsSync(path) && statSync(path).size > size) truncateSync(path, size);
    }
  }

  /** Parsed metrics lines. */
  readMetrics(): Record<string, unknown>[] {
    if (!existsSync(this.metricsPath)) return [];
    return readFileSync(this.metricsPath, 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }

  async writeSummary(summary: object): Promise<void> {
    await writeFileAtomic(join(this.dir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  }
}
