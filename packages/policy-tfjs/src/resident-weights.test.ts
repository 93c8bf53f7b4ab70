import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from './init-backend';
import { RESIDENT_SLOTS, ResidentWeights } from './resident-weights';

beforeAll(async () => {
  await initBackend('cpu');
});

function weightSet(seed: number): Map<string, tf.Variable> {
  return new Map([
    ['a', tf.variable(tf.randomNormal([3, 2], 0, 1, 'float32', seed))],
    ['b', tf.variable(tf.randomNormal([4], 0, 1, 'float32', seed + 1))],
  ]);
}

describe('ResidentWeights', () => {
  it('ships a set to a worker once, again only after a variable changes', () => {
    const w = weightSet(1);
    const r = new ResidentWeights(2);
    const first = r.ref(0, w);
    expect(first.data?.map(([name, shape]) => [name, shape])).toEqual([
      ['a', [3, 2]],
      ['b', [4]],
    ]);
    expect(Array.from(first.data?.[1]?.[2] ?? [])).toEqual(Array.from(w.get('b')?.dataSync() ?? []));
    expect(r.ref(0, w)).toEqual({ slot: first.slot, key: first.key });
    // The other worker has not seen it yet: it gets the data, under the same key.
    const other = r.ref(1, w);
    expect(other.key).toBe(first.key);
    expect(other.data).toBeDefined();
    // An optimizer-style update assigns a new tensor: a new key and the data again (in a free
    // slot; the old values stay resident until replaced).
    w.get('a')?.assign(tf.zeros([3, 2]));
    const changed = r.ref(0, w);
    expect(changed.key).not.toBe(first.key);
    expect(Array.from(changed.data?.[0]?.[2] ?? [])).toEqual([0, 0, 0, 0, 0, 0]);
    expect(r.ref(0, w).data).toBeUndefined();
    for (const v of w.values()) v.dispose();
  });

  it('keeps the most recently used sets and replaces the least recently used one', () => {
    const sets = Array.from({ length: RESIDENT_SLOTS + 1 }, (_, k) => weightSet(10 * k));
    const r = new ResidentWeights(1);
    const refs = sets.slice(0, RESIDENT_SLOTS).map((w) => r.ref(0, w));
    expect(new Set(refs.map((x) => x.slot)).size).toBe(RESIDENT_SLOTS);
    r.ref(0, sets[0] as Map<string, tf.Variable>); // set 0 used again: set 1 is now the oldest
    const extra = r.ref(0, sets[RESIDENT_SLOTS] as Map<string, tf.Variable>);
    expect(extra.slot).toBe(refs[1]?.slot);
    expect(extra.data).toBeDefined();
    expect(r.ref(0, sets[0] as Map<string, tf.Variable>).data).toBeUndefined();
    expect(r.ref(0, sets[1] as Map<string, tf.Variable>).data).toBeDefined();
    for (const w of sets) for (const v of w.values()) v.dispose();
  });
});
