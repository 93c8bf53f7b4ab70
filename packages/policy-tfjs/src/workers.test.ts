import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from './init-backend';
import { sequenceLogProbs } from './sequence-log-probs';
import { tinyPolicy } from './testing/tiny-policy';
import { buildWorkerBundle } from './testing/worker-bundle';
import type { WorkerPool } from './worker-pool';

let script: string;

beforeAll(async () => {
  await initBackend('wasm');
  script = buildWorkerBundle();
});

describe('worker threads', () => {
  it('split a batch across worker threads with the same results as in-process sampling', async () => {
    const inProcess = tinyPolicy({}, 8);
    const pooled = tinyPolicy({}, 8, { workers: 1, parallelSampling: true, minRowsPerThread: 2, workerScript: script });

    const requests = [{ prompt: 'abc' }, { prompt: '1+2=' }, { prompt: 'j', prefill: '9' }, { prompt: 'hello' }, { prompt: '' }];
    const sampling = { temperature: 0.8, topK: 8, maxNewTokens: 10, seed: 17 };
    const before = tf.memory().numTensors;
    const a = await inProcess.generate(requests, sampling);
    const b = await pooled.generate(requests, sampling);
    expect(b.map((r) => r.completionIds)).toEqual(a.map((r) => r.completionIds));
    b.forEach((r, i) => {
      r.logProbs.forEach((x, j) => expect(Math.abs(x - (a[i]?.logProbs[j] as number))).toBeLessThan(1e-5));
    });
    expect(tf.memory().numTensors).toBe(before);
    inProcess.dispose();
    pooled.dispose();
  });

  it('split logProbs across threads with the same values and gradients, numTensors flat', async () => {
    const single = tinyPolicy({ positional: 'rotary' }, 9);
    const pooled = tinyPolicy({ positional: 'rotary' }, 9, {
      workers: 1,
      minRowsPerThread: 2,
      workerScript: script,
      workerShare: 0.5,
    });
    expect(await pooled.startWorkers()).toBe(1);
    const batch = {
      promptIds: [[1, 5], [1, 6, 7, 8], [1], [1, 9, 10], [1, 11, 12, 13, 14], [1, 15]],
      completionIds: [[4, 5, 6], [7], [8, 9, 10, 11, 2], [12, 13], [14, 15, 16], [17, 18, 19, 20]],
      temperature: 0.9,
    };
    const weights = tf.randomNormal([6, 5], 0, 1, 'float32', 3);
    const loss = (p: typeof single) => () => {
      const out = p.logProbs(batch, { entropy: true });
      return tf.add(tf.sum(tf.mul(out.logProbs, weights)), tf.mul(tf.sum(out.entropy as tf.Tensor), 0.2)) as tf.Scalar;
    };
    const a = tf.variableGrads(loss(single), single.trainableVariables());
    const b = tf.variableGrads(loss(pooled), pooled.trainableVariables());
    expect(Math.abs(a.value.dataSync()[0]! - b.value.dataSync()[0]!)).toBeLessThan(1e-4);
    const names = Object.keys(a.grads);
    const other = Object.keys(b.grads);
    expect(other.length).toBe(names.length);
    names.forEach((n, k) => {
      const ga = a.grads[n]!.dataSync();
      const gb = b.grads[other[k]!]!.dataSync();
      let m = 0;
      for (let i = 0; i < ga.length; i++) m = Math.max(m, Math.abs(ga[i]! - gb[i]!));
      expect(m).toBeLessThan(1e-5);
    });
    tf.dispose([a.value, b.value, ...Object.values(a.grads), ...Object.values(b.grads)]);
    // One logProbs call per tape: the worker answers the backward from the tape it kept.
    const pool = (pooled as unknown as { pool: WorkerPool }).pool;
    expect(pool.backwards).toEqual({ held: 1, recomputed: 0 });
    const opt = tf.train.adam(1e-3);
    const step = () => opt.minimize(loss(pooled), false, pooled.trainableVariables());
    step();
    const before = tf.memory().numTensors;
    const workerBefore = pool.workerTensors[0];
    for (let i = 0; i < 5; i++) step();
    expect(tf.memory().numTensors).toBe(before);
    expect(pool.workerTensors[0]).toBe(workerBefore);
    const ref = pooled.snapshot();
    tf.tidy(() => {
      const x = ref.logProbs(batch).logProbs.dataSync();
      const y = pooled.logProbs(batch).logProbs.dataSync();
      for (let i = 0; i < x.length; i++) expect(Math.abs(x[i]! - y[i]!)).toBeLessThan(1e-5);
    });
    ref.dispose();
    opt.dispose();
    weights.dispose();
    single.dispose();
    pooled.dispose();
  });

  // Workers keep the last RESIDENT_SLOTS (3) weight sets; four sets in turn evict and resend.
  it('scores with four weight sets in turn (policy and three snapshots): each as in-thread, workers resend evicted sets', async () => {
    const pooled = tinyPolicy({ positional: 'rotary' }, 13, { workers: 1, minRowsPerThread: 2, workerScript: script });
    expect(await pooled.startWorkers()).toBe(1);
    const batch = {
      promptIds: [[1, 5], [1, 6, 7, 8], [1], [1, 9, 10], [1, 11, 12, 13, 14], [1, 15]],
      completionIds: [[4, 5, 6], [7], [8, 9, 10, 11, 2], [12, 13], [14, 15, 16], [17, 18, 19, 20]],
    };
    const opt = tf.train.adam(1e-2);
    const objective = () => tf.sum(pooled.logProbs(batch).logProbs) as tf.Scalar;
    const snapshots = [];
    for (let k = 0; k < 3; k++) {
      snapshots.push(pooled.snapshot());
      opt.minimize(objective, false, pooled.trainableVariables());
    }
    const sets = [pooled, ...snapshots];
    const order = [0, 1, 2, 3, 0, 2, 1, 3, 3, 0];
    const before = tf.memory().numTensors;
    const distinct = new Set<string>();
    for (const k of order) {
      const p = sets[k] as typeof pooled;
      tf.tidy(() => {
        const got = p.logProbs(batch).logProbs.dataSync();
        const want = sequenceLogProbs(p.model, p.tokenizer.padId, batch).logProbs.dataSync();
        expect(got.length).toBe(want.length);
        for (let i = 0; i < got.length; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThan(1e-5);
        distinct.add(Array.from(got.slice(0, 4)).join(','));
      });
    }
    expect(distinct.size).toBe(4); // four different weight sets really were scored
    expect(tf.memory().numTensors).toBe(before);
    for (const s of snapshots) s.dispose();
    opt.dispose();
    pooled.dispose();
  });

  // One minibatch scored in several length bands is several logProbs calls on one tape. The
  // worker nests their tapes (MAX_HELD = 8 deep); past that, a band is recomputed.
  it.each([
    [2, { held: 2, recomputed: 0 }],
    [9, { held: 8, recomputed: 1 }],
  ])(
    '%i logProbs calls on one tape: backwards from nested held tapes, same gradients, worker numTensors flat',
    async (calls, expected) => {
      const single = tinyPolicy({ positional: 'rotary' }, 11);
      const pooled = tinyPolicy({ positional: 'rotary' }, 11, { workers: 1, minRowsPerThread: 2, workerScript: script });
      expect(await pooled.startWorkers()).toBe(1);
      const batches = Array.from({ length: calls }, (_, c) => ({
        promptIds: [[1, 5 + c], [1, 6, 7], [1], [1, 9, (c % 5) + 2]],
        completionIds: [[4, 5], [7, 8, 9].slice(0, 1 + (c % 3)), [8 + (c % 4)], [12, 13, 2]],
      }));
      const loss = (p: typeof single) => () =>
        batches.reduce<tf.Scalar>((acc, batch, c) => {
          const out = p.logProbs(batch, { entropy: c % 2 === 1 });
          const term = c % 2 === 1 ? tf.mul(tf.sum(out.entropy as tf.Tensor), 0.3) : tf.sum(out.logProbs);
          return tf.add(acc, tf.mul(term, 1 + c / 10)) as tf.Scalar;
        }, tf.scalar(0));
      const a = tf.variableGrads(loss(single), single.trainableVariables());
      const pool = (pooled as unknown as { pool: WorkerPool }).pool;
      const before = tf.memory().numTensors;
      const grads = () => tf.variableGrads(loss(pooled), pooled.trainableVariables());
      const warm = grads();
      tf.dispose([warm.value, ...Object.values(warm.grads)]);
      const workerBefore = pool.workerTensors[0];
      const b = grads();
      expect(pool.backwards).toEqual({ held: 2 * expected.held, recomputed: 2 * expected.recomputed });
      expect(pool.workerTensors[0]).toBe(workerBefore);
      expect(Math.abs(a.value.dataSync()[0]! - b.value.dataSync()[0]!)).toBeLessThan(1e-4);
      const ga = Object.values(a.grads);
      const gb = Object.values(b.grads);
      expect(gb.length).toBe(ga.length);
      ga.forEach((g, k) => {
        const x = g.dataSync();
        const y = gb[k]!.dataSync();
        let m = 0;
        let scale = 1;
        for (let i = 0; i < x.length; i++) {
          m = Math.max(m, Math.abs(x[i]! - y[i]!));
          scale = Math.max(scale, Math.abs(x[i]!));
        }
        expect(m).toBeLessThan(1e-5 * scale);
      });
      tf.dispose([b.value, ...gb]);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([a.value, ...ga]);
      single.dispose();
      pooled.dispose();
    },
  );
});
