import { type Dirent, existsSync, lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { verifyCheckpointManifest } from '../checkpoint/checkpoint-manifest';
import { decodeSafetensors } from '../checkpoint/safetensors';
import { OPTIMIZER_FILE } from './optimizer-state';
import type { RunDirectory } from './run-directory';
import type { TrainerState } from './trainer-checkpoint';
import { parseTrainerState } from './trainer-state-schema';

/** Names a checkpoint directory may have: `step-` and the zero-padded step (6 digits or more). */
export const CHECKPOINT_NAME = /^step-\d{6,}$/;

/** A checkpoint that passed every check, ready to restore. */
export interface ResumeCandidate {
  readonly name: string;
  readonly dir: string;
  readonly state: TrainerState;
  /** How it was verified: its manifest, or (checkpoints written before manifests) by parsing its files. */
  readonly verified: 'manifest' | 'legacy';
  /** `eval/accuracy` of the last eval record the checkpoint's log prefix holds, if any. */
  readonly lastEvalAccuracy: number | undefined;
}

/** A checkpoint passed over, and why. */
export interface SkippedCheckpoint {
  readonly name: string;
  readonly reason: string;
}

/** Checkpoints exist but none is intact: resuming would silently lose the run (exit code 2). */
export class UnusableCheckpointsError extends Error {
  override readonly name = 'UnusableCheckpointsError';
  readonly exitCode = 2;
}

type LogFile = { readonly name: string; readonly bytes: Buffer };
const readLog = (name: string, path: string): LogFile => ({
  name,
  bytes: existsSync(path) ? readFileSync(path) : Buffer.alloc(0),
});
const stepOf = (name: string) => Number.parseInt(name.slice('step-'.length), 10);

/**
 * Finds the checkpoint a resume should start from, newest first: the one `checkpoints/latest`
 * names (only a plain `step-NNNNNN` name directly under this run's `checkpoints/`), then every
 * other `step-*` directory by descending step. Each is checked lazily by {@link next}: a real
 * directory (no symlink), its manifest (sizes and SHA-256 of every file) or, for checkpoints
 * without a manifest, parseable optimizer state and a `policy/` folder; a valid
 * `trainer-state.json` whose step matches the name; log offsets within `metrics.jsonl` /
 * `samples.jsonl` and on line boundaries, with the metrics before the offset holding the step
 * records 1..step exactly once. Failures are collected in {@link skipped}.
 */
export class CheckpointScan {
  readonly skipped: SkippedCheckpoint[] = [];
  /** What was wrong with `checkpoints/latest` (missing, or naming something else), if anything. */
  readonly pointerProblem: string | undefined;
  /** Whether the run has any checkpoint directory at all (intact or not). */
  readonly hasCheckpoints: boolean;
  private readonly order: string[];
  private index = 0;
  private readonly metrics: LogFile;
  private readonly samples: LogFile;

  constructor(private readonly run: RunDirectory) {
    const pointerPath = join(run.checkpointsDir, 'latest');
    let pointed: string | undefined;
    if (!existsSync(pointerPath)) {
      this.pointerProblem = 'checkpoints/latest is missing';
    } else {
      const text = readFileSync(pointerPath, 'utf8').trim();
      if (CHECKPOINT_NAME.test(text)) pointed = text;
      else
        this.pointerProblem = `checkpoints/latest names ${JSON.stringify(text.slice(0, 200))}, which is not a checkpoint of this run (expected a step-NNNNNN directory in ${run.checkpointsDir}); ignored`;
    }
    const entries: Dirent[] = existsSync(run.checkpointsDir) ? readdirSync(run.checkpointsDir, { withFileTypes: true }) : [];
    const dirs = entries
      .filter((e) => CHECKPOINT_NAME.test(e.name))
      .map((e) => e.name)
      .sort((a, b) => stepOf(b) - stepOf(a));
    if (pointed && !dirs.includes(pointed)) this.pointerProblem = `checkpoints/latest names ${pointed}, which does not exist`;
    this.hasCheckpoints = dirs.length > 0;
    this.order = pointed && dirs.includes(pointed) ? [pointed, ...dirs.filter((d) => d !== pointed)] : dirs;
    this.metrics = readLog('metrics.jsonl', run.metricsPath);
    this.samples = readLog('samples.jsonl', run.samplesPath);
  }

  /** The next intact checkpoint in order, or undefined when none is left. */
  next(): ResumeCandidate | undefined {
    while (this.index < this.order.length) {
      const name = this.order[this.index++] as string;
      const result = this.inspect(name);
      if (typeof result === 'string') this.skip(name, result);
      else return result;
    }
    return undefined;
  }

  /** Record that checkpoint `name` was passed over (e.g. it failed to load). */
  skip(name: string, reason: string): void {
    this.skipped.push({ name, reason });
  }

  /** The error to raise when checkpoints exist but none could be used. */
  failure(): UnusableCheckpointsError {
    const list = this.skipped.map((s) => `${s.name}: ${s.reason}`).join('; ');
    return new UnusableCheckpointsError(
      `cannot resume ${this.run.dir}: no intact checkpoint in ${this.run.checkpointsDir} (${list}); restore a good checkpoint there, or start a new run`,
    );
  }

  private inspect(name: string): ResumeCandidate | string {
    const dir = join(this.run.checkpointsDir, name);
    const st = lstatSync(dir, { throwIfNoEntry: false });
    if (!st) return 'the directory does not exist';
    if (st.isSymbolicLink()) return 'it is a symbolic link (a checkpoint must be a directory of this run)';
    if (!st.isDirectory()) return 'it is not a directory';
    const manifest = verifyCheckpointManifest(dir);
    if (manifest.status === 'bad') return manifest.reason;
    const statePath = join(dir, 'trainer-state.json');
    if (!existsSync(statePath)) return 'trainer-state.json is missing';
    if (manifest.status === 'missing') {
      const legacy = this.legacyProblem(dir);
      if (legacy) return `${legacy} (checkpoint without manifest)`;
    }
    let state: TrainerState;
    try {
      state = parseTrainerState(readFileSync(statePath, 'utf8'), 'trainer-state.json');
    } catch (e) {
      return (e as Error).message;
    }
    if (state.step !== stepOf(name)) return `trainer-state.json says step ${state.step}, the directory is ${name}`;
    const logs = this.logProblem(state);
    if (typeof logs === 'string') return logs;
    return { name, dir, state, verified: manifest.status === 'ok' ? 'manifest' : 'legacy', lastEvalAccuracy: logs.lastEval };
  }

  private legacyProblem(dir: string): string | undefined {
    if (!statSync(join(dir, 'policy'), { throwIfNoEntry: false })?.isDirectory()) return 'policy/ is missing';
    const opt = join(dir, OPTIMIZER_FILE);
    if (!existsSync(opt)) return `${OPTIMIZER_FILE} is missing`;
    try {
      decodeSafetensors(readFileSync(opt), OPTIMIZER_FILE);
    } catch (e) {
      return (e as Error).message;
    }
    return undefined;
  }

  private logProblem(state: TrainerState): { lastEval: number | undefined } | string {
    for (const [log, offset, key] of [
      [this.metrics, state.offsets.metrics, 'metrics'],
      [this.samples, state.offsets.samples, 'samples'],
    ] as const) {
      if (offset > log.bytes.byteLength) {
        return `trainer-state.json offsets.${key} ${offset} is past the end of ${log.name} (${log.bytes.byteLength} bytes)`;
      }
      if (offset > 0 && log.bytes[offset - 1] !== 0x0a) {
        return `trainer-state.json offsets.${key} ${offset} does not fall on a line boundary of ${log.name}`;
      }
    }
    const steps: number[] = [];
    let lastEval: number | undefined;
    const lines = this.metrics.bytes.subarray(0, state.offsets.metrics).toString('utf8').split('\n');
    for (const [i, line] of lines.entries()) {
      if (!line.trim()) continue;
      let r: { kind?: unknown; step?: unknown; values?: Record<string, unknown> };
      try {
        r = JSON.parse(line);
      } catch {
        return `metrics.jsonl line ${i + 1} (before the checkpoint's offset) is not valid JSON`;
      }
      if (r.kind === 'step') steps.push(r.step as number);
      const acc = r.values?.['eval/accuracy'];
      if (r.kind === 'eval' && typeof acc === 'number') lastEval = acc;
    }
    if (steps.length !== state.step || steps.some((s, i) => s !== i + 1)) {
      const shown = steps.length > 8 ? `${steps.slice(0, 4).join(', ')}, ..., ${steps.slice(-2).join(', ')}` : steps.join(', ');
      return `metrics.jsonl up to the checkpoint's offset holds steps [${shown}], not 1..${state.step} (the logs do not belong to this checkpoint)`;
    }
    return { lastEval };
  }
}
