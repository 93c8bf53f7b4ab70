/**
 * Longest-common-subsequence length by the textbook O(n m) dynamic programme (two rows).
 * The reference `lcsLength` is checked against; too slow for 4k x 4k in a reward hot path.
 */
export function lcsLengthDp(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const m = b.length;
  let prev = new Int32Array(m + 1);
  let cur = new Int32Array(m + 1);
  for (let i = 1; i <= a.length; i++) {
    const ai = a[i - 1];
    for (let j = 1; j <= m; j++) {
      cur[j] = ai === b[j - 1] ? (prev[j - 1] as number) + 1 : Math.max(prev[j] as number, cur[j - 1] as number);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[m] as number;
}
