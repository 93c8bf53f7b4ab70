import * as tf from '@tensorflow/tfjs';
import { type RotaryRows, wasmAttentionBackward, wasmAttentionForward } from './wasm-kernels';

/**
 * Causal multi-head attention as one op on the wasm SIMD kernel, for left-padded rows:
 * `qkv [B, L, 3H, dh]` (Q | K | V heads, straight from the QKV dense layer, no head transpose) to
 * `[B, L, H, dh]`. Scores are `(scale q) k^T`; row b attends keys `pads[b] .. t`; queries in the
 * padding get zeros. With `rope` (`[B, L, dh]` tables), q and k are rotated inside the kernel
 * (`rotate_half` convention) and the gradient un-rotates theirs: no rotary tfjs ops at all. The
 * gradient recomputes the probabilities (no L x L tensor is kept). Values cross via dataSync: for
 * CPU-side backends (wasm, cpu).
 */
export function fusedAttention(qkv: tf.Tensor, pads: readonly number[], scale: number, rope?: RotaryRows): tf.Tensor4D {
  const [B, L, threeH, dh] = qkv.shape as [number, number, number, number];
  const H = threeH / 3;
  if (B !== pads.length) throw new Error(`fusedAttention: ${pads.length} pads for ${B} rows`);
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, save] = args as [tf.Tensor, tf.GradSaveFunc];
    save([x]);
    const out = wasmAttentionForward(x.dataSync() as Float32Array, pads, L, H, dh, scale, rope);
    return {
      value: tf.tensor4d(out, [B, L, H, dh]),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const g = (Array.isArray(dy) ? dy[0] : dy) as tf.Tensor;
        const xs = saved[0] as tf.Tensor;
        const dqkv = wasmAttentionBackward(
          xs.dataSync() as Float32Array,
          g.dataSync() as Float32Array,
          pads,
          L,
          H,
          dh,
          scale,
          rope,
        );
        return tf.tensor4d(dqkv, [B, L, threeH, dh]);
      },
    };
  });
  return (op as (x: tf.Tensor) => tf.Tensor4D)(qkv);
}
