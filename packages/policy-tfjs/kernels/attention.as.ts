// Fused causal attention over left-padded rows (training and prefill), rotary optional.
// All arrays are row-major float32 at byte addresses inside the module's memory.

import { matmulBatch, transposeBatch } from './linalg.as';
import { rotateRow, unrotateRow } from './rotary.as';

// qkv is [B, L, 3, H, dh] (a dense layer's output, no head transpose); out / dout are [B, L, H, dh].
// Row b attends to keys pads[b] .. t from query t; queries t < pads[b] get all-zero probabilities.

function rowAt(base: usize, b: i32, l: i32, part: i32, h: i32, L: i32, parts: i32, H: i32, dh: i32): usize {
  return base + ((<usize>((((b * L + l) * parts + part) * H + h) * dh)) << 2);
}

/**
 * Copy head `h` of `part` for row b into `dst` (`[L, dh]`), times `scale`; rotated first when
 * `cos` is non-zero (rotary tables `[B, L, dh]` at `cos` / `sin`).
 */
function gather(
  src: usize,
  dst: usize,
  b: i32,
  part: i32,
  h: i32,
  L: i32,
  parts: i32,
  H: i32,
  dh: i32,
  scale: f32,
  cos: usize = 0,
  sin: usize = 0,
): void {
  const bytes = (<usize>dh) << 2;
  const s4 = f32x4.splat(scale);
  for (let l = 0; l < L; l++) {
    const from = rowAt(src, b, l, part, h, L, parts, H, dh);
    const to = dst + <usize>l * bytes;
    if (cos !== 0) {
      const t = <usize>(b * L + l) * bytes;
      rotateRow(from, to, cos + t, sin + t, dh, scale);
    } else if (scale === 1) {
      memory.copy(to, from, bytes);
    } else {
      let d = 0;
      for (; d + 4 <= dh; d += 4) v128.store(to + ((<usize>d) << 2), f32x4.mul(v128.load(from + ((<usize>d) << 2)), s4));
      for (; d < dh; d++) store<f32>(to + ((<usize>d) << 2), load<f32>(from + ((<usize>d) << 2)) * scale);
    }
  }
}

/** Write `src` (`[L, dh]`) times `scale` to head `h` of `part` for row b; un-rotated when `cos` is non-zero. */
function scatter(
  src: usize,
  dst: usize,
  b: i32,
  part: i32,
  h: i32,
  L: i32,
  parts: i32,
  H: i32,
  dh: i32,
  scale: f32,
  cos: usize = 0,
  sin: usize = 0,
): void {
  const bytes = (<usize>dh) << 2;
  const s4 = f32x4.splat(scale);
  for (let l = 0; l < L; l++) {
    const to = rowAt(dst, b, l, part, h, L, parts, H, dh);
    const from = src + <usize>l * bytes;
    if (cos !== 0) {
      const t = <usize>(b * L + l) * bytes;
      unrotateRow(from, to, cos + t, sin + t, dh, scale);
      continue;
    }
    let d = 0;
    for (; d + 4 <= dh; d += 4) v128.store(to + ((<usize>d) << 2), f32x4.mul(v128.load(from + ((<usize>d) << 2)), s4));
    for (; d < dh; d++) store<f32>(to + ((<usize>d) << 2), load<f32>(from + ((<usize>d) << 2)) * scale);
  }
}

/** p = masked softmax of s (both [L, L]); row t covers columns pad .. t, everything else 0. */
function maskedSoftmax(s: usize, p: usize, L: i32, pad: i32): void {
  memory.fill(p, 0, (<usize>(L * L)) << 2);
  for (let t = pad; t < L; t++) {
    const row = s + ((<usize>(t * L)) << 2);
    const out = p + ((<usize>(t * L)) << 2);
    let max: f32 = -Infinity;
    for (let j = pad; j <= t; j++) max = Mathf.max(max, load<f32>(row + ((<usize>j) << 2)));
    let sum: f32 = 0;
    for (let j = pad; j <= t; j++) {
      const e = Mathf.exp(load<f32>(row + ((<usize>j) << 2)) - max);
      store<f32>(out + ((<usize>j) << 2), e);
      sum += e;
    }
    const inv: f32 = 1 / sum;
    for (let j = pad; j <= t; j++) store<f32>(out + ((<usize>j) << 2), load<f32>(out + ((<usize>j) << 2)) * inv);
  }
}

