import type * as tf from '@tensorflow/tfjs';
import type { WeightsPayload, WeightsRef } from './worker-protocol';

/** Weight sets a worker keeps at once: the policy, its reference snapshot and one spare. */
export const RESIDENT_SLOTS = 3;

interface Resident {
  readonly key: number;
  /** The variables' data ids when the set was sent: equal ids, equal values. */
  readonly ids: readonly object[];
  used: number;
}

function sameIds(a: readonly object[], b: readonly object[]): boolean {
  return a.length === b.length && a.every((id, k) => id === b[k]);
}

/**
 * Which weight sets each worker already holds, so a job ships the weights (a dataSync and a
 * structured clone of every variable) only when they changed since that worker last saw them.
 *
 * A set is identified by its variables' tfjs data ids: `Variable.assign` (the optimizer's update,
 * a checkpoint load, a snapshot refresh) always gives a variable a new data id, and no kernel
 * writes into a tensor's data in place, so while the ids are those recorded the values are too.
 * The pool holds the recorded ids, so they cannot be reused for other tensors. Each worker has
 * {@link RESIDENT_SLOTS} slots, replaced least recently used first; the worker mirrors them
 * (policy-worker.ts), keeping what a slot was sent until the pool replaces it.
 */
export class ResidentWeights {
  private readonly slots: (Resident | undefined)[][];
  private nextKey = 0;
  private clock = 0;
  private last: { ids: readonly object[]; payload: WeightsPayload } | undefined;

  constructor(workers: number) {
    this.slots = Array.from({ length: workers }, () => Array.from({ length: RESIDENT_SLOTS }, () => undefined));
  }

  /** How worker `worker`'s next job should name `weights`: by slot, with the data if it lacks them. */
  ref(worker: number, weights: ReadonlyMap<string, tf.Variable>): WeightsRef {
    const slots = this.slots[worker];
    if (!slots) throw new Error(`no worker ${worker}`);
    const ids = [...weights.values()].map((v) => v.dataId as object);
    const now = ++this.clock;
    const hit = slots.findIndex((r) => r !== undefined && sameIds(r.ids, ids));
    if (hit >= 0) {
      const r = slots[hit] as Resident;
      r.used = now;
      return { slot: hit, key: r.key };
    }
    let slot = slots.findIndex((r) => r === undefined);
    if (slot < 0) slot = slots.reduce((lru, r, k) => ((r as Resident).used < (slots[lru] as Resident).used ? k : lru), 0);
    const key = this.keyOf(ids);
    slots[slot] = { key, ids, used: now };
    return { slot, key, data: this.payload(weights, ids) };
  }

  /** Same ids, same key in every worker (a worker compares keys to know two jobs share weights). */
  private keyOf(ids: readonly object[]): number {
    for (const slots of this.slots) for (const r of slots) if (r && sameIds(r.ids, ids)) return r.key;
    return this.nextKey++;
  }

  /** The values of `weights`, read once for all the workers that need them in one call. */
  private payload(weights: ReadonlyMap<string, tf.Variable>, ids: readonly object[]): WeightsPayload {
    if (this.last && sameIds(this.last.ids, ids)) return this.last.payload;
    const payload: WeightsPayload = [...weights].map(([name, v]) => [name, v.shape, v.dataSync() as Float32Array]);
    this.last = { ids, payload };
    return payload;
  }
}
