import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type * as tf from '@tensorflow/tfjs-core';
import { fsyncDir, writeFileAtomic } from '../checkpoint/write-file-atomic';
import type { Policy } from '../policy/policy';
import { encodeOptimizerState, loadOptimizerState, OPTIMIZER_FILE } from './optimizer-state';
import type { LogOffsets, RunDirectory } from './run-directory';

/** Everything besides weights and optimizer moments that a resumed run needs. */
export interface TrainerState {
  /** Number of completed steps. */
  readonly step: number;
  /** Log sizes at this checkpoint: lines after them are dropped on resume. */
  readonly offsets: LogOffsets;
  readonly nonFiniteInARow: number;
  /** Accumulated wall time of the run so far, ms. */
  readonly elapsedMs: number;
  /** Held-out accuracy before training (step 0), when evaluated. */
  readonly initialAccuracy: number | undefined;
  readonly strategy: unknown;
  /** State of each contribution, by position in the config. */
  readonly contributions: unknown[];
  /** Token counters for throughput. */
  readonly totals: { generatedTokens: number; trainedTokens: number; generateMs: number; trainMs: number };
}

const stepName = (step: number) => `step-${String(step).padStart(6, '0')}`;

/**
 * Write checkpoint `step` atomically: policy, optimizer state and trainer state go to a temporary
 * directory that is renamed into place, then `checkpoints/latest` is atomically updated. Older
 * checkpoints beyond `keep` are removed.
 */
export async function writeCheckpoint(
  run: RunDirectory,
  state: TrainerState,
  policy: Policy,
  optimizer: tf.Optimizer,
  keep: number,
): Promise<string> {
  const name = stepName(state.step);
  const final = join(run.checkpointsDir, name);
  const tmp = join(run.checkpointsDir, `.tmp-${name}-${process.pid}`);
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  await policy.save(join(tmp, 'policy'));
  await writeFile(join(tmp, OPTIMIZER_FILE), await encodeOptimizerState(optimizer));
  await writeFile(join(tmp, 'trainer-state.json'), `${JSON.stringify(state)}\n`);
  await fsyncDir(tmp);
  await rm(final, { recursive: true, force: true });
  await rename(tmp, final);
  await fsyncDir(run.checkpointsDir);
  await writeFileAtomic(join(run.checkpointsDir, 'latest'), `${name}\n`);
  const stepOf = (d: string) => Number.parseInt(d.slice('step-'.length), 10);
  const all = (await readdir(run.checkpointsDir)).filter((d) => /^step-\d+$/.test(d)).sort((a, b) => stepOf(a) - stepOf(b));
  for (const old of all.slice(0, Math.max(0, all.length - keep))) {
    await rm(join(run.checkpointsDir, old), { recursive: true, force: true });
  }
  return final;
}

/** The newest complete checkpoint of a run, or undefined. */
export function latestCheckpoint(run: RunDirectory): { dir: string; state: TrainerState } | undefined {
  const pointer = join(run.checkpointsDir, 'latest');
  if (!existsSync(pointer)) return undefined;
  const dir = join(run.checkpointsDir, readFileSync(pointer, 'utf8').trim());
  const statePath = join(dir, 'trainer-state.json');
  if (!existsSync(statePath)) throw new Error(`checkpoint ${dir} is incomplete (no trainer-state.json)`);
  return { dir, state: JSON.parse(readFileSync(statePath, 'utf8')) as TrainerState };
}

/** Load weights and optimizer state from a checkpoint directory. */
export async function restoreCheckpoint(dir: string, policy: Policy, optimizer: tf.Optimizer): Promise<void> {
  await policy.load(join(dir, 'policy'));
  await loadOptimizerState(dir, optimizer);
}
