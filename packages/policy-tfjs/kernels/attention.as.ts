// Fused causal attention (training, scoring and prefill), rotary optional, over row segments:
// row b is `len` tokens starting at token `start` of the token-major qkv, of which the first `pad`
// are left padding (never attended to; their outputs and gradients are zero). Left-padded batches
// use start = b * L, len = L; packed batches (no padding) pad = 0.
// All arrays are row-major float32 at byte addresses inside the module's memory.

import { matmulCausal } from './causal-matmul.as';
import { transposeBatch } from './linalg.as';
import { rotateRow, unrotateRow } from './rotary.as';

// qkv is [N, 3, H, dh] (a dense layer's output, no head transpose); out / dout are [N, H, dh].
// `rows` holds (start, len, pad) for each of the B rows, i32.

function tokenAt(base: usize, token: i32, part: i32, h: i32, parts: i32, H: i32, dh: i32): usize {
  return base + ((<usize>(((token * parts + part) * H + h) * dh)) << 2);
}

/**
 * Copy head `h` of `part` for tokens `from .. from + n - 1` into `dst` (`[n, dh]`), times `scale`;
 * rotated first when `cos` is non-zero (rotary tables, one `dh` row per token, at `cos` / `sin`).
 */
function gather(
  src: usize,
  dst: usize,
  from: i32,
  n: i32,
  part: i32,
  h: i32,
  parts: i32,
  H: i32,
  dh: i32,
  scale: f32,
  cos: usize = 0,
  sin: usize = 0,
): void {
  const bytes = (<usize>dh) << 2;
  const s4 = f32x4.splat(scale);
  for (let l = 0; l < n; l++) {
    const at = tokenAt(src, from + l, part, h, parts, H, dh);
    const to = dst + <usize>l * bytes;
    if (cos !== 0) {
      const t = <usize>(from + l) * bytes;
      rotateRow(at, to, cos + t, sin + t, dh, scale);
    } else if (scale === 1) {
      memory.copy(to, at, bytes);
    } else {
      let d = 0;
      for (; d + 4 <= dh; d += 4) v128.store(to + ((<usize>d) << 2), f32x4.mul(v128.load(at + ((<usize>d) << 2)), s4));
      for (; d < dh; d++) store<f32>(to + ((<usize>d) << 2), load<f32>(at + ((<usize>d) << 2)) * scale);
    }
  }
}

/** Write `src` (`[n, dh]`) times `scale` to head `h` of `part` for tokens `from ..`; un-rotated when `cos` is non-zero. */
function scatter(
  src: usize,
  dst: usize,
  from: i32,
  n: i32,
  part: i32,
  h: i32,
  parts: i32,
  H: i32,
  dh: i32,
  scale: f32,
  cos: usize = 0,
  sin: usize = 0,
): void {
  const bytes = (<usize>dh) << 2;
  const s4 = f32x4.splat(scale);
  for (let l = 0; l < n; l++) {
    const to = tokenAt(dst, from + l, part, h, parts, H, dh);
    const at = src + <usize>l * bytes;
    if (cos !== 0) {
      const t = <usize>(from + l) * bytes;
      unrotateRow(at, to, cos + t, sin + t, dh, scale);
      continue;
    }
    let d = 0;
    for (; d + 4 <= dh; d += 4) v128.store(to + ((<usize>d) << 2), f32x4.mul(v128.load(at + ((<usize>d) << 2)), s4));
    for (; d < dh; d++) store<f32>(to + ((<usize>d) << 2), load<f32>(at + ((<usize>d) << 2)) * scale);
  }
}

/** Zero head `h` of every part for the `n` padding tokens from `from`. */
function zeroTokens(dst: usize, from: i32, n: i32, parts: i32, H: i32, dh: i32): void {
  const bytes = (<usize>dh) << 2;
  for (let l = 0; l < n; l++)
    for (let part = 0; part < parts; part++)
      for (let h = 0; h < H; h++) memory.fill(tokenAt(dst, from + l, part, h, parts, H, dh), 0, bytes);
}

/** p = causal softmax of s (both [n, n]): row t covers columns 0 .. t; columns past t are 0. */
function causalSoftmax(s: usize, p: usize, n: i32): void {
  for (let t = 0; t < n; t++) {
    const row = s + ((<usize>(t * n)) << 2);
    const out = p + ((<usize>(t * n)) << 2);
    let max: f32 = -Infinity;
    for (let j = 0; j <= t; j++) max = Mathf.max(max, load<f32>(row + ((<usize>j) << 2)));
    let sum: f32 = 0;
    for (let j = 0; j <= t; j++) {
      const e = Mathf.exp(load<f32>(row + ((<usize>j) << 2)) - max);
      store<f32>(out + ((<usize>j) << 2), e);
      sum += e;
    }
    const inv: f32 = 1 / sum;
    for (let j = 0; j <= t; j++) store<f32>(out + ((<usize>j) << 2), load<f32>(out + ((<usize>j) << 2)) * inv);
    if (t + 1 < n) memory.fill(out + ((<usize>(t + 1)) << 2), 0, (<usize>(n - t - 1)) << 2);
  }
}

/** Scratch bytes `attentionForward` / `attentionBackward` need for rows of at most L tokens, head size dh. */
export function attentionScratchBytes(L: i32, dh: i32): i32 {
  return (9 * L * dh + 5 * L * L) * 4;
}

