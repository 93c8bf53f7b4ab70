import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from './init-backend';
import { tinyPolicy } from './testing/tiny-policy';
import { crashingWorkerScript } from './testing/worker-bundle';

beforeAll(async () => {
  await initBackend('wasm');
});

const batch = {
  promptIds: [[1, 5], [1, 6, 7, 8], [1], [1, 9, 10], [1, 11, 12, 13, 14], [1, 15]],
  completionIds: [[4, 5, 6], [7], [8, 9, 10, 11, 2], [12, 13], [14, 15, 16], [17, 18, 19, 20]],
};

/** Milliseconds `f` takes to throw, and its error (fails the test if it does not throw). */
function timeToThrow(f: () => unknown): { ms: number; error: Error } {
  const t0 = Date.now();
  try {
    f();
  } catch (e) {
    return { ms: Date.now() - t0, error: e as Error };
  }
  throw new Error('expected the call to throw');
}

// The main thread blocks in Atomics.wait while a worker scores its shard; a worker that dies
// then must not leave it waiting for the 10-minute synchronous timeout.
describe('a policy worker that dies mid-call', () => {
  it('while scoring a logProbs shard: the blocked main thread gets an error within seconds, later calls run in-thread', async () => {
    const single = tinyPolicy({ positional: 'rotary' }, 9);
    const pooled = tinyPolicy({ positional: 'rotary' }, 9, {
      workers: 1,
      minRowsPerThread: 2,
      workerScript: crashingWorkerScript('forward'),
    });
    expect(await pooled.startWorkers()).toBe(1);
    const { ms, error } = timeToThrow(() => tf.tidy(() => pooled.logProbs(batch).logProbs.dataSync()));
    expect(error.message).toMatch(/policy worker 0 stopped \(its thread exited or crashed\) before answering job \d+/);
    expect(ms).toBeLessThan(15_000);
    // The pool is dropped; the same policy now scores in this thread, with the same values.
    const got = tf.tidy(() => Array.from(pooled.logProbs(batch).logProbs.dataSync()));
    const want = tf.tidy(() => Array.from(single.logProbs(batch).logProbs.dataSync()));
    got.forEach((x, i) => expect(Math.abs(x - (want[i] as number))).toBeLessThan(1e-5));
    single.dispose();
    pooled.dispose();
  });

  it('during the backward pass (inside a gradient function): an error within seconds, then training goes on in-thread', async () => {
    const pooled = tinyPolicy({ positional: 'rotary' }, 9, {
      workers: 1,
      minRowsPerThread: 2,
      workerScript: crashingWorkerScript('backward'),
    });
    expect(await pooled.startWorkers()).toBe(1);
    const loss = () => tf.neg(tf.mean(pooled.logProbs(batch).logProbs)) as tf.Scalar;
    const { ms, error } = timeToThrow(() => tf.variableGrads(loss, pooled.trainableVariables()));
    expect(error.message).toMatch(/policy worker 0 stopped/);
    expect(ms).toBeLessThan(15_000);
    const opt = tf.train.adam(1e-3);
    opt.minimize(loss, false, pooled.trainableVariables());
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) opt.minimize(loss, false, pooled.trainableVariables());
    expect(tf.memory().numTensors).toBe(before);
    opt.dispose();
    pooled.dispose();
  });

  it('while sampling a slice: generate rejects within seconds, the next generate samples in-thread', async () => {
    const inProcess = tinyPolicy({}, 8);
    const pooled = tinyPolicy({}, 8, {
      workers: 1,
      parallelSampling: true,
      minRowsPerThread: 2,
      workerScript: crashingWorkerScript('generate'),
    });
    // Equal prompt lengths: one length bucket, split between this thread and the worker.
    const requests = ['abc', '1+2', 'hel', 'xyz', '9-4', 'jkl'].map((prompt) => ({ prompt }));
    const sampling = { temperature: 0.8, maxNewTokens: 8, seed: 5 };
    const t0 = Date.now();
    await expect(pooled.generate(requests, sampling)).rejects.toThrow(/policy worker 0 exited \(code 7\)/);
    expect(Date.now() - t0).toBeLessThan(15_000);
    const a = await inProcess.generate(requests, sampling);
    const b = await pooled.generate(requests, sampling);
    expect(b.map((r) => r.completionIds)).toEqual(a.map((r) => r.completionIds));
    inProcess.dispose();
    pooled.dispose();
  });
});
