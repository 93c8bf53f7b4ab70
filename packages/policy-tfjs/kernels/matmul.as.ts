// AssemblyScript source of the wasm SIMD kernels used for attention's batched matmuls
// (compiled by scripts/build-kernels.mjs into src/kernels/matmul-wasm.ts).
// All arrays are row-major float32 at byte addresses inside this module's memory.

/** dst[p] = src[p]^T for `batch` matrices of `rows x cols` (4x4 SIMD tiles, scalar edges). */
export function transposeBatch(src: usize, dst: usize, batch: i32, rows: i32, cols: i32): void {
  const size = (<usize>(rows * cols)) << 2;
  const rowBytes = (<usize>cols) << 2;
  const colBytes = (<usize>rows) << 2;
  const r4 = rows & ~3;
  const c4 = cols & ~3;
  for (let p = 0; p < batch; p++) {
    const s = src + <usize>p * size;
    const d = dst + <usize>p * size;
    for (let r = 0; r < r4; r += 4) {
      const s0 = s + <usize>r * rowBytes;
      for (let c = 0; c < c4; c += 4) {
        const at = s0 + ((<usize>c) << 2);
        const x0 = v128.load(at);
        const x1 = v128.load(at + rowBytes);
        const x2 = v128.load(at + 2 * rowBytes);
        const x3 = v128.load(at + 3 * rowBytes);
        const t0 = v128.shuffle<i32>(x0, x1, 0, 4, 1, 5);
        const t1 = v128.shuffle<i32>(x0, x1, 2, 6, 3, 7);
        const t2 = v128.shuffle<i32>(x2, x3, 0, 4, 1, 5);
        const t3 = v128.shuffle<i32>(x2, x3, 2, 6, 3, 7);
        const out = d + <usize>c * colBytes + ((<usize>r) << 2);
        v128.store(out, v128.shuffle<i32>(t0, t2, 0, 1, 4, 5));
        v128.store(out + colBytes, v128.shuffle<i32>(t0, t2, 2, 3, 6, 7));
        v128.store(out + 2 * colBytes, v128.shuffle<i32>(t1, t3, 0, 1, 4, 5));
        v128.store(out + 3 * colBytes, v128.shuffle<i32>(t1, t3, 2, 3, 6, 7));
      }
      for (let c = c4; c < cols; c++) {
        for (let k = 0; k < 4; k++) {
          store<f32>(d + <usize>c * colBytes + ((<usize>(r + k)) << 2), load<f32>(s0 + <usize>k * rowBytes + ((<usize>c) << 2)));
        }
      }
    }
    for (let r = r4; r < rows; r++) {
      const srow = s + <usize>r * rowBytes;
      for (let c = 0; c < cols; c++) store<f32>(d + <usize>c * colBytes + ((<usize>r) << 2), load<f32>(srow + ((<usize>c) << 2)));
    }
  }
}

