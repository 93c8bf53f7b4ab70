function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/**
 * Length of the longest common subsequence of two symbol sequences, bit-parallel (Hyyrö 2004,
 * after Allison and Dix 1986): the shorter sequence (length m) is held as bit vectors of
 * ceil(m/32) 32-bit words and each symbol of the longer one updates them with
 * `V = (V + (V & M)) | (V & ~M)` (multi-word add with carry); LCS = number of zero bits of V.
 * Time O(n * ceil(m/32)), memory O(sigma * m / 32) for sigma distinct symbols of the shorter one.
 *
 * @param a symbol ids (any numbers compared with ===; e.g. interned token ids).
 * @param b symbol ids.
 */
export function lcsLength(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const [x, y] = a.length <= b.length ? [a, b] : [b, a];
  const m = x.length;
  if (m === 0) return 0;
  const words = (m + 31) >>> 5;
  const rowOf = new Map<number, number>();
  for (let i = 0; i < m; i++) if (!rowOf.has(x[i] as number)) rowOf.set(x[i] as number, rowOf.size);
  const match = new Uint32Array(rowOf.size * words);
  for (let i = 0; i < m; i++) {
    const at = (rowOf.get(x[i] as number) as number) * words + (i >>> 5);
    match[at] = (match[at] as number) | (1 << (i & 31));
  }
  const v = new Uint32Array(words).fill(0xffffffff);
  for (let j = 0; j < y.length; j++) {
    const row = rowOf.get(y[j] as number);
    if (row === undefined) continue;
    const base = row * words;
    let carry = 0;
    for (let k = 0; k < words; k++) {
      const vk = v[k] as number;
      const mk = match[base + k] as number;
      const sum = vk + ((vk & mk) >>> 0) + carry;
      carry = sum > 0xffffffff ? 1 : 0;
      v[k] = sum | (vk & ~mk);
    }
  }
  let zeros = 0;
  for (let k = 0; k < words; k++) zeros += 32 - popcount32(v[k] as number);
  return zeros;
}
