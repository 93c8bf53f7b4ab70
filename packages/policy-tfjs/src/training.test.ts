import * as tf from '@tensorflow/tfjs';
import { Rng } from '@trellis/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { CharTokenizer } from './char-tokenizer';
import { createPolicy } from './create-policy';
import { initBackend } from './init-backend';
import { embeddingLookup, oneHotFloat } from './layers';
import { tinyPolicy } from './testing/tiny-policy';

beforeAll(async () => {
  await initBackend('wasm');
});

describe('training interface', () => {
  it('gradients match central finite differences (learned + rotary, tied head)', () => {
    for (const cfg of [{}, { positional: 'rotary', tiedHead: true }] as const) {
      const policy = tinyPolicy({ dModel: 16, nHeads: 2, dFF: 32, ...cfg }, 5);
      const batch = {
        promptIds: [
          [1, 5, 6, 7],
          [1, 8],
        ],
        completionIds: [
          [9, 10, 2],
          [11, 12, 13, 14],
        ],
        temperature: 0.8,
      };
      const weights = tf.tensor2d([
        [0.3, -1.2, 0.7, 0],
        [1.1, 0.4, -0.5, 0.9],
      ]);
      const loss = () =>
        tf.tidy(() => {
          const out = policy.logProbs(batch, { entropy: true });
          return tf.add(tf.sum(tf.mul(out.logProbs, weights)), tf.mul(tf.sum(out.entropy as tf.Tensor), 0.3)) as tf.Scalar;
        });
      const { grads, value } = tf.variableGrads(loss, policy.trainableVariables());
      value.dispose();
      const rng = Rng.fromSeed(9);
      let checked = 0;
      for (const v of policy.trainableVariables()) {
        const g = grads[v.name]?.dataSync() as Float32Array;
        const base = v.dataSync().slice() as Float32Array;
        for (let k = 0; k < 2; k++) {
          const i = rng.int(base.length);
          const eps = 2e-3;
          const at = (delta: number) => {
            const d = base.slice();
            d[i] = (d[i] as number) + delta;
            v.assign(tf.tensor(d, v.shape));
            const l = loss();
            const x = l.dataSync()[0] as number;
            l.dispose();
            return x;
          };
          const numeric = (at(eps) - at(-eps)) / (2 * eps);
          v.assign(tf.tensor(base, v.shape));
          expect(Math.abs(numeric - (g[i] as number))).toBeLessThan(3e-3 + 3e-2 * Math.abs(numeric));
          checked++;
        }
      }
      expect(checked).toBeGreaterThan(20);
      tf.dispose(grads);
      weights.dispose();
      policy.dispose();
    }
  });

  it('keeps tf.memory().numTensors flat over 20 training steps and 5 sampling calls', async () => {
    const policy = tinyPolicy({}, 2);
    const opt = tf.train.adam(1e-3);
    const batch = {
      promptIds: [
        [1, 5, 6],
        [1, 7],
      ],
      completionIds: [
        [8, 9, 10, 2],
        [11, 12],
      ],
    };
    const step = () => {
      const cost = opt.minimize(
        () => {
          const out = policy.logProbs(batch, { entropy: true });
          return tf.sub(tf.neg(tf.mean(out.logProbs)), tf.mul(tf.mean(out.entropy as tf.Tensor), 0.01)) as tf.Scalar;
        },
        true,
        policy.trainableVariables(),
      );
      cost?.dispose();
    };
    step();
    await policy.generate([{ prompt: 'ab' }], { temperature: 1, maxNewTokens: 3, seed: 1 });
    const before = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) step();
    expect(tf.memory().numTensors).toBe(before);
    for (let i = 0; i < 5; i++) {
      await policy.generate([{ prompt: 'abc' }, { prompt: '1', prefill: '2' }], {
        temperature: 0.8,
        topP: 0.9,
        maxNewTokens: 6,
        seed: i,
      });
    }
    expect(tf.memory().numTensors).toBe(before);
    const snap = policy.snapshot();
    expect(snap.trainableVariables()).toEqual([]);
    snap.dispose();
    expect(tf.memory().numTensors).toBe(before);
    opt.dispose();
    policy.dispose();
  });

  it('snapshot shares no variables and stays frozen while the policy trains', () => {
    const policy = tinyPolicy({}, 4);
    const snap = policy.snapshot();
    const ids = new Set(policy.trainableVariables().map((v) => v.id));
    for (const v of snap.weights.values()) expect(ids.has(v.id)).toBe(false);
    const before = Array.from((snap.weights.get('head.weight') as tf.Variable).dataSync());
    const opt = tf.train.sgd(0.5);
    opt.minimize(
      () => tf.neg(tf.sum(policy.logProbs({ promptIds: [[1]], completionIds: [[5, 6]] }).logProbs)) as tf.Scalar,
      false,
      policy.trainableVariables(),
    );
    expect(Array.from((snap.weights.get('head.weight') as tf.Variable).dataSync())).toEqual(before);
    expect(Array.from((policy.weights.get('head.weight') as tf.Variable).dataSync())).not.toEqual(before);
    opt.dispose();
    snap.dispose();
    policy.dispose();
  });

  it('learns a toy sequence task on wasm within seconds', async () => {
    const tok = new CharTokenizer('0123456789');
    const policy = createPolicy({ dModel: 32, nLayers: 1, nHeads: 2, dFF: 64, maxContext: 16 }, tok, { seed: 3 });
    const opt = tf.train.adam(0.02);
    const digits = Array.from({ length: 10 }, (_, i) => i);
    const promptIds = digits.map((d) => [tok.bosId, ...tok.encode(String(d))]);
    const completionIds = digits.map((d) => [...tok.encode([1, 2, 3].map((k) => (d + k) % 10).join('')), tok.eosId]);
    let loss = Number.POSITIVE_INFINITY;
    for (let i = 0; i < 150 && loss > 0.05; i++) {
      const cost = opt.minimize(
        () => {
          const out = policy.logProbs({ promptIds, completionIds });
          return tf.neg(tf.div(tf.sum(out.logProbs), tf.sum(out.mask))) as tf.Scalar;
        },
        true,
        policy.trainableVariables(),
      );
      loss = (cost as tf.Scalar).dataSync()[0] as number;
      cost?.dispose();
    }
    expect(loss).toBeLessThan(0.05);
    const [r] = await policy.generate([{ prompt: '7' }], { temperature: 1, greedy: true, maxNewTokens: 8 });
    expect(r?.text).toBe('890');
    expect(r?.finishReason).toBe('eos');
    opt.dispose();
    policy.dispose();
  });
});

