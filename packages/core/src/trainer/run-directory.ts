import { appendFileSync, existsSync, readdirSync, readFileSync, statSync, truncateSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '../checkpoint/write-file-atomic';
import { ConfigError } from '../errors/trellis-error';

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
 * - `summary.json`: written at the end.
 * A directory is never silently reused: `create` refuses an existing non-empty one.
 */
export class RunDirectory {
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

  /** Create a new run directory holding `configText`; refuses an existing non-empty directory. */
  static async create(dir: string, configText: string): Promise<RunDirectory> {
    const abs = resolve(dir);
    if (existsSync(abs) && (!statSync(abs).isDirectory() || readdirSync(abs).length > 0)) {
      throw new ConfigError(
        `run directory ${dir} already exists and is not empty; resume it with --resume ${dir}, or choose another --out`,
      );
    }
    await mkdir(join(abs, 'checkpoints'), { recursive: true });
    await writeFileAtomic(join(abs, 'config.yaml'), configText);
    return new RunDirectory(abs);
  }

  /** Open an existing run directory (for `--resume`). */
  static open(dir: string): RunDirectory {
    const abs = resolve(dir);
    if (!existsSync(join(abs, 'config.yaml'))) {
      throw new ConfigError(`${dir} is not a run directory (no config.yaml)`);
    }
    return new RunDirectory(abs);
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
