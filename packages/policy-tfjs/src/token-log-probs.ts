import * as tf from '@tensorflow/tfjs';

/**
 * Per-token log-probs (and entropies) of `[N, V]` logits without any `[N, V]` one-hot.
 *
 * Everything is relative to the raw row max `mx`: `d = (x - mx) / T`, `p = softmax(d)`,
 * `log sum e^d = -log max(p)` (+ `log sum p` to undo the float32 normalisation),
 * `log p(t_n) = d[n, t_n] - log sum e^d`, and the entropy `H = log sum e^d - sum p d`. The forward
 * runs over blocks of rows, so its temporaries are `[rows, V]` blocks of at most
 * {@link BLOCK_ELEMENTS} elements, never a second `[N, V]` tensor.
 *
 * Backward, for upstream `gL` (log-probs) and `gH` (entropies):
 * `dlogits = (-p (gL + gH (d - sum p d)) + gL onehot(t)) / T`.
 *
 * Two forms. `js` (the default on wasm and cpu) reads the logits' data once: the target logit and
 * the row sums are taken in float64 from that data and from each block's softmax; the backward
 * recomputes `p` block by block, assembles the gradient in JS (the one-hot term is a scatter of
 * `gL / T` at the targets) and uploads it once. The logits and their gradient are the only
 * `[N, V]` tensors: the data is kept in JS between the passes (one `N x V` float32 array outside
 * the wasm heap, overwritten by the gradient on wasm) instead of `save([x])`, whose clone is a full
 * copy on wasm (its Identity kernel copies). `ops` (GPU-side backends, where reading data back
 * stalls) uses tensor ops only: a `gather` on the flattened `[rows * V]` shifted logits at
 * `row * V + t`, float32 sums, and a `tensorScatterUpdate` at the targets in the backward.
 *
 * Measured on wasm (tfjs 4.22): `tf.gather(x, idx, 1, 1)` (batchDims) returns wrong values and
 * for V = 151,936 traps out of bounds; slice, split and a row gather are scalar loops, about ten
 * times slower than one read of the data; XNNPACK's softmax is several times faster than `tf.exp`
 * or a JS `Math.exp` loop; `tf.sum` over 151,936 terms is off by about 5e-5 (naive float32).
 */

/** Upper bound on the elements of one block of rows in the forward and the `js` backward. */
export const BLOCK_ELEMENTS = 1 << 20;

/** Which form {@link tokenLogProbs} uses; `auto` picks `js` on wasm and cpu, else `ops`. */
export type TokenLogProbsImpl = 'auto' | 'js' | 'ops';

/** Result of {@link tokenLogProbs}: `[N]` log-probs and, when asked, `[N]` entropies. */
export interface TokenLogProbsOutput {
  readonly logProbs: tf.Tensor1D;
  readonly entropy?: tf.Tensor1D;
}

function checkTargets(targets: Int32Array, N: number, V: number): void {
  if (targets.length !== N) throw new Error(`tokenLogProbs: ${targets.length} targets for ${N} rows`);
  for (let n = 0; n < N; n++) {
    const t = targets[n] as number;
    if (!(t >= 0 && t < V)) throw new Error(`tokenLogProbs: target ${t} of row ${n} is outside [0, ${V})`);
  }
}

/** `[first row, row count]` blocks covering `N` rows, each at most {@link BLOCK_ELEMENTS} elements (>= 1 row). */
function rowBlocks(N: number, V: number): [number, number][] {
  const rows = Math.max(1, Math.floor(BLOCK_ELEMENTS / V));
  const blocks: [number, number][] = [];
  for (let r = 0; r < N; r += rows) blocks.push([r, Math.min(rows, N - r)]);
  return blocks;
}

/**
 * Row blocks of the logits `[N, V]`: the tensor itself when one block covers it; otherwise, given
 * the data in JS (the `js` form), uploaded from it (wasm's slice, split and row gather are scalar
 * loops, about ten times slower than one read of the data), else `tf.slice`.
 */
class Blocks {
  constructor(
    private readonly shape: readonly [number, number],
    private readonly x: tf.Tensor2D | undefined,
    private readonly data: Float32Array | undefined,
  ) {}

  /** Rows `[r0, r0 + rc)`. */
  rows(r0: number, rc: number): tf.Tensor2D {
    const [N, V] = this.shape;
    if (rc === N && this.x) return this.x;
    if (this.data) return tf.tensor2d(this.data.subarray(r0 * V, (r0 + rc) * V), [rc, V]);
    return tf.slice(this.x as tf.Tensor2D, [r0, 0], [rc, V]);
  }
}

