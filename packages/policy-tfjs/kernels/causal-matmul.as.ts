// Products of the attention kernels that skip what causality makes zero or unused. Row-major
// float32 at byte addresses inside the module's memory; c = a @ b with a [M, K], b [K, N].
//
// mode 0: the full product.
// mode 1: only c[i, j] for j <= i is wanted (scores): columns past the diagonal are skipped in
//         blocks, so c may hold garbage there (never read).
// mode 2: a is lower triangular (a[i, k] = 0 for k > i): the k loop stops at the diagonal.
// mode 3: a is upper triangular (a[i, k] = 0 for k < i): the k loop starts at the diagonal.
// (Biome skips this file: it cannot parse AssemblyScript's `@inline` decorator on functions.)
// Rows are done in pairs, so for rows (i, i + 1) the ranges are those of row i + 1 (mode 1, 2) or
// row i (mode 3): a must hold zeros at a[i, i + 1] (mode 2) and a[i + 1, i] (mode 3).

@inline
function block16(a0: usize, a1: usize, bp: usize, c0: usize, c1: usize, k0: i32, k1: i32, bStride: usize, two: bool): void {
  let x0 = f32x4.splat(0);
  let x1 = f32x4.splat(0);
  let x2 = f32x4.splat(0);
  let x3 = f32x4.splat(0);
  let y0 = f32x4.splat(0);
  let y1 = f32x4.splat(0);
  let y2 = f32x4.splat(0);
  let y3 = f32x4.splat(0);
  let bk = bp + <usize>k0 * bStride;
  for (let k = k0; k < k1; k++) {
    const u = f32x4.splat(load<f32>(a0 + ((<usize>k) << 2)));
    const b0 = v128.load(bk);
    const b1 = v128.load(bk, 16);
    const b2 = v128.load(bk, 32);
    const b3 = v128.load(bk, 48);
    x0 = f32x4.add(x0, f32x4.mul(u, b0));
    x1 = f32x4.add(x1, f32x4.mul(u, b1));
    x2 = f32x4.add(x2, f32x4.mul(u, b2));
    x3 = f32x4.add(x3, f32x4.mul(u, b3));
    if (two) {
      const w = f32x4.splat(load<f32>(a1 + ((<usize>k) << 2)));
      y0 = f32x4.add(y0, f32x4.mul(w, b0));
      y1 = f32x4.add(y1, f32x4.mul(w, b1));
      y2 = f32x4.add(y2, f32x4.mul(w, b2));
      y3 = f32x4.add(y3, f32x4.mul(w, b3));
    }
    bk += bStride;
  }
  v128.store(c0, x0);
  v128.store(c0, x1, 16);
  v128.store(c0, x2, 32);
  v128.store(c0, x3, 48);
  if (two) {
    v128.store(c1, y0);
    v128.store(c1, y1, 16);
    v128.store(c1, y2, 32);
    v128.store(c1, y3, 48);
  }
}

@inline
function block4(a0: usize, a1: usize, bp: usize, c0: usize, c1: usize, k0: i32, k1: i32, bStride: usize, two: bool): void {
  let x = f32x4.splat(0);
  let y = f32x4.splat(0);
  let bk = bp + <usize>k0 * bStride;
  for (let k = k0; k < k1; k++) {
    const b = v128.load(bk);
    x = f32x4.add(x, f32x4.mul(f32x4.splat(load<f32>(a0 + ((<usize>k) << 2))), b));
    if (two) y = f32x4.add(y, f32x4.mul(f32x4.splat(load<f32>(a1 + ((<usize>k) << 2))), b));
    bk += bStride;
  }
  v128.store(c0, x);
  if (two) v128.store(c1, y);
}

/** c = a @ b, [M, K] x [K, N], skipping by `mode` (see the file comment). */
export function matmulCausal(a: usize, b: usize, c: usize, M: i32, K: i32, N: i32, mode: i32): void {
  const bStride = (<usize>N) << 2;
  for (let i = 0; i < M; i += 2) {
    const two = i + 1 < M;
    const last = two ? i + 1 : i;
    const a0 = a + ((<usize>(i * K)) << 2);
    const a1 = a0 + ((<usize>K) << 2);
    const c0 = c + ((<usize>(i * N)) << 2);
    const c1 = c0 + bStride;
    const nEnd = mode === 1 ? min(N, last + 1) : N;
    const k0 = mode === 3 ? min(i, K) : 0;
    const k1 = mode === 2 ? min(K, last + 1) : K;
    let j = 0;
    for (; j < nEnd && j + 16 <= N; j += 16) {
      const o = (<usize>j) << 2;
      if (two) block16(a0, a1, b + o, c0 + o, c1 + o, k0, k1, bStride, true);
      else block16(a0, a1, b + o, c0 + o, c1 + o, k0, k1, bStride, false);
    }
    for (; j < nEnd && j + 4 <= N; j += 4) {
      const o = (<usize>j) << 2;
      if (two) block4(a0, a1, b + o, c0 + o, c1 + o, k0, k1, bStride, true);
      else block4(a0, a1, b + o, c0 + o, c1 + o, k0, k1, bStride, false);
    }
    for (; j < nEnd; j++) {
      let s0: f32 = 0;
      let s1: f32 = 0;
      for (let k = k0; k < k1; k++) {
        const bv = load<f32>(b + ((<usize>(k * N + j)) << 2));
        s0 += load<f32>(a0 + ((<usize>k) << 2)) * bv;
        if (two) s1 += load<f32>(a1 + ((<usize>k) << 2)) * bv;
      }
      store<f32>(c0 + ((<usize>j) << 2), s0);
      if (two) store<f32>(c1 + ((<usize>j) << 2), s1);
    }
  }
}
