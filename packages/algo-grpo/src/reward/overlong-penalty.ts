/**
 * DAPO's soft overlong punishment (arXiv 2503.14476, Eq. 13) for a completion of `length` tokens:
 * `0` if `length <= maxLength - cacheLength`; `((maxLength - cacheLength) - length) / cacheLength`
 * inside the buffer (from 0 down to -1); `-1` beyond `maxLength`.
 *
 * @param length completion length `|y|`, tokens.
 * @param maxLength `L_max`, tokens.
 * @param cacheLength `L_cache`, tokens (`0 < L_cache <= L_max`).
 */
export function overlongPenalty(length: number, maxLength: number, cacheLength: number): number {
  const expected = maxLength - cacheLength;
  if (length <= expected) return 0;
  if (length <= maxLength) return (expected - length) / cacheLength;
  return -1;
}
