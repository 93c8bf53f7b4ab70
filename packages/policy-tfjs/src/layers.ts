import * as tf from '@tensorflow/tfjs';
import { wasmColumnSums, wasmTranspose } from './kernels/wasm-kernels';

/**
 * `x^T dy` for `x [N, in]`, `dy [N, out]` with plain 2-D matMuls (XNNPACK on wasm). XNNPACK packs
 * a product's right operand on every call with a tensor it has not seen (here always: both are
 * fresh activations), so the narrower operand goes on the right and the wider one is transposed
 * on the left: `(dy^T x)^T` when `x` is the narrower, `x^T dy` otherwise (the final transpose is
 * of the small `[in, out]` result). Measured on fresh `[3008, 128]` and `[3008, 512]` operands:
 * 17-18 ms against 26-33 ms for the other order.
 */
function weightGrad(x: tf.Tensor2D, dy: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() =>
    x.shape[1] < dy.shape[1] ? (transpose2d(tf.matMul(transpose2d(dy), x)) as tf.Tensor2D) : tf.matMul(transpose2d(x), dy),
  );
}

/** Whether the backend keeps tensors in CPU memory (wasm, cpu), where reading one costs a copy. */
function cpuSide(): boolean {
  return ['wasm', 'cpu'].includes(tf.getBackend());
}

/**
 * `x^T` for 2-D `x [N, k]`. tfjs's wasm Transpose slows down 4-5x when N is a multiple of 512-1024
 * (8.6 ns per element for `[2048, 512]` against 1.3-1.8 for `[2000, 512]` or `[3008, 512]`: the
 * output rows alias in the cache), so such shapes go through the kernel module's blocked
 * transpose on CPU-side backends; other shapes stay on tfjs, which is faster for them.
 */
export function transpose2d(x: tf.Tensor2D): tf.Tensor2D {
  const [N, k] = x.shape;
  if (N % 512 !== 0 || !cpuSide()) return tf.transpose(x);
  return tf.tensor2d(wasmTranspose(x.dataSync() as Float32Array, N, k), [k, N]);
}

/**
 * Sum over rows, `[N, k] -> [k]` (bias and gain gradients). tfjs's column sum transposes first
 * (slow for the shapes above) and a `ones [1, N]` matMul pays XNNPACK's packing of the whole
 * operand; on CPU-side backends the kernel module streams the rows once (float32 sums in row order).
 */
export function columnSum(g: tf.Tensor2D): tf.Tensor1D {
  if (!cpuSide()) return tf.sum(g, 0);
  const [N, k] = g.shape;
  return tf.tensor1d(wasmColumnSums(g.dataSync() as Float32Array, N, k));
}

/**
 * Save what a backward pass needs. A variable (the weights) outlives the gradient computation, so
 * it is read from the closure instead of saved: `save` clones, and on wasm a clone copies the data
 * (a full copy of every weight matrix per forward pass under a tape).
 */
function saveInputs(save: tf.GradSaveFunc, x: tf.Tensor, w: tf.Tensor): void {
  save(w instanceof tf.Variable ? [x] : [x, w]);
}

/**
 * `x W` for 2-D `x [N, in]` and `W [in, out]`, with a gradient that uses only plain 2-D matmuls and
 * explicit transposes (`dx = dy W^T`, `dW = x^T dy`). tfjs's own matMul gradient sets
 * transposeA/transposeB, which the wasm backend runs in a scalar loop instead of XNNPACK.
 */
const linearOp = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [x, w, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
  saveInputs(save, x, w);
  return {
    value: tf.matMul(x, w),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const xs = saved[0] as tf.Tensor2D;
      const ws = (saved[1] ?? w) as tf.Tensor2D;
      return [tf.matMul(dy as tf.Tensor2D, tf.transpose(ws)), weightGrad(xs, dy as tf.Tensor2D)];
    },
  };
}) as (x: tf.Tensor2D, w: tf.Tensor2D) => tf.Tensor2D;

const tiedHeadOp = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [x, e, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
  saveInputs(save, x, e);
  return {
    value: tf.tidy(() => tf.matMul(x, tf.transpose(e))),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const xs = saved[0] as tf.Tensor2D;
      const es = (saved[1] ?? e) as tf.Tensor2D;
      // dx = dy E (no transpose), dE = dy^T x ([V, d], E's own layout)
      return [tf.matMul(dy as tf.Tensor2D, es), weightGrad(dy as tf.Tensor2D, xs)];
    },
  };
}) as (x: tf.Tensor2D, e: tf.Tensor2D) => tf.Tensor2D;