/** `(x - mx) / T` for a block `x [rc, V]` and its row max `mx [rc, 1]`. */
function shiftBlock(x: tf.Tensor2D, mx: tf.Tensor, invT: number): tf.Tensor2D {
  const d = tf.sub(x, mx) as tf.Tensor2D;
  return invT === 1 ? d : (tf.mul(d, invT) as tf.Tensor2D);
}

/** `softmax((x - mx) / T)` of a block (`x` itself at T = 1: softmax subtracts the max). */
function blockSoftmax(x: tf.Tensor2D, mx: tf.Tensor, invT: number): tf.Tensor2D {
  return tf.softmax(invT === 1 ? x : shiftBlock(x, mx, invT));
}

/** Row statistics of the `js` form: raw row max, `1 / sum p` and `sum p d / sum p` (with entropy). */
interface JsStats {
  readonly mx: Float32Array;
  readonly norm: Float64Array;
  readonly meanD: Float64Array | undefined;
}

/** `js` forward: `[N]` log-probs (then `[N]` entropies) and the statistics the backward needs. */
function forwardJs(
  x: tf.Tensor2D,
  xd: Float32Array,
  targets: Int32Array,
  invT: number,
  withEntropy: boolean,
): { values: Float32Array; stats: JsStats } {
  const [N, V] = x.shape;
  const blocks = new Blocks(x.shape, x, xd);
  const mx = new Float32Array(N);
  const norm = new Float64Array(N);
  const meanD = withEntropy ? new Float64Array(N) : undefined;
  const values = new Float32Array(withEntropy ? 2 * N : N);
  for (const [r0, rc] of rowBlocks(N, V)) {
    const { m, p } = tf.tidy(() => {
      const xb = blocks.rows(r0, rc);
      const mb = tf.max(xb, -1, true);
      return { m: mb, p: blockSoftmax(xb, mb, invT) };
    });
    mx.set(m.dataSync() as Float32Array, r0);
    const pd = p.dataSync() as Float32Array;
    m.dispose();
    p.dispose();
    for (let i = 0; i < rc; i++) {
      const n = r0 + i;
      const src = i * V;
      const dst = n * V;
      const mn = mx[n] as number;
      let s = 0;
      let top = 0;
      let sd = 0;
      for (let j = 0; j < V; j++) {
        const pj = pd[src + j] as number;
        s += pj;
        if (pj > top) top = pj;
        if (meanD) sd += pj * ((xd[dst + j] as number) - mn);
      }
      const logS = Math.log(s) - Math.log(top);
      norm[n] = 1 / s;
      values[n] = ((xd[dst + (targets[n] as number)] as number) - mn) * invT - logS;
      if (meanD) {
        meanD[n] = (sd * invT) / s;
        values[N + n] = logS - (meanD[n] as number);
      }
    }
  }
  return { values, stats: { mx, norm, meanD } };
}

/**
 * `ops` forward over row blocks (sliced): `[N]` log-probs (then `[N]` entropies), the raw row max
 * and `sum p d`, all with float32 reductions.
 */
function forwardOps(
  x: tf.Tensor2D,
  targets: Int32Array,
  invT: number,
  withEntropy: boolean,
): { value: tf.Tensor1D; mx: tf.Tensor1D; meanD: tf.Tensor1D | undefined } {
  const [N, V] = x.shape;
  const blocks = new Blocks(x.shape, x, undefined);
  const parts = rowBlocks(N, V).map(([r0, rc]) =>
    tf.tidy(() => {
      const xb = blocks.rows(r0, rc);
      const mx = tf.max(xb, -1, true);
      const d = shiftBlock(xb, mx, invT);
      const p = tf.softmax(d);
      const logS = tf.neg(tf.log(tf.max(p, -1)));
      const local = new Int32Array(rc);
      for (let i = 0; i < rc; i++) local[i] = i * V + (targets[r0 + i] as number);
      const lp = tf.sub(tf.gather(tf.reshape(d, [rc * V]), tf.tensor1d(local, 'int32')), logS);
      const meanD = withEntropy ? tf.div(tf.sum(tf.mul(p, d), -1), tf.sum(p, -1)) : undefined;
      return { lp, ent: meanD ? tf.sub(logS, meanD) : undefined, mx: tf.reshape(mx, [rc]), meanD };
    }),
  );
  const join = (ts: tf.Tensor[]): tf.Tensor1D => (ts.length === 1 ? ts[0] : tf.concat(ts)) as tf.Tensor1D;
  const lp = join(parts.map((q) => q.lp));
  const mx = join(parts.map((q) => q.mx));
  if (!withEntropy) return { value: lp, mx, meanD: undefined };
  const ent = join(parts.map((q) => q.ent as tf.Tensor));
  return { value: tf.concat([lp, ent]) as tf.Tensor1D, mx, meanD: join(parts.map((q) => q.meanD as tf.Tensor)) };
}

