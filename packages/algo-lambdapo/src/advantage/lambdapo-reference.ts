import { groupLayout, meanOf, unbiasedStd } from '@trellis/core';
import type { LambdaPoParams } from './lambdapo-options';
import type { LambdaPoResult } from './lambdapo-result';

const sigmoid = (x: number): number => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

/**
 * Plain-array float64 reference of the LambdaPO pairwise advantage (one explicit loop per pair):
 * for every group of size G >= 2,
 * `A_i = 1/(G-1) sum_{j != i} (r_i - r_j) w_ij` with `w_ij = sigma(-sign(r_i - r_j)(s_i - s_j)/tau)`
 * (`attenuate`) or `sigma(+...)` (`confidence`), then the optional normalisation
 * `A / sqrt(var(A) + eps)` (unbiased variance; epsilon on the variance as verl / OpenRLHF). Groups of
 * one get 0.
 *
 * @param rewards `[n]` total reward per rollout.
 * @param scores `[n]` finite old-policy sequence score per rollout (e.g. mean log-prob, nats).
 * @param groupIndex `[n]` group of each rollout, integers in `[0, numGroups)`.
 */
export function lambdaPoReference(
  rewards: readonly number[],
  scores: readonly number[],
  groupIndex: readonly number[],
  numGroups: number,
  params: LambdaPoParams,
): LambdaPoResult {
  const layout = groupLayout(groupIndex, numGroups);
  const sign = params.weightMode === 'attenuate' ? -1 : 1;
  const advantages = new Array<number>(rewards.length).fill(0);
  let pairs = 0;
  let weightSum = 0;
  let agree = 0;
  for (const group of layout.members) {
    const size = group.length;
    if (size < 2) continue;
    for (const i of group) {
      let acc = 0;
      for (const j of group) {
        if (j === i) continue;
        const dr = (rewards[i] as number) - (rewards[j] as number);
        if (dr === 0) continue;
        const ds = (scores[i] as number) - (scores[j] as number);
        const w = sigmoid((sign * Math.sign(dr) * ds) / params.tau);
        acc += dr * w;
        if (dr > 0) {
          pairs++;
          weightSum += w;
          if (ds > 0) agree++;
        }
      }
      advantages[i] = acc / (size - 1);
    }
    if (params.normalize === 'group-std') {
      const values = group.map((i) => advantages[i] as number);
      const scale = unbiasedStd(values, meanOf(values), params.eps);
      for (const i of group) advantages[i] = (advantages[i] as number) / scale;
    }
  }
  if (params.normalize === 'batch-std') {
    const scale = unbiasedStd(advantages, meanOf(advantages), params.eps);
    for (let i = 0; i < advantages.length; i++) advantages[i] = (advantages[i] as number) / scale;
  }
  return { advantages, pairs, meanWeight: weightSum / pairs, agreement: agree / pairs };
}
