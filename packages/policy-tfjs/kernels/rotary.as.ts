// Rotary position embedding (the `rotate_half` convention) applied to one head row inside the
// attention kernels of matmul.as.ts, so the model never rotates q and k with separate tfjs ops.
// `c` and `s` point at the row's cos and sin tables (`dh` floats, halves duplicated).

/** to = (x c + rotate_half(x) s) * scale for one row `x` of `dh` floats; `to` may be `from`. */
export function rotateRow(from: usize, to: usize, c: usize, s: usize, dh: i32, scale: f32): void {
  const half = dh >> 1;
  const hb = (<usize>half) << 2;
  const k = f32x4.splat(scale);
  let d = 0;
  for (; d + 4 <= half; d += 4) {
    const o = (<usize>d) << 2;
    const a = v128.load(from + o);
    const b = v128.load(from + hb + o);
    const lo = f32x4.sub(f32x4.mul(a, v128.load(c + o)), f32x4.mul(b, v128.load(s + o)));
    const hi = f32x4.add(f32x4.mul(b, v128.load(c + hb + o)), f32x4.mul(a, v128.load(s + hb + o)));
    v128.store(to + o, f32x4.mul(lo, k));
    v128.store(to + hb + o, f32x4.mul(hi, k));
  }
  for (; d < half; d++) {
    const o = (<usize>d) << 2;
    const a = load<f32>(from + o);
    const b = load<f32>(from + hb + o);
    store<f32>(to + o, (a * load<f32>(c + o) - b * load<f32>(s + o)) * scale);
    store<f32>(to + hb + o, (b * load<f32>(c + hb + o) + a * load<f32>(s + hb + o)) * scale);
  }
}

/**
 * The transpose of {@link rotateRow} (its gradient): for `y = x c + rotate_half(x) s`,
 * `dx1 = dy1 c1 + dy2 s2`, `dx2 = dy2 c2 - dy1 s1` (halves 1 and 2), times `scale`.
 */
export function unrotateRow(from: usize, to: usize, c: usize, s: usize, dh: i32, scale: f32): void {
  const half = dh >> 1;
  const hb = (<usize>half) << 2;
  const k = f32x4.splat(scale);
  let d = 0;
  for (; d + 4 <= half; d += 4) {
    const o = (<usize>d) << 2;
    const a = v128.load(from + o);
    const b = v128.load(from + hb + o);
    const lo = f32x4.add(f32x4.mul(a, v128.load(c + o)), f32x4.mul(b, v128.load(s + hb + o)));
    const hi = f32x4.sub(f32x4.mul(b, v128.load(c + hb + o)), f32x4.mul(a, v128.load(s + o)));
    v128.store(to + o, f32x4.mul(lo, k));
    v128.store(to + hb + o, f32x4.mul(hi, k));
  }
  for (; d < half; d++) {
    const o = (<usize>d) << 2;
    const a = load<f32>(from + o);
    const b = load<f32>(from + hb + o);
    store<f32>(to + o, (a * load<f32>(c + o) + b * load<f32>(s + hb + o)) * scale);
    store<f32>(to + hb + o, (b * load<f32>(c + hb + o) - a * load<f32>(s + o)) * scale);
  }
}