/** Upstream `[N]` log-prob and entropy gradients, each scaled by `1 / T`. */
function upstream(
  dy: tf.Tensor | tf.Tensor[],
  N: number,
  invT: number,
  withEntropy: boolean,
): { gL: Float32Array; gH: Float32Array | undefined } {
  const g = ((Array.isArray(dy) ? dy[0] : dy) as tf.Tensor).dataSync() as Float32Array;
  const gL = Float32Array.from(g.subarray(0, N), (v) => v * invT);
  const gH = withEntropy ? Float32Array.from(g.subarray(N, 2 * N), (v) => v * invT) : undefined;
  // An unused entropy output arrives as zeros: skip its term.
  return { gL, gH: gH?.some((v) => v !== 0) ? gH : undefined };
}

/**
 * `js` backward from the logits' data `xd`: `p` block by block on the backend, the gradient
 * assembled in JS (into `xd` itself when `inPlace`: each element is read before it is written)
 * and uploaded once.
 */
function backwardJs(
  xd: Float32Array,
  inPlace: boolean,
  shape: readonly [number, number],
  stats: JsStats,
  targets: Int32Array,
  invT: number,
  gL: Float32Array,
  gH: Float32Array | undefined,
): tf.Tensor2D {
  const [N, V] = shape;
  const { mx, norm, meanD } = stats;
  const blocks = new Blocks(shape, undefined, xd);
  const out = inPlace ? xd : new Float32Array(N * V);
  for (const [r0, rc] of rowBlocks(N, V)) {
    const p = tf.tidy(() => blockSoftmax(blocks.rows(r0, rc), tf.tensor2d(mx.subarray(r0, r0 + rc), [rc, 1]), invT));
    const pd = p.dataSync() as Float32Array;
    p.dispose();
    for (let i = 0; i < rc; i++) {
      const n = r0 + i;
      const l = gL[n] as number;
      const c = -(norm[n] as number);
      const src = i * V;
      const dst = n * V;
      if (!meanD || !gH) {
        for (let j = 0; j < V; j++) out[dst + j] = (pd[src + j] as number) * c * l;
      } else {
        const h = gH[n] as number;
        const mn = mx[n] as number;
        const mu = meanD[n] as number;
        for (let j = 0; j < V; j++) {
          const d = ((xd[dst + j] as number) - mn) * invT;
          out[dst + j] = (pd[src + j] as number) * c * (l + h * (d - mu));
        }
      }
      const at = dst + (targets[n] as number);
      out[at] = (out[at] as number) + l;
    }
  }
  return tf.tensor2d(out, [N, V]);
}

/** `ops` backward: whole-tensor ops and a scatter of `gL / T` at the targets. */
function backwardOps(
  x: tf.Tensor2D,
  mx: tf.Tensor1D,
  meanD: tf.Tensor1D | undefined,
  targets: Int32Array,
  invT: number,
  gL: Float32Array,
  gH: Float32Array | undefined,
): tf.Tensor2D {
  const [N, V] = x.shape;
  const d = shiftBlock(x, tf.reshape(mx, [N, 1]), invT);
  const p = tf.softmax(d);
  let coef: tf.Tensor = tf.tensor2d(gL, [N, 1]);
  if (gH && meanD) coef = tf.add(coef, tf.mul(tf.tensor2d(gH, [N, 1]), tf.sub(d, tf.reshape(meanD, [N, 1]))));
  d.dispose();
  const dense = tf.mul(p, tf.neg(coef)) as tf.Tensor2D;
  p.dispose();
  const pairs = new Int32Array(2 * N);
  const flat = new Int32Array(N);
  for (let n = 0; n < N; n++) {
    pairs[2 * n] = n;
    pairs[2 * n + 1] = targets[n] as number;
    flat[n] = n * V + (targets[n] as number);
  }
  const indices = tf.tensor2d(pairs, [N, 2], 'int32');
  const add = tf.tensor1d(gL);
  if (!tf.getKernel('TensorScatterUpdate', tf.getBackend()))
    return tf.add(dense, tf.scatterND(indices, add, [N, V])) as tf.Tensor2D;
  const current = tf.gather(tf.reshape(dense, [N * V]), tf.tensor1d(flat, 'int32'));
  return tf.tensorScatterUpdate(dense, indices, tf.add(current, add)) as tf.Tensor2D;
}

/**
 * Log-prob of `targets[n]` under `log_softmax(logits[n] / temperature)` for each row of `logits
 * [N, V]`, and with `withEntropy` the entropy of each row's distribution. Differentiable w.r.t.
 * `logits` (one `tf.customGrad` over both outputs); neither direction builds a one-hot, and on
 * wasm/cpu no `[N, V]` tensor exists besides the logits and their gradient (the forward works in
 * row blocks). Numerically stable (rows are shifted by their max). `impl` chooses the form (see
 * the module notes); tests use it.
 */
