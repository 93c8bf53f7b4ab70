// Batched transpose and matmul on wasm SIMD, the building blocks of the attention kernels.
// All arrays are row-major float32 at byte addresses inside the module's memory.

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
