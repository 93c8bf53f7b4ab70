import * as tf from '@tensorflow/tfjs';

/**
 * `x W` for 2-D `x [N, in]` and `W [in, out]`, with a gradient that uses only plain 2-D matmuls and
 * explicit transposes (`dx = dy W^T`, `dW = x^T dy`). tfjs's own matMul gradient sets
 * transposeA/transposeB, which the wasm backend runs in a scalar loop instead of XNNPACK.
 */
export const linear = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [x, w, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
  save([x, w]);
  return {
    value: tf.matMul(x, w),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xs, ws] = saved as [tf.Tensor2D, tf.Tensor2D];
      return [tf.matMul(dy as tf.Tensor2D, tf.transpose(ws)), tf.matMul(tf.transpose(xs), dy as tf.Tensor2D)];
    },
  };
}) as (x: tf.Tensor2D, w: tf.Tensor2D) => tf.Tensor2D;

/** `linear(x, W) + b` for `x [N, in]`, `W [in, out]`, `b [out]`. */
export function dense(x: tf.Tensor2D, w: tf.Tensor, b: tf.Tensor): tf.Tensor2D {
  return tf.add(linear(x, w as tf.Tensor2D), b);
}

/** LayerNorm over the last axis: `(x - mean) / sqrt(var + eps) * g + b` (biased variance). */
export function layerNorm(x: tf.Tensor2D, g: tf.Tensor, b: tf.Tensor, eps: number): tf.Tensor2D {
  const mean = tf.mean(x, -1, true);
  const xc = tf.sub(x, mean);
  const variance = tf.mean(tf.square(xc), -1, true);
  return tf.add(tf.mul(tf.mul(xc, tf.rsqrt(tf.add(variance, eps))), g), b);
}

const GELU_C = 2 * Math.sqrt(2 / Math.PI);

/**
 * GELU, tanh approximation (PyTorch `approximate='tanh'`), written with the identity
 * `0.5 (1 + tanh(u)) = sigmoid(2u)`: tanh is several times slower than sigmoid on wasm.
 */
export function gelu(x: tf.Tensor): tf.Tensor {
  return tf.mul(x, tf.sigmoid(tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), 0.044715)), GELU_C)));
}

/**
 * Rotary tables for positions `pos` (one per row/column, flattened): cos and sin of shape
 * `[count, headDim]`, halves duplicated (`rotate_half` convention), frequencies `base^(-2i/headDim)`.
 */
export function rotaryTables(pos: ArrayLike<number>, headDim: number, base: number): { cos: Float32Array; sin: Float32Array } {
  const half = headDim / 2;
  const cos = new Float32Array(pos.length * headDim);
  const sin = new Float32Array(pos.length * headDim);
  for (let r = 0; r < pos.length; r++) {
    for (let i = 0; i < half; i++) {
      const a = (pos[r] as number) * base ** ((-2 * i) / headDim);
      const c = Math.cos(a);
      const s = Math.sin(a);
      const o = r * headDim;
      cos[o + i] = c;
      cos[o + i + half] = c;
      sin[o + i] = s;
      sin[o + i + half] = s;
    }
  }
  return { cos, sin };
}

/** Apply rotary embedding to `x [..., headDim]`: `x cos + rotate_half(x) sin`, `rotate_half([a, b]) = [-b, a]`. */
export function applyRotary(x: tf.Tensor, cos: tf.Tensor, sin: tf.Tensor): tf.Tensor {
  const half = (x.shape[x.rank - 1] as number) / 2;
  const [a, b] = tf.split(x, [half, half], -1) as [tf.Tensor, tf.Tensor];
  const rotated = tf.concat([tf.neg(b), a], -1);
  return tf.add(tf.mul(x, cos), tf.mul(rotated, sin));
}

/** One-hot rows as float32 (`tf.oneHot` with a float dtype is wrong on wasm; cast instead). */
export function oneHotFloat(ids: tf.Tensor1D, depth: number): tf.Tensor2D {
  return tf.cast(tf.oneHot(ids, depth), 'float32') as tf.Tensor2D;
}