/**
 * A tied output head `x E^T` for `x [N, d]` and the embedding table `E [V, d]`. Under a gradient
 * tape it neither keeps the transposed `[d, V]` table nor transposes the gradient back
 * (`dx = dy E`, `dE = dy^T x`); otherwise a transpose and one matMul.
 */
export function tiedHead(x: tf.Tensor2D, e: tf.Tensor2D): tf.Tensor2D {
  return recordingGradients() ? tiedHeadOp(x, e) : tf.tidy(() => tf.matMul(x, tf.transpose(e)));
}

/** True while a gradient tape records (inside `tf.grads`, `variableGrads`, `minimize`). */
export function recordingGradients(): boolean {
  return tf.engine().state.gradientDepth > 0;
}

/**
 * `x W` for `x [N, in]`, `W [in, out]`. Under a gradient tape its gradient uses only plain 2-D
 * matmuls with explicit transposes (see above); otherwise it is a bare matMul, skipping the
 * custom-gradient bookkeeping (sampling, reference log-probs).
 */
export function linear(x: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
  return recordingGradients() ? linearOp(x, w) : tf.matMul(x, w);
}

const denseOp = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [x, w, b, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.GradSaveFunc];
  saveInputs(save, x, w);
  return {
    value: tf.add(tf.matMul(x, w), b),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const xs = saved[0] as tf.Tensor2D;
      const ws = (saved[1] ?? w) as tf.Tensor2D;
      const g = dy as tf.Tensor2D;
      return [tf.matMul(g, tf.transpose(ws)), weightGrad(xs, g), columnSum(g)];
    },
  };
}) as (x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor2D;

/** `x W + b` for `x [N, in]`, `W [in, out]`, `b [out]`; like {@link linear}, with a {@link columnSum} bias gradient. */
export function dense(x: tf.Tensor2D, w: tf.Tensor, b: tf.Tensor): tf.Tensor2D {
  return recordingGradients() ? denseOp(x, w as tf.Tensor2D, b as tf.Tensor1D) : tf.add(tf.matMul(x, w as tf.Tensor2D), b);
}

function normalize(x: tf.Tensor2D, eps: number): { xhat: tf.Tensor2D; rstd: tf.Tensor2D } {
  const xc = tf.sub(x, tf.mean(x, -1, true));
  const rstd = tf.rsqrt(tf.add(tf.mean(tf.square(xc), -1, true), eps)) as tf.Tensor2D;
  return { xhat: tf.mul(xc, rstd), rstd };
}

const layerNormOps = new Map<number, (x: tf.Tensor2D, g: tf.Tensor1D, b: tf.Tensor1D) => tf.Tensor2D>();

/** LayerNorm with a hand-written gradient: reductions over the last axis, gain and bias by {@link columnSum}. */
function layerNormOp(eps: number): (x: tf.Tensor2D, g: tf.Tensor1D, b: tf.Tensor1D) => tf.Tensor2D {
  let op = layerNormOps.get(eps);
  if (!op) {
    op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const [x, g, b, save] = args as [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D, tf.GradSaveFunc];
      const { xhat, rstd } = normalize(x, eps);
      save([xhat, rstd, g]);
      return {
        value: tf.add(tf.mul(xhat, g), b),
        gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
          const d = (Array.isArray(dy) ? dy[0] : dy) as tf.Tensor2D;
          const [xh, rs, gain] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
          const dxhat = tf.mul(d, gain);
          const centred = tf.sub(tf.sub(dxhat, tf.mean(dxhat, -1, true)), tf.mul(xh, tf.mean(tf.mul(dxhat, xh), -1, true)));
          return [tf.mul(centred, rs), columnSum(tf.mul(d, xh) as tf.Tensor2D), columnSum(d)];
        },
      };
    }) as (x: tf.Tensor2D, g: tf.Tensor1D, b: tf.Tensor1D) => tf.Tensor2D;
    layerNormOps.set(eps, op);
  }
  return op;
}

/**
 * LayerNorm over the last axis: `(x - mean) / sqrt(var + eps) * g + b` (biased variance). Under a
 * gradient tape it uses a hand-written gradient (fewer ops than tfjs's autodiff of the formula).
 */
export function layerNorm(x: tf.Tensor2D, g: tf.Tensor, b: tf.Tensor, eps: number): tf.Tensor2D {
  if (recordingGradients()) return layerNormOp(eps)(x, g as tf.Tensor1D, b as tf.Tensor1D);
  const { xhat } = normalize(x, eps);
  return tf.add(tf.mul(xhat, g), b);
}

const GELU_C = 2 * Math.sqrt(2 / Math.PI);

