import {
  add,
  cast,
  cumsum,
  div,
  equal,
  expandDims,
  maximum,
  mul,
  sqrt,
  square,
  sub,
  sum,
  type Tensor1D,
  type Tensor2D,
  tidy,
} from '@tensorflow/tfjs-core';
import { groupLookup, groupOneHot, groupSum } from './group-ops';
import type { ReinforcePpOptions } from './reinforce-pp-advantages';

/** Padded tensor inputs of REINFORCE++ (T = longest completion). */
export interface ReinforcePpTensorInput {
  /** `[B]` outcome reward per rollout. */
  readonly rewards: Tensor1D;
  /** `[B]` dense group ids in `0..numGroups-1` (baseline variant only). */
  readonly groupIndex: Tensor1D;
  readonly numGroups: number;
  /** `[B, T]` 1 = trained token, 0 = masked or padding. */
  readonly mask: Tensor2D;
  /** `[B, T]` per-token KL penalty `beta * KL_t` subtracted from token rewards; absent = none. */
  readonly tokenPenalty?: Tensor2D;
}

/**
 * Tensor version of `reinforcePpAdvantages` (same steps, float32): returns are a reverse
 * cumulative sum along T, the outcome sits at the last trained token, whitening uses every
 * trained token of the batch, dividing by `sqrt(var + epsilon)`.
 *
 * @returns `[B, T]` advantages, 0 at masked positions.
 */
export function reinforcePpAdvantagesTensor(input: ReinforcePpTensorInput, options: ReinforcePpOptions): Tensor2D {
  const { mask } = input;
  return tidy(() => {
    let outcome: Tensor1D = input.rewards;
    if (options.baseline) {
      const groups = groupOneHot(input.groupIndex, input.numGroups);
      const mean = div(groupSum(groups, input.rewards), maximum(sum(groups, 0), 1)) as Tensor1D;
      outcome = sub(input.rewards, groupLookup(groups, mean));
    }
    const after = cumsum(mask, 1, true, true);
    const last = mul(mask, cast(equal(after, 0), 'float32'));
    let tokenRewards: Tensor2D = mul(last, expandDims(outcome, 1));
    if (input.tokenPenalty) tokenRewards = sub(tokenRewards, mul(input.tokenPenalty, mask));
    const returns: Tensor2D = mul(cumsum(tokenRewards, 1, false, true), mask);
    const count = maximum(sum(mask), 1);
    const mean = div(sum(returns), count);
    const centred = mul(sub(returns, mean), mask);
    const scale = sqrt(add(div(sum(square(centred)), count), options.epsilon));
    return mul(div(centred, scale), mask) as Tensor2D;
  });
}