describe('large-vocabulary embedding', () => {
  it('gather + scatter-add gradient equals the one-hot matmul gradient', () => {
    const ids = Int32Array.from([3, 0, 7, 3, 599, 3]);
    const table = tf.randomNormal([600, 8], 0, 1, 'float32', 2);
    const w = tf.randomNormal([6, 8], 0, 1, 'float32', 3);
    const viaLookup = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(embeddingLookup(ids, t as tf.Tensor2D), w)))(table);
    const viaOneHot = tf.grad((t: tf.Tensor) =>
      tf.sum(tf.mul(tf.matMul(oneHotFloat(tf.tensor1d(ids, 'int32'), 600), t as tf.Tensor2D), w)),
    )(table);
    const a = viaLookup.dataSync();
    const b = viaOneHot.dataSync();
    for (let i = 0; i < a.length; i++) expect(Math.abs((a[i] as number) - (b[i] as number))).toBeLessThan(1e-5);
    expect(Array.from(embeddingLookup(ids, table as tf.Tensor2D).dataSync())).toEqual(
      Array.from(tf.gather(table, Array.from(ids)).dataSync()),
    );
    tf.dispose([table, w, viaLookup, viaOneHot]);
  });

  it('a model above the one-hot threshold trains and samples', async () => {
    const tok = new CharTokenizer(Array.from({ length: 600 }, (_, i) => String.fromCharCode(0x4e00 + i)).join(''));
    const policy = createPolicy({ dModel: 16, nLayers: 1, nHeads: 2, maxContext: 16 }, tok, { seed: 1 });
    const opt = tf.train.adam(0.01);
    const batch = { promptIds: [[1, 10, 11]], completionIds: [[12, 13, 2]] };
    const loss = () => tf.neg(tf.sum(policy.logProbs(batch).logProbs)) as tf.Scalar;
    const first = loss().dataSync()[0] as number;
    for (let i = 0; i < 20; i++) opt.minimize(loss, false, policy.trainableVariables());
    expect(loss().dataSync()[0]).toBeLessThan(first);
    const [r] = await policy.generate([{ prompt: tok.decode([10, 11]) }], { temperature: 1, maxNewTokens: 3, seed: 1 });
    expect(r?.completionIds.length).toBeGreaterThan(0);
    opt.dispose();
    policy.dispose();
  });
});
