/** Dense ids for a list of keys: `index[i]` is key i's id, ids run `0..count-1`. */
export interface DenseIndex {
  /** `[N]` dense id of each key, in first-seen order (the first key gets 0, the next new key 1, ...). */
  readonly index: number[];
  /** Number of distinct keys. */
  readonly count: number;
}

/**
 * Dense ids for `keys` in first-seen order: equal keys (SameValueZero, as `Map`) share an id, the
 * first distinct key gets 0, the next 1, and so on. Turns rollout group ids (strings) or any
 * numeric group labels into the `0..count-1` indices the estimators expect.
 *
 * @param keys `[N]` keys, e.g. `rollouts.map((r) => r.groupId)`.
 * @returns the `[N]` ids and the number of distinct keys.
 */
export function denseIndex<K>(keys: readonly K[]): DenseIndex {
  const ids = new Map<K, number>();
  const index = keys.map((k) => {
    let id = ids.get(k);
    if (id === undefined) {
      id = ids.size;
      ids.set(k, id);
    }
    return id;
  });
  return { index, count: ids.size };
}