/** Scratch bytes `attentionForward` / `attentionBackward` need for sequence length L, head size dh. */
export function attentionScratchBytes(L: i32, dh: i32): i32 {
  return (9 * L * dh + 5 * L * L) * 4;
}

/**
 * out[b, l, h] = softmax((scale q) k^T + mask) v for every row b and head h; q and k rotated first
 * when `cos` is non-zero (rotary tables `[B, L, dh]` at `cos` / `sin`).
 */
export function attentionForward(
  qkv: usize,
  out: usize,
  pads: usize,
  B: i32,
  L: i32,
  H: i32,
  dh: i32,
  scale: f32,
  scratch: usize,
  cos: usize,
  sin: usize,
): void {
  const vec = (<usize>(L * dh)) << 2;
  const sq = (<usize>(L * L)) << 2;
  const q = scratch;
  const k = q + vec;
  const kt = k + vec;
  const v = kt + vec;
  const o = v + vec;
  const s = o + vec;
  const p = s + sq;
  for (let b = 0; b < B; b++) {
    const pad = load<i32>(pads + ((<usize>b) << 2));
    for (let h = 0; h < H; h++) {
      gather(qkv, q, b, 0, h, L, 3, H, dh, scale, cos, sin);
      gather(qkv, k, b, 1, h, L, 3, H, dh, 1, cos, sin);
      gather(qkv, v, b, 2, h, L, 3, H, dh, 1);
      transposeBatch(k, kt, 1, L, dh);
      matmulBatch(q, kt, s, 1, L, dh, L);
      maskedSoftmax(s, p, L, pad);
      matmulBatch(p, v, o, 1, L, L, dh);
      scatter(o, out, b, 0, h, L, 1, H, dh, 1);
    }
  }
}

/** dqkv (same layout as qkv) from dout, recomputing the probabilities (and the rotation, if any). */
export function attentionBackward(
  qkv: usize,
  dout: usize,
  dqkv: usize,
  pads: usize,
  B: i32,
  L: i32,
  H: i32,
  dh: i32,
  scale: f32,
  scratch: usize,
  cos: usize,
  sin: usize,
): void {
  const vec = (<usize>(L * dh)) << 2;
  const sq = (<usize>(L * L)) << 2;
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
  for (let b = 0; b < B; b++) {
    const pad = load<i32>(pads + ((<usize>b) << 2));
    for (let h = 0; h < H; h++) {
      gather(qkv, q, b, 0, h, L, 3, H, dh, scale, cos, sin);
      gather(qkv, k, b, 1, h, L, 3, H, dh, 1, cos, sin);
      gather(qkv, v, b, 2, h, L, 3, H, dh, 1);
      gather(dout, dO, b, 0, h, L, 1, H, dh, 1);
      transposeBatch(k, kt, 1, L, dh);
      matmulBatch(q, kt, s, 1, L, dh, L);
      maskedSoftmax(s, p, L, pad);
      // dV = P^T dO
      transposeBatch(p, pt, 1, L, L);
      matmulBatch(pt, dO, dv, 1, L, L, dh);
      // dP = dO V^T, then dS = P (dP - rowsum(dP P)) in place of dP
      transposeBatch(v, vt, 1, L, dh);
      matmulBatch(dO, vt, dp, 1, L, dh, L);
      for (let t = 0; t < L; t++) {
        const pr = p + ((<usize>(t * L)) << 2);
        const dr = dp + ((<usize>(t * L)) << 2);
        let dot: f32 = 0;
        for (let j = 0; j < L; j++) dot += load<f32>(pr + ((<usize>j) << 2)) * load<f32>(dr + ((<usize>j) << 2));
        for (let j = 0; j < L; j++) {
          const at = dr + ((<usize>j) << 2);
          store<f32>(at, load<f32>(pr + ((<usize>j) << 2)) * (load<f32>(at) - dot));
        }
      }
      // dQ = scale dS K ; dK = dS^T (scale Q)
      matmulBatch(dp, k, dq, 1, L, L, dh);
      transposeBatch(dp, dst, 1, L, L);
      matmulBatch(dst, q, dk, 1, L, L, dh);
      scatter(dq, dqkv, b, 0, h, L, 3, H, dh, scale, cos, sin);
      scatter(dk, dqkv, b, 1, h, L, 3, H, dh, 1, cos, sin);
      scatter(dv, dqkv, b, 2, h, L, 3, H, dh, 1);
    }
  }
}
