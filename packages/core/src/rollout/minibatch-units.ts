/**
 * Rows that must land in the same minibatch: the connected components of the pair graph over
 * `n` rows (a pair joins its chosen and rejected row; pairs sharing a row chain), each sorted, in
 * order of their smallest row; a row in no pair is a unit of its own.
 */
export function pairUnits(n: number, pairs: readonly (readonly [number, number])[]): number[][] {
  const parent = Array.from({ length: n }, (_, i) => i);
  const find = (i: number): number => {
    let r = i;
    while (parent[r] !== r) r = parent[r] as number;
    while (parent[i] !== r) {
      const next = parent[i] as number;
      parent[i] = r;
      i = next;
    }
    return r;
  };
  for (const [a, b] of pairs) {
    if (a < 0 || b < 0 || a >= n || b >= n) throw new Error(`pairUnits: pair (${a}, ${b}) is outside rows 0..${n - 1}`);
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb);
  }
  const byRoot = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const r = find(i);
    const unit = byRoot.get(r);
    if (unit) unit.push(i);
    else byRoot.set(r, [i]);
  }
  return [...byRoot.values()];
}

/**
 * Pack units (in the given, e.g. shuffled, order) into minibatches of at most `size` rows without
 * splitting a unit: a unit that would overflow the current minibatch starts the next one; a unit
 * larger than `size` is a minibatch of its own. Every row appears exactly once.
 */
export function packUnits(units: readonly (readonly number[])[], size: number): number[][] {
  if (!(size >= 1)) throw new Error(`packUnits: size must be at least 1, got ${size}`);
  const out: number[][] = [];
  let current: number[] = [];
  for (const unit of units) {
    if (current.length > 0 && current.length + unit.length > size) {
      out.push(current);
      current = [];
    }
    current.push(...unit);
  }
  if (current.length > 0) out.push(current);
  return out;
}
