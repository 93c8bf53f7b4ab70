// Batched transpose and matmul on wasm SIMD, the building blocks of the attention kernels.
// All arrays are row-major float32 at byte addresses inside the module's memory.

import { matmulCausal } from './causal-matmul.as';

/** dst[p] = src[p]^T for `batch` matrices of `rows x cols` (see {@link transposeBlocked}). */
export function transposeBatch(src: usize, dst: usize, batch: i32, rows: i32, cols: i32): void {
  const size = (<usize>(rows * cols)) << 2;
  for (let p = 0; p < batch; p++) transposeBlocked(src + <usize>p * size, dst + <usize>p * size, rows, cols);
}

/** c[p] = a[p] @ b[p] for `batch` products of `[M, K] x [K, N]` (the full product of {@link matmulCausal}). */
export function matmulBatch(a: usize, b: usize, c: usize, batch: i32, M: i32, K: i32, N: i32): void {
  const aSize = (<usize>(M * K)) << 2;
  const bSize = (<usize>(K * N)) << 2;
  const cSize = (<usize>(M * N)) << 2;
  for (let p = 0; p < batch; p++) matmulCausal(a + <usize>p * aSize, b + <usize>p * bSize, c + <usize>p * cSize, M, K, N, 0);
}

/**
 * dst = src^T for one `rows x cols` matrix, in blocks of 16 source rows so that every destination
 * cache line (16 floats) is written whole before moving on: tfjs's wasm Transpose slows down 4-5x
 * when the row count is a multiple of 1024 (the destination rows alias in the cache).
 */
export function transposeBlocked(src: usize, dst: usize, rows: i32, cols: i32): void {
  const rowBytes = (<usize>cols) << 2;
  const colBytes = (<usize>rows) << 2;
  const r4 = rows & ~3;
  const c4 = cols & ~3;
  for (let rb = 0; rb < r4; rb += 16) {
    const rEnd = min(rb + 16, r4);
    for (let c = 0; c < c4; c += 4) {
      for (let r = rb; r < rEnd; r += 4) {
        const at = src + <usize>r * rowBytes + ((<usize>c) << 2);
        const x0 = v128.load(at);
        const x1 = v128.load(at + rowBytes);
        const x2 = v128.load(at + 2 * rowBytes);
        const x3 = v128.load(at + 3 * rowBytes);
        const t0 = v128.shuffle<i32>(x0, x1, 0, 4, 1, 5);
        const t1 = v128.shuffle<i32>(x0, x1, 2, 6, 3, 7);
        const t2 = v128.shuffle<i32>(x2, x3, 0, 4, 1, 5);
        const t3 = v128.shuffle<i32>(x2, x3, 2, 6, 3, 7);
        const out = dst + <usize>c * colBytes + ((<usize>r) << 2);
        v128.store(out, v128.shuffle<i32>(t0, t2, 0, 1, 4, 5));
        v128.store(out + colBytes, v128.shuffle<i32>(t0, t2, 2, 3, 6, 7));
        v128.store(out + 2 * colBytes, v128.shuffle<i32>(t1, t3, 0, 1, 4, 5));
        v128.store(out + 3 * colBytes, v128.shuffle<i32>(t1, t3, 2, 3, 6, 7));
      }
    }
  }
  // edges: the last cols % 4 columns of the first r4 rows, then the last rows % 4 rows
  for (let r = 0; r < r4; r++) {
    for (let c = c4; c < cols; c++)
      store<f32>(dst + <usize>c * colBytes + ((<usize>r) << 2), load<f32>(src + <usize>r * rowBytes + ((<usize>c) << 2)));
  }
  for (let r = r4; r < rows; r++) {
    for (let c = 0; c < cols; c++)
      store<f32>(dst + <usize>c * colBytes + ((<usize>r) << 2), load<f32>(src + <usize>r * rowBytes + ((<usize>c) << 2)));
  }
}

/** dst[c] = sum over rows of src[r, c] for a `rows x cols` matrix: rows streamed in order, float32 sums. */
export function columnSums(src: usize, dst: usize, rows: i32, cols: i32): void {
  const rowBytes = (<usize>cols) << 2;
  const c4 = cols & ~3;
  memory.fill(dst, 0, rowBytes);
  for (let r = 0; r < rows; r++) {
    const row = src + <usize>r * rowBytes;
    let c = 0;
    for (; c < c4; c += 4) {
      const o = (<usize>c) << 2;
      v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(row + o)));
    }
    for (; c < cols; c++) {
      const o = (<usize>c) << 2;
      store<f32>(dst + o, load<f32>(dst + o) + load<f32>(row + o));
    }
  }
}
