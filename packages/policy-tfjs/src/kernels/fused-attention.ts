import * as tf from '@tensorflow/tfjs';
import { AttentionRows, type RotaryRows, wasmAttentionBackward, wasmAttentionForward } from './wasm-kernels';

/**
 * Causal multi-head attention as one op on the wasm SIMD kernel, over the row segments `rows`
 * describes (left-padded rows or packed ones): `qkv [N, 3H, dh]` (Q | K | V heads, straight from
 * the QKV dense layer, no head transpose; N tokens) to `[N, H, dh]`. Scores are `(scale q) k^T`; a
 * token attends to its row's non-padding tokens up to itself; padding tokens get zeros. With
 * `rope` (one `dh` table row per token), q and k are rotated inside the kernel (`rotate_half`
 * convention) and the gradient un-rotates theirs: no rotary tfjs ops at all. The gradient
 * recomputes the probabilities (no L x L tensor is kept). Values cross via dataSync: for CPU-side
 * backends (wasm, cpu).
 */
export function fusedAttentionRows(qkv: tf.Tensor, rows: AttentionRows, scale: number, rope?: RotaryRows): tf.Tensor3D {
  const [N, threeH, dh] = qkv.shape as [number, number, number];
  const H = threeH / 3;
  if (N !== rows.tokens) throw new Error(`fusedAttention: ${N} tokens for rows of ${rows.tokens}`);
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, save] = args as [tf.Tensor, tf.GradSaveFunc];
    save([x]);
    const out = wasmAttentionForward(x.dataSync() as Float32Array, rows, H, dh, scale, rope);
    return {
      value: tf.tensor3d(out, [N, H, dh]),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const g = (Array.isArray(dy) ? dy[0] : dy) as tf.Tensor;
        const xs = saved[0] as tf.Tensor;
        const dqkv = wasmAttentionBackward(xs.dataSync() as Float32Array, g.dataSync() as Float32Array, rows, H, dh, scale, rope);
        return tf.tensor3d(dqkv, [N, threeH, dh]);
      },
    };
  });
  return (op as (x: tf.Tensor) => tf.Tensor3D)(qkv);
}

/**
 * {@link fusedAttentionRows} for left-padded rows: `qkv [B, L, 3H, dh]` to `[B, L, H, dh]`; row b
 * attends keys `pads[b] .. t` from query t (rotary tables `[B, L, dh]`).
 */
export function fusedAttention(qkv: tf.Tensor, pads: readonly number[], scale: number, rope?: RotaryRows): tf.Tensor4D {
  const [B, L, threeH, dh] = qkv.shape as [number, number, number, number];
  if (B !== pads.length) throw new Error(`fusedAttention: ${pads.length} pads for ${B} rows`);
  const flat = tf.reshape(qkv, [B * L, threeH, dh]);
  return tf.reshape(fusedAttentionRows(flat, AttentionRows.fromPads(pads, L), scale, rope), [B, L, threeH / 3, dh]);
}
