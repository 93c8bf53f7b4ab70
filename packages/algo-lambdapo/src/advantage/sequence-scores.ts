import { type AdvantageInput, groupLayout, meanOf } from '@trellis/core';
import type { SequenceScore } from './lambdapo-options';

/**
 * The old-policy sequence score `s_i` of every rollout: `oldSeqLogProbMean` (`mean`) or
 * `oldSeqLogProbSum` (`sum`), in nats (per token for `mean`). A non-finite score (e.g. the mean of
 * a rollout with no trained tokens) is replaced by the mean of the finite scores of its group
 * (0 if none), so its pairs carry no preference information. Throws when the trainer did not
 * provide the requested array or its length is wrong.
 */
export function sequenceScores(input: AdvantageInput, mode: SequenceScore): number[] {
  const key = mode === 'mean' ? 'oldSeqLogProbMean' : 'oldSeqLogProbSum';
  const raw = input[key];
  if (!raw) throw new Error(`lambdapo: AdvantageInput.${key} is missing (the estimator requires 'oldSeqLogProbs')`);
  if (raw.length !== input.rewards.length) {
    throw new Error(`lambdapo: AdvantageInput.${key} has ${raw.length} entries for ${input.rewards.length} rollouts`);
  }
  if (raw.every(Number.isFinite)) return [...raw];
  const out = [...raw];
  for (const group of groupLayout(input.groupIndex, input.numGroups).members) {
    const finite = group.map((i) => raw[i] as number).filter(Number.isFinite);
    const fill = meanOf(finite);
    for (const i of group) if (!Number.isFinite(raw[i])) out[i] = fill;
  }
  return out;
}
