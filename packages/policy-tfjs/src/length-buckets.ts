/**
 * Split rows into generation batches of similar length. A batch is left-padded to its longest
 * context and every row of it attends over that padding, so one long prompt in a batch of short
 * ones makes the whole batch pay for its length (measured on the arithmetic base: 64 rows, half
 * with a 360-token context, 3.5 s together vs 2.0 s as two batches; BENCHMARKS.md).
 *
 * Rows are taken in order of context length (ties keep request order); a batch closes at
 * `maxBatch` rows or when the next row's cost, `length + maxNewTokens`, exceeds `spread` times the
 * cost of the batch's first (shortest) row. `spread = Infinity` keeps request order: chunks of
 * `maxBatch`. Returns row indices; every index appears exactly once.
 */
export function lengthBuckets(lengths: readonly number[], maxBatch: number, maxNewTokens: number, spread = 1.5): number[][] {
  if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new Error(`maxBatch must be a positive integer, got ${maxBatch}`);
  if (!(spread >= 1)) throw new Error(`spread must be >= 1, got ${spread}`);
  // An infinite spread keeps request order (plain chunks of maxBatch).
  const order = lengths.map((_, i) => i);
  if (spread !== Number.POSITIVE_INFINITY) order.sort((a, b) => (lengths[a] as number) - (lengths[b] as number) || a - b);
  const buckets: number[][] = [];
  let current: number[] = [];
  let firstCost = 0;
  for (const i of order) {
    const cost = (lengths[i] as number) + maxNewTokens;
    if (current.length > 0 && (current.length >= maxBatch || cost > spread * firstCost)) {
      buckets.push(current);
      current = [];
    }
    if (current.length === 0) firstCost = cost;
    current.push(i);
  }
  if (current.length > 0) buckets.push(current);
  return buckets;
}
