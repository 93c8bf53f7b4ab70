import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type * as tf from '@tensorflow/tfjs-core';
import { writeCheckpointManifest } from '../checkpoint/checkpoint-manifest';
import { fsyncDir, writeFileAtomic } from '../checkpoint/write-file-atomic';
import type { Policy } from '../policy/policy';
import { CHECKPOINT_NAME, CheckpointScan, type ResumeCandidate } from './checkpoint-scan';
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
  /** Held-out accuracy of the latest evaluation so far (absent in checkpoints of older versions). */
  readonly lastAccuracy?: number | undefined;
  readonly strategy: unknown;
  /** State of each contribution, by position in the config. */
  readonly contributions: unknown[];
  /** Token counters for throughput. */
  readonly totals: { generatedTokens: number; trainedTokens: number; generateMs: number; trainMs: number };
}

const stepName = (step: number) => `step-${String(step).padStart(6, '0')}`;
const stepOf = (name: string) => Number.parseInt(name.slice('step-'.length), 10);

/**
 * Write checkpoint `step` atomically: policy, optimizer state and trainer state go to a temporary
 * directory, then `manifest.json` (size and SHA-256 of every file) is written last, the directory
 * is renamed into place and `checkpoints/latest` is atomically updated. Afterwards checkpoints
 * older than the newest `keep` are removed, and so are any with a higher step (left from a
 * timeline this run has replaced by resuming from an earlier checkpoint).
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
  await writeCheckpointManifest(tmp);
  await fsyncDir(tmp);
  await rm(final, { recursive: true, force: true });
  await rename(tmp, final);
  await fsyncDir(run.checkpointsDir);
  await writeFileAtomic(join(run.checkpointsDir, 'latest'), `${name}\n`);
  const all = (await readdir(run.checkpointsDir)).filter((d) => CHECKPOINT_NAME.test(d)).sort((a, b) => stepOf(a) - stepOf(b));
  const upTo = all.filter((d) => stepOf(d) <= state.step);
  const stale = [...upTo.slice(0, Math.max(0, upTo.length - keep)), ...all.filter((d) => stepOf(d) > state.step)];
  for (const old of stale) await rm(join(run.checkpointsDir, old), { recursive: true, force: true });
  return final;
}

/**
 * The checkpoint a resume would start from: the one `checkpoints/latest` names if it is intact,
 * else the newest intact one (see {@link CheckpointScan} for the checks); undefined when the run has
 * no checkpoint at all. Throws {@link UnusableCheckpointsError} when checkpoints exist but none is
 * intact. `skipped` lists what was passed over. Does not load the weights (a checkpoint whose
 * files parse may still fail to load; the trainer then moves on to the next one).
 */
export function latestCheckpoint(run: RunDirectory): (ResumeCandidate & { skipped: CheckpointScan['skipped'] }) | undefined {
  const scan = new CheckpointScan(run);
  const found = scan.next();
  if (found) return { ...found, skipped: scan.skipped };
  if (scan.hasCheckpoints) throw scan.failure();
  return undefined;
}

/** Load weights and optimizer state from a checkpoint directory. */
export async function restoreCheckpoint(dir: string, policy: Policy, optimizer: tf.Optimizer): Promise<void> {
  await policy.load(join(dir, 'policy'));
  await loadOptimizerState(dir, optimizer);
}
