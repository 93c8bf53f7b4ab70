import * as tf from '@tensorflow/tfjs';
import { columnSum, recordingGradients } from '../layers';

const rmsNormOps = new Map<number, (x: tf.Tensor2D, g: tf.Tensor1D) => tf.Tensor2D>();

function rstdOf(x: tf.Tensor2D, eps: number): tf.Tensor2D {
  return tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), eps)) as tf.Tensor2D;
}

/**
 * RMSNorm with a hand-written gradient (reductions over the last axis; the gain's by
 * `columnSum`): `y = x r g` with `r = 1 / sqrt(mean(x^2) + eps)`;
 * `dx = r (g dy) - x r^3 mean(x g dy)`, `dg = sum_rows(dy x r)`.
 */
function rmsNormOp(eps: number): (x: tf.Tensor2D, g: tf.Tensor1D) => tf.Tensor2D {
  let op = rmsNormOps.get(eps);
  if (!op) {
    op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const [x, g, save] = args as [tf.Tensor2D, tf.Tensor1D, tf.GradSaveFunc];
      const r = rstdOf(x, eps);
      const xhat = tf.mul(x, r) as tf.Tensor2D;
      save([xhat, r, g]);
      return {
        value: tf.mul(xhat, g),
        gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
          const d = (Array.isArray(dy) ? dy[0] : dy) as tf.Tensor2D;
          const [xh, rs, gain] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
          const dxhat = tf.mul(d, gain);
          // dx = r (dxhat - xhat mean(xhat dxhat))
          const dx = tf.mul(tf.sub(dxhat, tf.mul(xh, tf.mean(tf.mul(xh, dxhat), -1, true))), rs);
          return [dx, columnSum(tf.mul(d, xh) as tf.Tensor2D)];
        },
      };
    }) as (x: tf.Tensor2D, g: tf.Tensor1D) => tf.Tensor2D;
    rmsNormOps.set(eps, op);
  }
  return op;
}

/** RMSNorm over the last axis of `x [N, d]` with gain `g [d]` (Llama's `LlamaRMSNorm`, computed in float32). */
export function rmsNorm(x: tf.Tensor2D, g: tf.Tensor, eps: number): tf.Tensor2D {
  if (recordingGradients()) return rmsNormOp(eps)(x, g as tf.Tensor1D);
  return tf.mul(tf.mul(x, rstdOf(x, eps)), g) as tf.Tensor2D;
}

/** SwiGLU gate: `silu(gate) * up` (elementwise; `silu(x) = x sigmoid(x)`). */
export function swiglu(gate: tf.Tensor, up: tf.Tensor): tf.Tensor2D {
  return tf.mul(tf.mul(gate, tf.sigmoid(gate)), up) as tf.Tensor2D;
}

/**
 * Rotary cos/sin tables `[count, headDim]` for positions `pos` from inverse frequencies `invFreq`
 * (length headDim / 2, after any `rope_scaling`), halves duplicated (`rotate_half` convention, as
 * transformers' `cat(freqs, freqs)`), both multiplied by `scaling` (YaRN's attention factor; 1 otherwise).
 */
export function rotaryTablesFromFreq(
  pos: ArrayLike<number>,
  invFreq: ArrayLike<number>,
  scaling: number,
): { cos: Float32Array; sin: Float32Array } {
  const half = invFreq.length;
  const headDim = 2 * half;
  const cos = new Float32Array(pos.length * headDim);
  const sin = new Float32Array(pos.length * headDim);
  for (let r = 0; r < pos.length; r++) {
    const o = r * headDim;
    for (let i = 0; i < half; i++) {
      // transformers computes the angle in float32 (inv_freq float32 times position); do the same.
      const a = Math.fround(Math.fround(pos[r] as number) * Math.fround(invFreq[i] as number));
      const c = Math.cos(a) * scaling;
      const s = Math.sin(a) * scaling;
      cos[o + i] = c;
      cos[o + i + half] = c;
      sin[o + i] = s;
      sin[o + i + half] = s;
    }
  }
  return { cos, sin };
}

/**
 * Grouped-query attention: repeat each of the `kvHeads` heads of `x [B, L, kvHeads, dh]`
 * `rep` times (head h of the result is kv head `floor(h / rep)`, transformers' `repeat_kv`), giving
 * `[B, L, kvHeads * rep, dh]`. Uses a rank-4 tile, whose gradient tfjs implements.
 */
export function repeatKV(x: tf.Tensor, rep: number): tf.Tensor4D {
  if (rep === 1) return x as tf.Tensor4D;
  const [B, L, Hk, dh] = x.shape as [number, number, number, number];
  const tiled = tf.tile(tf.reshape(x, [B * L, Hk, 1, dh]), [1, 1, rep, 1]);
  return tf.reshape(tiled, [B, L, Hk * rep, dh]) as tf.Tensor4D;
}
