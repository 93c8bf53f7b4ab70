import { cast, expandDims, mul, oneHot, sum, type Tensor1D, type Tensor2D, tidy } from '@tensorflow/tfjs-core';

/**
 * `[N, G]` float one-hot of group membership. Group sums and per-row lookups below use only
 * elementwise ops and reductions, which run on every backend (wasm lacks UnsortedSegmentSum, and
 * a float-typed `oneHot` is broken there, hence the cast). `oneHot` needs depth >= 2, so one
 * group gets an extra all-zero column, which changes no result.
 *
 * @param groupIndex `[N]` dense group ids in `0..numGroups-1`.
 */
export function groupOneHot(groupIndex: Tensor1D, numGroups: number): Tensor2D {
  return tidy(() => cast(oneHot(cast(groupIndex, 'int32'), Math.max(numGroups, 2)), 'float32') as Tensor2D);
}

/** Per-group sums of a per-row value: `[N, G]` one-hot, `[N]` -> `[G]`. */
export function groupSum(oneHotGroups: Tensor2D, values: Tensor1D): Tensor1D {
  return tidy(() => sum(mul(oneHotGroups, expandDims(values, 1)), 0) as Tensor1D);
}

/** Each row's group value: `[N, G]` one-hot, `[G]` -> `[N]`. */
export function groupLookup(oneHotGroups: Tensor2D, perGroup: Tensor1D): Tensor1D {
  return tidy(() => sum(mul(oneHotGroups, expandDims(perGroup, 0)), 1) as Tensor1D);
}