/**
 * GELU, tanh approximation (PyTorch `approximate='tanh'`), written with the identity
 * `0.5 (1 + tanh(u)) = sigmoid(2u)`: tanh is several times slower than sigmoid on wasm, and so is
 * `pow(x, 3)` compared with two multiplications.
 */
export function gelu(x: tf.Tensor): tf.Tensor {
  return recordingGradients() ? geluOp(x) : geluValue(x).y;
}

function geluValue(x: tf.Tensor): { y: tf.Tensor; s: tf.Tensor } {
  const cube = tf.mul(tf.mul(x, x), x);
  const s = tf.sigmoid(tf.mul(tf.add(x, tf.mul(cube, 0.044715)), GELU_C));
  return { y: tf.mul(x, s), s };
}

/**
 * GELU with a hand-written gradient: `dy (s + x s (1 - s) c (1 + 3 * 0.044715 x^2))`, `s` the
 * forward's sigmoid, `c` = {@link GELU_C}. Nine elementwise ops instead of autodiff's ~20 (its
 * Multiply gradients also cast both inputs, a full copy each on wasm).
 */
const geluOp = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [x, save] = args as [tf.Tensor, tf.GradSaveFunc];
  const { y, s } = geluValue(x);
  save([x, s]);
  return {
    value: y,
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const d = Array.isArray(dy) ? (dy[0] as tf.Tensor) : dy;
      const [xs, ss] = saved as [tf.Tensor, tf.Tensor];
      const slope = tf.add(tf.mul(tf.mul(xs, xs), GELU_C * 3 * 0.044715), GELU_C);
      const sigmoidGrad = tf.sub(ss, tf.mul(ss, ss));
      return [tf.mul(d, tf.add(ss, tf.mul(tf.mul(xs, sigmoidGrad), slope)))];
    },
  };
}) as (x: tf.Tensor) => tf.Tensor;

/** Per-position rotary rows, computed once per `(headDim, base)` and grown on demand. */
const rotaryCache = new Map<string, { cos: Float32Array; sin: Float32Array; count: number }>();

function rotaryRows(headDim: number, base: number, count: number): { cos: Float32Array; sin: Float32Array } {
  const key = `${headDim}:${base}`;
  const have = rotaryCache.get(key);
  if (have && have.count >= count) return have;
  const n = Math.max(count, 2 * (have?.count ?? 0), 256);
  const half = headDim / 2;
  const cos = new Float32Array(n * headDim);
  const sin = new Float32Array(n * headDim);
  for (let p = 0; p < n; p++) {
    for (let i = 0; i < half; i++) {
      const a = p * base ** ((-2 * i) / headDim);
      const o = p * headDim;
      cos[o + i] = cos[o + i + half] = Math.cos(a);
      sin[o + i] = sin[o + i + half] = Math.sin(a);
    }
  }
  const table = { cos, sin, count: n };
  rotaryCache.set(key, table);
  return table;
}

/**
 * Rotary tables for positions `pos` (one per row/column, flattened): cos and sin of shape
 * `[count, headDim]`, halves duplicated (`rotate_half` convention), frequencies `base^(-2i/headDim)`.
 * Rows are copied from a per-position table (positions are non-negative integers).
 */
export function rotaryTables(pos: ArrayLike<number>, headDim: number, base: number): { cos: Float32Array; sin: Float32Array } {
  let top = 0;
  for (let r = 0; r < pos.length; r++) {
    const p = pos[r] as number;
    if (!Number.isInteger(p) || p < 0) throw new Error(`rotary position must be a non-negative integer, got ${p}`);
    if (p > top) top = p;
  }
  const table = rotaryRows(headDim, base, top + 1);
  const cos = new Float32Array(pos.length * headDim);
  const sin = new Float32Array(pos.length * headDim);
  for (let r = 0; r < pos.length; r++) {
    const from = (pos[r] as number) * headDim;
    cos.set(table.cos.subarray(from, from + headDim), r * headDim);
    sin.set(table.sin.subarray(from, from + headDim), r * headDim);
  }
  return { cos, sin };
}

const rotateHalfMatrices = new Map<number, Float32Array>();

/** `R [d, d]` with `x R = rotate_half(x) = [-b, a]` for `x = [a, b]` (one +-1 per column). */
function rotateHalfMatrix(d: number): Float32Array {
  let m = rotateHalfMatrices.get(d);
  if (!m) {
    const half = d / 2;
    m = new Float32Array(d * d);
    for (let j = 0; j < half; j++) m[(j + half) * d + j] = -1;
    for (let j = half; j < d; j++) m[(j - half) * d + j] = 1;
    rotateHalfMatrices.set(d, m);
  }
  return m;
}

