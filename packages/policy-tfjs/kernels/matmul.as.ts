// AssemblyScript source of the wasm SIMD kernels (compiled by scripts/build-kernels.mjs into
// src/kernels/matmul-wasm.ts): this entry file holds the cached decode attention and re-exports
// the rest. All arrays are row-major float32 at byte addresses inside this module's memory.

import { rotateRow } from './rotary.as';

export { attentionBackward, attentionForward, attentionScratchBytes } from './attention.as';
export { columnSums, matmulBatch, transposeBatch, transposeBlocked } from './linalg.as';

/**
 * One cached decoding step of multi-head attention for B rows. `qkv` is `[B, 3, H, dh]` (this
 * step's queries, keys, values); keys/values are appended at index `t` of the caches `kc`/`vc`
 * (`[B, H, tMax, dh]`), then each row attends over cache indices `pads[b] .. t` with scores
 * `scale * q.k`. Writes `[B, H, dh]` to `out`; `scores` is scratch of `tMax` floats. When `cos` is
 * non-zero, this step's q and k are rotated in place first (rotary tables `[B, dh]` at `cos` / `sin`).
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
  cos: usize,
  sin: usize,
): void {
  const rowBytes = (<usize>dh) << 2;
  for (let b = 0; b < B; b++) {
    const pad = load<i32>(pads + ((<usize>b) << 2));
    for (let h = 0; h < H; h++) {
      const q = qkv + <usize>(b * 3 * H + h) * rowBytes;
      const kNew = qkv + <usize>((b * 3 + 1) * H + h) * rowBytes;
      const vNew = qkv + <usize>((b * 3 + 2) * H + h) * rowBytes;
      if (cos !== 0) {
        const r = <usize>b * rowBytes;
        rotateRow(q, q, cos + r, sin + r, dh, 1);
        rotateRow(kNew, kNew, cos + r, sin + r, dh, 1);
      }
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