/** c[p] = a[p] @ b[p] for `batch` products of `[M, K] x [K, N]`. */
export function matmulBatch(a: usize, b: usize, c: usize, batch: i32, M: i32, K: i32, N: i32): void {
  const aSize = (<usize>(M * K)) << 2;
  const bSize = (<usize>(K * N)) << 2;
  const cSize = (<usize>(M * N)) << 2;
  const bStride = (<usize>N) << 2;
  for (let p = 0; p < batch; p++) {
    const ap = a + <usize>p * aSize;
    const bp = b + <usize>p * bSize;
    const cp = c + <usize>p * cSize;
    let i = 0;
    for (; i + 2 <= M; i += 2) {
      const a0 = ap + ((<usize>(i * K)) << 2);
      const a1 = a0 + ((<usize>K) << 2);
      const c0row = cp + ((<usize>(i * N)) << 2);
      const c1row = c0row + bStride;
      let j = 0;
      for (; j + 16 <= N; j += 16) {
        let x0 = f32x4.splat(0);
        let x1 = f32x4.splat(0);
        let x2 = f32x4.splat(0);
        let x3 = f32x4.splat(0);
        let y0 = f32x4.splat(0);
        let y1 = f32x4.splat(0);
        let y2 = f32x4.splat(0);
        let y3 = f32x4.splat(0);
        let bk = bp + ((<usize>j) << 2);
        for (let k = 0; k < K; k++) {
          const u = f32x4.splat(load<f32>(a0 + ((<usize>k) << 2)));
          const w = f32x4.splat(load<f32>(a1 + ((<usize>k) << 2)));
          const b0 = v128.load(bk);
          const b1 = v128.load(bk, 16);
          const b2 = v128.load(bk, 32);
          const b3 = v128.load(bk, 48);
          x0 = f32x4.add(x0, f32x4.mul(u, b0));
          x1 = f32x4.add(x1, f32x4.mul(u, b1));
          x2 = f32x4.add(x2, f32x4.mul(u, b2));
          x3 = f32x4.add(x3, f32x4.mul(u, b3));
          y0 = f32x4.add(y0, f32x4.mul(w, b0));
          y1 = f32x4.add(y1, f32x4.mul(w, b1));
          y2 = f32x4.add(y2, f32x4.mul(w, b2));
          y3 = f32x4.add(y3, f32x4.mul(w, b3));
          bk += bStride;
        }
        const o0 = c0row + ((<usize>j) << 2);
        const o1 = c1row + ((<usize>j) << 2);
        v128.store(o0, x0);
        v128.store(o0, x1, 16);
        v128.store(o0, x2, 32);
        v128.store(o0, x3, 48);
        v128.store(o1, y0);
        v128.store(o1, y1, 16);
        v128.store(o1, y2, 32);
        v128.store(o1, y3, 48);
      }
      for (; j < N; j++) {
        let s0: f32 = 0;
        let s1: f32 = 0;
        for (let k = 0; k < K; k++) {
          const bv = load<f32>(bp + ((<usize>(k * N + j)) << 2));
          s0 += load<f32>(a0 + ((<usize>k) << 2)) * bv;
          s1 += load<f32>(a1 + ((<usize>k) << 2)) * bv;
        }
        store<f32>(c0row + ((<usize>j) << 2), s0);
        store<f32>(c1row + ((<usize>j) << 2), s1);
      }
    }
    for (; i < M; i++) {
      const a0 = ap + ((<usize>(i * K)) << 2);
      const crow = cp + ((<usize>(i * N)) << 2);
      let j = 0;
      for (; j + 16 <= N; j += 16) {
        let x0 = f32x4.splat(0);
        let x1 = f32x4.splat(0);
        let x2 = f32x4.splat(0);
        let x3 = f32x4.splat(0);
        let bk = bp + ((<usize>j) << 2);
        for (let k = 0; k < K; k++) {
          const u = f32x4.splat(load<f32>(a0 + ((<usize>k) << 2)));
          x0 = f32x4.add(x0, f32x4.mul(u, v128.load(bk)));
          x1 = f32x4.add(x1, f32x4.mul(u, v128.load(bk, 16)));
          x2 = f32x4.add(x2, f32x4.mul(u, v128.load(bk, 32)));
          x3 = f32x4.add(x3, f32x4.mul(u, v128.load(bk, 48)));
          bk += bStride;
        }
        const o0 = crow + ((<usize>j) << 2);
        v128.store(o0, x0);
        v128.store(o0, x1, 16);
        v128.store(o0, x2, 32);
        v128.store(o0, x3, 48);
      }
      for (; j < N; j++) {
        let s: f32 = 0;
        for (let k = 0; k < K; k++) s += load<f32>(a0 + ((<usize>k) << 2)) * load<f32>(bp + ((<usize>(k * N + j)) << 2));
        store<f32>(crow + ((<usize>j) << 2), s);
      }
    }
  }
}

/**
 * One cached decoding step of multi-head attention for B rows. `qkv` is `[B, 3, H, dh]` (this
 * step's queries, keys, values); keys/values are appended at index `t` of the caches `kc`/`vc`
 * (`[B, H, tMax, dh]`), then each row attends over cache indices `pads[b] .. t` with scores
 * `scale * q.k`. Writes `[B, H, dh]` to `out`; `scores` is scratch of `tMax` floats.
 */
