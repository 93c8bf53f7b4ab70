import { cast, div, greater, maximum, mul, onesLike, sub, type Tensor1D, tidy } from '@tensorflow/tfjs-core';
import { groupLookup, groupOneHot, groupSum } from './group-ops';

/**
 * Tensor version of `rlooAdvantages`: `A_i = r_i - (S_g - r_i) / (n_g - 1)`, 0 for groups of one.
 *
 * @param rewards `[N]` total reward per rollout.
 * @param groupIndex `[N]` dense group ids in `0..numGroups-1`.
 * @returns `[N]` advantages.
 */
export function rlooAdvantagesTensor(rewards: Tensor1D, groupIndex: Tensor1D, numGroups: number): Tensor1D {
  return tidy(() => {
    const groups = groupOneHot(groupIndex, numGroups);
    const rowCount = groupLookup(groups, groupSum(groups, onesLike(rewards)));
    const rowTotal = groupLookup(groups, groupSum(groups, rewards));
    const others = div(sub(rowTotal, rewards), maximum(sub(rowCount, 1), 1));
    return mul(sub(rewards, others), cast(greater(rowCount, 1), 'float32')) as Tensor1D;
  });
}
