import * as tf from '@tensorflow/tfjs-core';
import type { AdvantageInput, AdvantageOutput, EstimatorRequirement } from '../advantage/advantage-estimator';
import { denseIndex } from '../advantage/dense-index';
import type { RewardKlShaping } from '../objective/reward-kl';
import type { Policy } from '../policy/policy';
import type { Rollout } from '../records/rollout';
import { scoringOrder, scoringRuns, scoringSpread } from './scoring-runs';

/** Longest completion among rollouts (the T of `[B, T]` tensors). */
export function maxCompletionLength(rollouts: readonly Rollout[]): number {
  return rollouts.reduce((m, r) => Math.max(m, r.completionIds.length), 1);
}

/** Right-pad rows to `width` into a `[rows, width]` float32 tensor. */
export function paddedTensor(rows: readonly (readonly number[])[], width: number, fill = 0): tf.Tensor2D {
  const data = new Float32Array(rows.length * width).fill(fill);
  rows.forEach((row, i) => {
    for (let t = 0; t < Math.min(width, row.length); t++) data[i * width + t] = row[t] as number;
  });
  return tf.tensor2d(data, [rows.length, width]);
}

/**
 * Per-token log-probs of each rollout's completion under `policy` (no gradient), each at the
 * temperature the rollout was sampled at, in chunks of at most `chunk` rollouts of one
 * temperature and similar length ({@link scoringRuns}). Row i has `rollouts[i].completionIds.length` entries.
 */
export function scoreLogProbs(policy: Policy, rollouts: readonly Rollout[], chunk: number): number[][] {
  const out: number[][] = new Array(rollouts.length);
  const all = rollouts.map((_, i) => i);
  for (const run of scoringRuns(rollouts, scoringOrder(rollouts, all), scoringSpread(policy))) {
    for (let s = 0; s < run.rows.length; s += chunk) {
      const part = run.rows.slice(s, s + chunk).map((i) => rollouts[i] as Rollout);
      const lp = tf.tidy(
        () =>
          policy.logProbs({
            promptIds: part.map((r) => r.promptIds),
            completionIds: part.map((r) => r.completionIds),
            temperature: run.temperature,
          }).logProbs,
      );
      const rows = lp.arraySync() as number[][];
      lp.dispose();
      rows.forEach((row, k) => {
        out[run.rows[s + k] as number] = row.slice(0, part[k]?.completionIds.length ?? 0);
      });
    }
  }
  return out;
}

/**
 * Build the estimator input; `old`/`ref` are included only when the estimator requires them.
 * With `shaping` (the KL in the reward), `rewards` are the shaped ones and `outcomeRewards` /
 * `klPenalty` come along.
 */
export function buildAdvantageInput(
  rollouts: readonly Rollout[],
  requires: readonly EstimatorRequirement[],
  old: readonly (readonly number[])[] | undefined,
  ref: readonly (readonly number[])[] | undefined,
  shaping?: RewardKlShaping,
): AdvantageInput {
  const groups = denseIndex(rollouts.map((r) => r.groupId));
  const subGroups = denseIndex(rollouts.map((r) => `${r.groupId}\u0000${r.subGroup}`));
  const masks = rollouts.map((r) => r.lossMask);
  const lengths = masks.map((m) => m.reduce((a, b) => a + b, 0));
  const input: { -readonly [K in keyof AdvantageInput]: AdvantageInput[K] } = {
    rewards: shaping ? shaping.rewards : rollouts.map((r) => r.reward),
    groupIndex: groups.index,
    numGroups: groups.count,
    subGroupIndex: subGroups.index,
    lengths,
    masks,
  };
  if (requires.includes('oldSeqLogProbs') && old) {
    const sums = old.map((row, i) => row.reduce((a, v, t) => a + v * ((masks[i]?.[t] ?? 0) as number), 0));
    input.oldSeqLogProbSum = sums;
    input.oldSeqLogProbMean = sums.map((s, i) => s / Math.max(1, lengths[i] as number));
  }
  if (requires.includes('oldLogProbs') && old) input.oldLogProbs = old;
  if (requires.includes('refLogProbs') && ref) input.refLogProbs = ref;
  if (shaping) {
    input.outcomeRewards = shaping.outcomeRewards;
    input.klPenalty = shaping.penalty;
  }
  return input;
}

/** Per-token advantage rows (zero on masked tokens) from either output shape. */
export function advantageRows(out: AdvantageOutput, rollouts: readonly Rollout[]): number[][] {
  return rollouts.map((r, i) => {
    const row = out.perToken?.[i];
    const seq = out.perSequence?.[i];
    if (row === undefined && seq === undefined) throw new Error(`advantage estimator returned nothing for rollout ${i}`);
    return r.lossMask.map((m, t) => (m ? (row ? (row[t] ?? 0) : (seq as number)) : 0));
  });
}
