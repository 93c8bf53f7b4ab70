import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from './init-backend';
import { packRows } from './packed-log-probs';
import { type LogProbModel, sequenceLogProbs } from './sequence-log-probs';
import { maxAbsDiff } from './testing/max-abs-diff';
import { tinyPolicy } from './testing/tiny-policy';

beforeAll(async () => {
  await initBackend('wasm');
});

// Prompts and completions of different lengths (one empty completion): the padded path pads them
// all to 7 + 6 - 1 columns, the packed one computes only their own tokens.
const batch = {
  promptIds: [[1, 5, 6], [1, 7, 8, 9, 10, 11, 12], [1], [1, 13, 14, 15]],
  completionIds: [[20, 21, 22, 23, 24, 25], [3], [16, 17, 18], []],
  temperature: 1.3,
};

describe('packRows', () => {
  it('lays rows end to end, heads on the tokens that predict each completion token', () => {
    const p = packRows(batch, 6);
    expect(p.lengths).toEqual([8, 7, 3, 0]);
    expect([...p.ids.subarray(0, 8)]).toEqual([1, 5, 6, 20, 21, 22, 23, 24]);
    expect([...p.ids.subarray(8, 15)]).toEqual([1, 7, 8, 9, 10, 11, 12]);
    expect([...p.head]).toEqual([2, 3, 4, 5, 6, 7, 14, 15, 16, 17]);
    expect([...p.targets]).toEqual([20, 21, 22, 23, 24, 25, 3, 16, 17, 18]);
    // [B, width] slots: M (10) where there is no token
    expect([...p.slots.subarray(6, 12)]).toEqual([6, 10, 10, 10, 10, 10]);
    expect([...p.slots.subarray(18, 24)]).toEqual([10, 10, 10, 10, 10, 10]);
  });
});

describe('TfjsPolicy.packsRows', () => {
  it('is true on the kernel attention (wasm), false on tfjs attention', () => {
    const kernel = tinyPolicy({}, 1);
    const tfjs = tinyPolicy({}, 1, { attentionKernel: 'tfjs' });
    expect(kernel.packsRows).toBe(true);
    expect(tfjs.packsRows).toBe(false);
    kernel.dispose();
    tfjs.dispose();
  });
});

describe.each([
  { name: 'learned positions', cfg: {} },
  { name: 'rotary positions, tied head', cfg: { positional: 'rotary', tiedHead: true } },
] as const)('packed scoring ($name)', ({ cfg }) => {
  it('equals the left-padded forward: log-probs, entropies and weight gradients; numTensors flat', () => {
    const policy = tinyPolicy(cfg, 4);
    const model = policy.model as unknown as LogProbModel;
    expect(model.packs?.()).toBe(true);
    const padded: LogProbModel = { forward: (i) => model.forward(i), config: model.config };
    const vars = policy.trainableVariables();
    const run = (m: LogProbModel) => {
      const w = tf.randomNormal([4, 8], 0, 1, 'float32', 5);
      const { value, grads } = tf.variableGrads(() => {
        const out = sequenceLogProbs(m, policy.tokenizer.padId, batch, { entropy: true, width: 8 });
        return tf.add(tf.sum(tf.mul(out.logProbs, w)), tf.sum(out.entropy as tf.Tensor)) as tf.Scalar;
      }, vars);
      const out = tf.tidy(() => {
        const o = sequenceLogProbs(m, policy.tokenizer.padId, batch, { entropy: true, width: 8 });
        return [o.logProbs.dataSync(), (o.entropy as tf.Tensor).dataSync(), o.mask.dataSync()] as const;
      });
      const g = vars.map((v) => (grads[v.name] as tf.Tensor).dataSync());
      tf.dispose([w, value, ...Object.values(grads)]);
      return { out, g };
    };
    const a = run(model);
    const before = tf.memory().numTensors;
    const again = run(model);
    expect(tf.memory().numTensors).toBe(before);
    const b = run(padded);
    for (let k = 0; k < 3; k++) expect(maxAbsDiff(a.out[k] as Float32Array, b.out[k] as Float32Array)).toBeLessThan(2e-5);
    a.g.forEach((g, i) => expect(maxAbsDiff(g, b.g[i] as Float32Array)).toBeLessThan(2e-5));
    expect(maxAbsDiff(again.out[0] as Float32Array, a.out[0] as Float32Array)).toBe(0);
    // the empty completion and the columns past each completion are exactly 0
    expect([...(a.out[0] as Float32Array).subarray(24, 32)]).toEqual(new Array(8).fill(0));
    expect((a.out[0] as Float32Array)[6]).toBe(0);
    policy.dispose();
  });
});
