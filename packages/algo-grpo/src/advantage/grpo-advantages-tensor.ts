import { add, cast, div, greater, maximum, mul, sqrt, square, sub, sum, type Tensor1D, tidy } from '@tensorflow/tfjs-core';
import { groupLookup, groupOneHot, groupSum } from './group-ops';
import type { GrpoAdvantageOptions } from './grpo-advantages';

/**
 * Tensor version of `grpoAdvantages` (same formula, float32): `(r - mean) / sqrt(var + epsilon)`.
 *
 * @param rewards `[N]` total reward per rollout.
 * @param groupIndex `[N]` dense group ids in `0..numGroups-1` (int32 or float).
 * @returns `[N]` advantages; 0 for groups of one.
 */
export function grpoAdvantagesTensor(
  rewards: Tensor1D,
  groupIndex: Tensor1D,
  numGroups: number,
  options: GrpoAdvantageOptions,
): Tensor1D {
  return tidy(() => {
    const groups = groupOneHot(groupIndex, numGroups);
    const counts = sum(groups, 0) as Tensor1D;
    const mean = div(groupSum(groups, rewards), maximum(counts, 1)) as Tensor1D;
    const dev = sub(rewards, groupLookup(groups, mean)) as Tensor1D;
    const rowCount = groupLookup(groups, counts);
    const valid = cast(greater(rowCount, 1), 'float32');
    if (!options.normalizeStd) return mul(dev, valid) as Tensor1D;
    const variance = div(groupSum(groups, square(dev) as Tensor1D), maximum(sub(counts, 1), 1)) as Tensor1D;
    const std = groupLookup(groups, sqrt(add(variance, options.epsilon)) as Tensor1D);
    return mul(div(dev, std), valid) as Tensor1D;
  });
}