export function tokenLogProbs(
  logits: tf.Tensor2D,
  targets: Int32Array,
  temperature: number,
  withEntropy: boolean,
  impl: TokenLogProbsImpl = 'auto',
): TokenLogProbsOutput {
  if (logits.rank !== 2) throw new Error(`tokenLogProbs: logits must be [N, V], got [${logits.shape.join(', ')}]`);
  if (!(temperature > 0)) throw new Error(`tokenLogProbs: temperature must be > 0, got ${temperature}`);
  const [N, V] = logits.shape;
  checkTargets(targets, N, V);
  const useJs = impl === 'js' || (impl === 'auto' && ['wasm', 'cpu'].includes(tf.getBackend()));
  const invT = 1 / temperature;
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, save] = args as [tf.Tensor2D, tf.GradSaveFunc];
    if (!useJs) {
      const { value, mx, meanD } = forwardOps(x, targets, invT, withEntropy);
      save(meanD ? [x, mx, meanD] : [x, mx]);
      return {
        value,
        gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
          const [xs, mxs, mds] = saved as [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D | undefined];
          const { gL, gH } = upstream(dy, N, invT, withEntropy);
          return backwardOps(xs, mxs, mds, targets, invT, gL, gH);
        },
      };
    }
    // wasm's dataSync returns a private copy, which the backward may overwrite; cpu's is its storage.
    let xd: Float32Array | undefined = x.dataSync() as Float32Array;
    const inPlace = tf.getBackend() === 'wasm';
    const { values, stats } = forwardJs(x, xd, targets, invT, withEntropy);
    return {
      value: tf.tensor1d(values),
      gradFunc: (dy: tf.Tensor | tf.Tensor[]) => {
        if (!xd) throw new Error('tokenLogProbs: this gradient was already taken once');
        const { gL, gH } = upstream(dy, N, invT, withEntropy);
        const grad = backwardJs(xd, inPlace, [N, V], stats, targets, invT, gL, gH);
        if (inPlace) xd = undefined;
        return grad;
      },
    };
  }) as (x: tf.Tensor2D) => tf.Tensor1D;
  return tf.tidy(() => {
    const both = op(logits);
    if (!withEntropy) return { logProbs: both };
    const [logProbs, entropy] = tf.split(both, 2) as [tf.Tensor1D, tf.Tensor1D];
    return { logProbs, entropy };
  });
}

/** Plain-array results of {@link tokenLogProbsReference}. */
export interface TokenLogProbsReference {
  readonly logProbs: Float64Array;
  readonly entropy: Float64Array;
  /** `d(sum_n gL[n] logProbs[n] + gH[n] entropy[n]) / dlogits`, `[N * V]` row-major. */
  readonly grad: Float64Array;
}

/**
 * Float64 reference for tests: log-probs, entropies and the analytic gradient of
 * `sum(gL * logProbs + gH * entropy)` w.r.t. the logits (`gL`/`gH` default to ones/zeros),
 * computed straight from the definitions (`p = softmax(z)`, `z = logits / T`).
 */
export function tokenLogProbsReference(
  logits: Float32Array,
  N: number,
  V: number,
  targets: Int32Array,
  temperature: number,
  gL: ArrayLike<number> = new Float64Array(N).fill(1),
  gH: ArrayLike<number> = new Float64Array(N),
): TokenLogProbsReference {
  const logProbs = new Float64Array(N);
  const entropy = new Float64Array(N);
  const grad = new Float64Array(N * V);
  const z = new Float64Array(V);
  const p = new Float64Array(V);
  for (let n = 0; n < N; n++) {
    let m = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < V; j++) {
      z[j] = (logits[n * V + j] as number) / temperature;
      m = Math.max(m, z[j] as number);
    }
    let s = 0;
    for (let j = 0; j < V; j++) s += Math.exp((z[j] as number) - m);
    const lse = m + Math.log(s);
    let mu = 0;
    for (let j = 0; j < V; j++) {
      p[j] = Math.exp((z[j] as number) - lse);
      mu += (p[j] as number) * (z[j] as number);
    }
    const t = targets[n] as number;
    logProbs[n] = (z[t] as number) - lse;
    entropy[n] = lse - mu;
    const l = gL[n] as number;
    const h = gH[n] as number;
    for (let j = 0; j < V; j++) {
      const pj = p[j] as number;
      const dz = l * ((j === t ? 1 : 0) - pj) - h * pj * ((z[j] as number) - mu);
      grad[n * V + j] = dz / temperature;
    }
  }
  return { logProbs, entropy, grad };
}