export function decodeAttention(
  qkv: usize,
  kc: usize,
  vc: usize,
  out: usize,
  pads: usize,
  B: i32,
  H: i32,
  dh: i32,
  t: i32,
  tMax: i32,
  scale: f32,
  scores: usize,
): void {
  const rowBytes = (<usize>dh) << 2;
  for (let b = 0; b < B; b++) {
    const pad = load<i32>(pads + ((<usize>b) << 2));
    for (let h = 0; h < H; h++) {
      const q = qkv + <usize>(b * 3 * H + h) * rowBytes;
      const kNew = qkv + <usize>((b * 3 + 1) * H + h) * rowBytes;
      const vNew = qkv + <usize>((b * 3 + 2) * H + h) * rowBytes;
      const kBase = kc + <usize>((b * H + h) * tMax) * rowBytes;
      const vBase = vc + <usize>((b * H + h) * tMax) * rowBytes;
      memory.copy(kBase + <usize>t * rowBytes, kNew, rowBytes);
      memory.copy(vBase + <usize>t * rowBytes, vNew, rowBytes);
      let max: f32 = -Infinity;
      for (let s = pad; s <= t; s++) {
        const kr = kBase + <usize>s * rowBytes;
        let acc = f32x4.splat(0);
        let d = 0;
        for (; d + 4 <= dh; d += 4) {
          acc = f32x4.add(acc, f32x4.mul(v128.load(q + ((<usize>d) << 2)), v128.load(kr + ((<usize>d) << 2))));
        }
        let dot: f32 =
          f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
        for (; d < dh; d++) dot += load<f32>(q + ((<usize>d) << 2)) * load<f32>(kr + ((<usize>d) << 2));
        dot *= scale;
        store<f32>(scores + ((<usize>s) << 2), dot);
        if (dot > max) max = dot;
      }
      let sum: f32 = 0;
      for (let s = pad; s <= t; s++) {
        const e = Mathf.exp(load<f32>(scores + ((<usize>s) << 2)) - max);
        store<f32>(scores + ((<usize>s) << 2), e);
        sum += e;
      }
      const o = out + <usize>(b * H + h) * rowBytes;
      memory.fill(o, 0, rowBytes);
      const inv: f32 = 1 / sum;
      for (let s = pad; s <= t; s++) {
        const w = f32x4.splat(load<f32>(scores + ((<usize>s) << 2)) * inv);
        const vr = vBase + <usize>s * rowBytes;
        let d = 0;
        for (; d + 4 <= dh; d += 4) {
          const at = o + ((<usize>d) << 2);
          v128.store(at, f32x4.add(v128.load(at), f32x4.mul(w, v128.load(vr + ((<usize>d) << 2)))));
        }
        for (; d < dh; d++) {
          const at = o + ((<usize>d) << 2);
          store<f32>(at, load<f32>(at) + load<f32>(scores + ((<usize>s) << 2)) * inv * load<f32>(vr + ((<usize>d) << 2)));
        }
      }
    }
  }
}

// ---- Fused causal attention over left-padded rows (training and prefill) ----
// qkv is [B, L, 3, H, dh] (a dense layer's output, no head transpose); out / dout are [B, L, H, dh].
// Row b attends to keys pads[b] .. t from query t; queries t < pads[b] get all-zero probabilities.

function rowAt(base: usize, b: i32, l: i32, part: i32, h: i32, L: i32, parts: i32, H: i32, dh: i32): usize {
  return base + ((<usize>((((b * L + l) * parts + part) * H + h) * dh)) << 2);
}

function gather(src: usize, dst: usize, b: i32, part: i32, h: i32, L: i32, parts: i32, H: i32, dh: i32, scale: f32): void {
  const bytes = (<usize>dh) << 2;
  const s4 = f32x4.splat(scale);
  for (let l = 0; l < L; l++) {
    const from = rowAt(src, b, l, part, h, L, parts, H, dh);
    const to = dst + <usize>l * bytes;
    if (scale === 1) {
      memory.copy(to, from, bytes);
    } else {
      let d = 0;
      for (; d + 4 <= dh; d += 4) v128.store(to + ((<usize>d) << 2), f32x4.mul(v128.load(from + ((<usize>d) << 2)), s4));
      for (; d < dh; d++) store<f32>(to + ((<usize>d) << 2), load<f32>(from + ((<usize>d) << 2)) * scale);
    }
  }
}

function scatter(src: usize, dst: usize, b: i32, part: i32, h: i32, L: i32, parts: i32, H: i32, dh: i32, scale: f32): void {
  const bytes = (<usize>dh) << 2;
  const s4 = f32x4.splat(scale);
  for (let l = 0; l < L; l++) {
    const to = rowAt(dst, b, l, part, h, L, parts, H, dh);
    const from = src + <usize>l * bytes;
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

/** out[b, l, h] = softmax((scale q) k^T + mask) v for every row b and head h. */
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
      gather(qkv, q, b, 0, h, L, 3, H, dh, scale);
      gather(qkv, k, b, 1, h, L, 3, H, dh, 1);
      gather(qkv, v, b, 2, h, L, 3, H, dh, 1);
      transposeBatch(k, kt, 1, L, dh);
      matmulBatch(q, kt, s, 1, L, dh, L);
      maskedSoftmax(s, p, L, pad);
      matmulBatch(p, v, o, 1, L, L, dh);
      scatter(o, out, b, 0, h, L, 1, H, dh, 1);
    }
  }
}

/** dqkv (same layout as qkv) from dout, recomputing the probabilities. */
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
      gather(qkv, q, b, 0, h, L, 3, H, dh, scale);
      gather(qkv, k, b, 1, h, L, 3, H, dh, 1);
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
      scatter(dq, dqkv, b, 0, h, L, 3, H, dh, scale);
      scatter(dk, dqkv, b, 1, h, L, 3, H, dh, 1);
      scatter(dv, dqkv, b, 2, h, L, 3, H, dh, 1);
    }
  }
}