/**
 * out[token, h] = softmax((scale q) k^T + causal mask) v within each row segment, for every head;
 * q and k rotated first when `cos` is non-zero. Padding tokens get zeros.
 */
export function attentionForward(
  qkv: usize,
  out: usize,
  rows: usize,
  B: i32,
  H: i32,
  dh: i32,
  scale: f32,
  scratch: usize,
  cos: usize,
  sin: usize,
): void {
  for (let b = 0; b < B; b++) {
    const start = load<i32>(rows + ((<usize>(3 * b)) << 2));
    const len = load<i32>(rows + ((<usize>(3 * b + 1)) << 2));
    const pad = load<i32>(rows + ((<usize>(3 * b + 2)) << 2));
    const from = start + pad;
    const n = len - pad;
    if (pad > 0) zeroTokens(out, start, pad, 1, H, dh);
    if (n <= 0) continue;
    const vec = (<usize>(n * dh)) << 2;
    const q = scratch;
    const k = q + vec;
    const kt = k + vec;
    const v = kt + vec;
    const o = v + vec;
    const s = o + vec;
    const p = s + ((<usize>(n * n)) << 2);
    for (let h = 0; h < H; h++) {
      gather(qkv, q, from, n, 0, h, 3, H, dh, scale, cos, sin);
      gather(qkv, k, from, n, 1, h, 3, H, dh, 1, cos, sin);
      gather(qkv, v, from, n, 2, h, 3, H, dh, 1);
      transposeBatch(k, kt, 1, n, dh);
      matmulCausal(q, kt, s, n, dh, n, 1);
      causalSoftmax(s, p, n);
      matmulCausal(p, v, o, n, n, dh, 2);
      scatter(o, out, from, n, 0, h, 1, H, dh, 1);
    }
  }
}

/** dqkv (same layout as qkv) from dout, recomputing the probabilities (and the rotation, if any). */
export function attentionBackward(
  qkv: usize,
  dout: usize,
  dqkv: usize,
  rows: usize,
  B: i32,
  H: i32,
  dh: i32,
  scale: f32,
  scratch: usize,
  cos: usize,
  sin: usize,
): void {
  for (let b = 0; b < B; b++) {
    const start = load<i32>(rows + ((<usize>(3 * b)) << 2));
    const len = load<i32>(rows + ((<usize>(3 * b + 1)) << 2));
    const pad = load<i32>(rows + ((<usize>(3 * b + 2)) << 2));
    const from = start + pad;
    const n = len - pad;
    if (pad > 0) zeroTokens(dqkv, start, pad, 3, H, dh);
    if (n <= 0) continue;
    const vec = (<usize>(n * dh)) << 2;
    const sq = (<usize>(n * n)) << 2;
    const q = scratch;
    const k = q + vec;
    const kt = k + vec;
    const v = kt + vec;
    const vt = v + vec;
    const dO = vt + vec;
    const dq = dO + vec;
    const dk = dq + vec;
    const dv = dk + vec;
    const s = dv + vec;
    const p = s + sq;
    const pt = p + sq;
    const dp = pt + sq;
    const dst = dp + sq;
    for (let h = 0; h < H; h++) {
      gather(qkv, q, from, n, 0, h, 3, H, dh, scale, cos, sin);
      gather(qkv, k, from, n, 1, h, 3, H, dh, 1, cos, sin);
      gather(qkv, v, from, n, 2, h, 3, H, dh, 1);
      gather(dout, dO, from, n, 0, h, 1, H, dh, 1);
      transposeBatch(k, kt, 1, n, dh);
      matmulCausal(q, kt, s, n, dh, n, 1);
      causalSoftmax(s, p, n);
      // dV = P^T dO (P^T is upper triangular)
      transposeBatch(p, pt, 1, n, n);
      matmulCausal(pt, dO, dv, n, n, dh, 3);
      // dP = dO V^T (only j <= t is used), then dS = P (dP - rowsum(dP P)) in place, zero past t
      transposeBatch(v, vt, 1, n, dh);
      matmulCausal(dO, vt, dp, n, dh, n, 1);
      for (let t = 0; t < n; t++) {
        const pr = p + ((<usize>(t * n)) << 2);
        const dr = dp + ((<usize>(t * n)) << 2);
        let dot: f32 = 0;
        for (let j = 0; j <= t; j++) dot += load<f32>(pr + ((<usize>j) << 2)) * load<f32>(dr + ((<usize>j) << 2));
        for (let j = 0; j <= t; j++) {
          const at = dr + ((<usize>j) << 2);
          store<f32>(at, load<f32>(pr + ((<usize>j) << 2)) * (load<f32>(at) - dot));
        }
        if (t + 1 < n) memory.fill(dr + ((<usize>(t + 1)) << 2), 0, (<usize>(n - t - 1)) << 2);
      }
      // dQ = scale dS K (dS lower triangular) ; dK = dS^T (scale Q) (dS^T upper triangular)
      matmulCausal(dp, k, dq, n, n, dh, 2);
      transposeBatch(dp, dst, 1, n, n);
      matmulCausal(dst, q, dk, n, n, dh, 3);
      scatter(dq, dqkv, from, n, 0, h, 3, H, dh, scale, cos, sin);
      scatter(dk, dqkv, from, n, 1, h, 3, H, dh, 1, cos, sin);
      scatter(dv, dqkv, from, n, 2, h, 3, H, dh, 1);
    }
  }
}
