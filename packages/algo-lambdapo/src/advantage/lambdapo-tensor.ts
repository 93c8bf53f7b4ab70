import * as tf from '@tensorflow/tfjs-core';
import { groupLayout, meanOf } from '@trellis/core';
import type { LambdaPoParams } from './lambdapo-options';
import { lambdaPoPadded } from './lambdapo-padded';
import type { LambdaPoResult } from './lambdapo-result';

/** Subtract each group's mean (float64) so float32 keeps the within-group differences. */
function centred(values: readonly number[], members: readonly (readonly number[])[]): Float64Array {
  const out = new Float64Array(values.length);
  for (const group of members) {
    const mean = meanOf(group.map((i) => values[i] as number));
    for (const i of group) out[i] = (values[i] as number) - mean;
  }
  return out;
}

/**
 * LambdaPO advantages with TensorFlow.js on the active backend (float32), vectorised over groups:
 * the flat batch is padded to `[numGroups, Gmax]` with a mask (unequal group sizes allowed) and
 * `lambdaPoPadded` does the pair math. Same contract and result as `lambdaPoReference`; leaves
 * no tensors behind.
 *
 * @param rewards `[n]` total reward per rollout.
 * @param scores `[n]` finite old-policy sequence score per rollout.
 * @param groupIndex `[n]` group of each rollout, integers in `[0, numGroups)`.
 */
export function lambdaPoTensor(
  rewards: readonly number[],
  scores: readonly number[],
  groupIndex: readonly number[],
  numGroups: number,
  params: LambdaPoParams,
): LambdaPoResult {
  const layout = groupLayout(groupIndex, numGroups);
  const n = rewards.length;
  const width = layout.maxSize;
  if (n === 0 || width === 0)
    return { advantages: new Array<number>(n).fill(0), pairs: 0, meanWeight: Number.NaN, agreement: Number.NaN };
  const r = centred(rewards, layout.members);
  const s = centred(scores, layout.members);
  const size = numGroups * width;
  const rPad = new Float32Array(size);
  const sPad = new Float32Array(size);
  const mPad = new Float32Array(size);
  for (let i = 0; i < n; i++) {
    const at = (groupIndex[i] as number) * width + (layout.slot[i] as number);
    rPad[at] = r[i] as number;
    sPad[at] = s[i] as number;
    mPad[at] = 1;
  }
  const outputs = tf.tidy(() => {
    const out = lambdaPoPadded(
      tf.tensor2d(rPad, [numGroups, width]),
      tf.tensor2d(sPad, [numGroups, width]),
      tf.tensor2d(mPad, [numGroups, width]),
      params,
    );
    return [out.advantages, out.pairs, out.weightSum, out.agree];
  });
  const [adv, pairs, weightSum, agree] = outputs.map((t) => t.dataSync());
  for (const t of outputs) t.dispose();
  const padded = adv as Float32Array;
  const advantages = Array.from(
    { length: n },
    (_, i) => padded[(groupIndex[i] as number) * width + (layout.slot[i] as number)] as number,
  );
  const count = (pairs as Float32Array)[0] as number;
  return {
    advantages,
    pairs: count,
    meanWeight: ((weightSum as Float32Array)[0] as number) / count,
    agreement: ((agree as Float32Array)[0] as number) / count,
  };
}