/**
 * Apply rotary embedding to `x [..., headDim]`: `x cos + rotate_half(x) sin`, `rotate_half([a, b]) = [-b, a]`.
 * `rotate_half` is a product with a signed permutation matrix (exact: one non-zero term per
 * output): on wasm, SplitV + Concat of the halves cost ~6x that matmul (profile in BENCHMARKS.md).
 */
export function applyRotary(x: tf.Tensor, cos: tf.Tensor, sin: tf.Tensor): tf.Tensor {
  const d = x.shape[x.rank - 1] as number;
  const r = tf.tensor2d(rotateHalfMatrix(d), [d, d]);
  const rotated = tf.reshape(tf.matMul(tf.reshape(x, [-1, d]), r), x.shape);
  return tf.add(tf.mul(x, cos), tf.mul(rotated, sin));
}

/** One-hot rows as float32 (`tf.oneHot` with a float dtype is wrong on wasm; cast instead). */
export function oneHotFloat(ids: tf.Tensor1D, depth: number): tf.Tensor2D {
  return tf.cast(tf.oneHot(ids, depth), 'float32') as tf.Tensor2D;
}

/** Largest vocabulary embedded by one-hot matmul (larger ones use gather + scatter-add). */
export const ONE_HOT_MAX_VOCAB = 512;

/**
 * Token embedding `table[ids]` (`[N, d]`) for either model family: a one-hot matmul for small
 * vocabularies (one XNNPACK op, cheap gradient), {@link embeddingLookup} above
 * {@link ONE_HOT_MAX_VOCAB} ids.
 */
export function embedTokens(ids: Int32Array, table: tf.Tensor2D): tf.Tensor2D {
  const V = table.shape[0];
  if (V > ONE_HOT_MAX_VOCAB) return embeddingLookup(ids, table);
  return linear(oneHotFloat(tf.tensor1d(ids, 'int32'), V), table);
}

/**
 * Embedding lookup `table[ids]` (`[N, d]`) with a gradient that scatter-adds rows in JS: `gather`
 * has no gradient on wasm, and a one-hot matmul costs `N x V x d`, too much for large vocabularies.
 */
export function embeddingLookup(ids: Int32Array, table: tf.Tensor2D): tf.Tensor2D {
  const [V, d] = table.shape;
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const t = args[0] as tf.Tensor2D;
    return {
      value: tf.gather(t, tf.tensor1d(ids, 'int32')),
      gradFunc: (dy: tf.Tensor | tf.Tensor[]) => {
        const g = ((Array.isArray(dy) ? dy[0] : dy) as tf.Tensor).dataSync() as Float32Array;
        const grad = new Float32Array(V * d);
        for (let r = 0; r < ids.length; r++) {
          const to = (ids[r] as number) * d;
          const from = r * d;
          for (let j = 0; j < d; j++) grad[to + j] = (grad[to + j] as number) + (g[from + j] as number);
        }
        return tf.tensor2d(grad, [V, d]);
      },
    };
  });
  return (op as (t: tf.Tensor2D) => tf.Tensor2D)(table);
}

/**
 * Rows `x[rows[i]]` of `x [N, d]` as `[rows.length, d]`, each index at most once (the packed
 * scoring head). Copies in JS both ways: wasm's GatherV2 is a scalar loop (8.7 ms for 2,304 rows
 * of 128 in the quickstart's gradient pass) and its gradient a scatter-add; here the backward is
 * a plain row copy into zeros, which needs the indices to be distinct.
 */
export function gatherRows(x: tf.Tensor2D, rows: Int32Array): tf.Tensor2D {
  const [N, d] = x.shape;
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const src = (args[0] as tf.Tensor).dataSync() as Float32Array;
    const out = new Float32Array(rows.length * d);
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i] as number;
      out.set(src.subarray(r * d, (r + 1) * d), i * d);
    }
    return {
      value: tf.tensor2d(out, [rows.length, d]),
      gradFunc: (dy: tf.Tensor | tf.Tensor[]) => {
        const g = ((Array.isArray(dy) ? dy[0] : dy) as tf.Tensor).dataSync() as Float32Array;
        const grad = new Float32Array(N * d);
        for (let i = 0; i < rows.length; i++) grad.set(g.subarray(i * d, (i + 1) * d), (rows[i] as number) * d);
        return tf.tensor2d(grad, [N, d]);
      },
    };
  });
  return (op as (t: tf.Tensor2D) => tf.Tensor2D)(x);
}
