import * as tf from '@tensorflow/tfjs';
import { Container } from 'inversify';
import { beforeAll, describe, expect, it } from 'vitest';
import { experimentSchema } from '../config/experiment-config';
import { Tokens } from '../tokens';
import { ClipObjective, clipObjectiveOptions } from './clip-objective';
import type { ObjectiveInput } from './policy-objective';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Two rows: A = +1 then A = -1, each with 3 tokens, the last one masked. */
function inputAt(logProbs: tf.Tensor2D, extra: Partial<ObjectiveInput> = {}): ObjectiveInput {
  const old = tf.tensor2d([
    [-1, -1.5, -2],
    [-0.5, -1, -3],
  ]);
  return {
    logProbs,
    oldLogProbs: old,
    refLogProbs: old,
    advantages: tf.tensor2d([
      [1, 1, 1],
      [-1, -1, -1],
    ]),
    mask: tf.tensor2d([
      [1, 1, 0],
      [1, 1, 0],
    ]),
    ...extra,
  };
}
const oldValues = [
  [-1, -1.5, -2],
  [-0.5, -1, -3],
];

describe('ClipObjective', () => {
  it('fills defaults and validates options', () => {
    const o = clipObjectiveOptions.parse({});
    expect(o).toMatchObject({
      ratio: 'token',
      epsLow: 0.2,
      epsHigh: 0.2,
      dualClip: 0,
      aggregation: 'seq-mean-token-mean',
      entropyCoef: 0,
    });
    expect(o.kl).toEqual({ estimator: 'k3', coef: 0.001, placement: 'loss' });
    expect(clipObjectiveOptions.parse({ kl: { coef: 0.01 } }).kl.estimator).toBe('k3');
    expect(clipObjectiveOptions.safeParse({ dualClip: 0.5 }).success).toBe(false);
    expect(clipObjectiveOptions.safeParse({ epsLow: 1 }).success).toBe(false);
    expect(clipObjectiveOptions.safeParse({ aggregation: 'mean' }).success).toBe(false);
    expect(clipObjectiveOptions.safeParse({ eps: 0.2 }).success).toBe(false);
  });

  it('requires refLogProbs exactly when a KL term is in the loss', () => {
    expect(new ClipObjective({}).requires).toEqual(['refLogProbs']);
    expect(new ClipObjective({ kl: { estimator: 'k1' } }).requires).toEqual(['refLogProbs']);
    expect(new ClipObjective({ kl: { estimator: 'none' } }).requires).toEqual([]);
    expect(new ClipObjective({ kl: { placement: 'reward' } }).requires).toEqual([]);
    expect(new ClipObjective({ kl: { coef: 0 } }).requires).toEqual([]);
  });

  it('takes T_max from trainer.sampling.maxNewTokens unless maxLength is set', () => {
    const config = experimentSchema.parse({ trainer: { sampling: { maxNewTokens: 96 } } });
    expect(new ClipObjective({}, config).lossOptions.maxLength).toBe(96);
    expect(new ClipObjective({ maxLength: 32 }, config).lossOptions.maxLength).toBe(32);
    expect(new ClipObjective({}).lossOptions.maxLength).toBeUndefined();
  });

  it('is constructible through inversify with and without the config bound', async () => {
    const root = new Container();
    root.bind(Tokens.ChoiceOptions).toConstantValue(clipObjectiveOptions.parse({ aggregation: 'token-mean' }));
    root.bind(ClipObjective).toSelf();
    const obj = await root.getAsync(ClipObjective);
    expect(obj.lossOptions.aggregation).toBe('token-mean');
    expect(obj.lossOptions.maxLength).toBeUndefined();
    root.bind(Tokens.Config).toConstantValue(experimentSchema.parse({}));
    root.unbind(ClipObjective);
    root.bind(ClipObjective).toSelf();
    expect((await root.getAsync(ClipObjective)).lossOptions.maxLength).toBe(64);
  });

  for (const options of [
    { name: 'token ratio, GRPO defaults', o: {} },
    { name: 'sequence ratio, GSPO', o: { ratio: 'sequence', epsLow: 3e-4, epsHigh: 4e-4, kl: { estimator: 'none' } } },
    { name: 'token-mean, dual clip, k2', o: { aggregation: 'token-mean', dualClip: 3, kl: { estimator: 'k2', coef: 0.5 } } },
    { name: 'seq-mean-token-sum-norm', o: { aggregation: 'seq-mean-token-sum-norm', maxLength: 8 } },
  ] as const) {
    it(`gradient signs: raising log pi of A > 0 lowers the loss, of A < 0 raises it (${options.name})`, () => {
      const obj = new ClipObjective(options.o);
      const grads = tf.tidy(() => {
        const f = (lp: tf.Tensor) => obj.compute(inputAt(lp as tf.Tensor2D)).loss;
        return tf.grad(f)(tf.tensor2d(oldValues)).arraySync() as number[][];
      });
      for (const t of [0, 1]) {
        expect(grads[0]?.[t]).toBeLessThan(0);
        expect(grads[1]?.[t]).toBeGreaterThan(0);
      }
      expect(grads[0]?.[2]).toBe(0);
      expect(grads[1]?.[2]).toBe(0);

      const lossAt = (delta: number[][]) =>
        tf.tidy(
          () => obj.compute(inputAt(tf.tensor2d(oldValues).add(tf.tensor2d(delta)) as tf.Tensor2D)).loss.dataSync()[0] as number,
        );
      const l0 = lossAt([
        [0, 0, 0],
        [0, 0, 0],
      ]);
      const d = 1e-4;
      expect(
        lossAt([
          [d, 0, 0],
          [0, 0, 0],
        ]),
      ).toBeLessThan(l0);
      expect(
        lossAt([
          [0, 0, 0],
          [d, 0, 0],
        ]),
      ).toBeGreaterThan(l0);
    });
  }

  it('gives zero gradient to a clipped token (A > 0, ratio above 1 + epsHigh)', () => {
    const obj = new ClipObjective({ kl: { estimator: 'none' }, aggregation: 'token-mean' });
    const g = tf.tidy(() => {
      const lp = tf.tensor2d(oldValues).add(
        tf.tensor2d([
          [0.5, 0, 0],
          [0, 0, 0],
        ]),
      );
      return tf
        .grad((x: tf.Tensor) => obj.compute(inputAt(x as tf.Tensor2D)).loss)(lp)
        .arraySync() as number[][];
    });
    expect(g[0]?.[0]).toBe(0);
    expect(g[0]?.[1]).toBeLessThan(0);
  });

  it('keeps tf.memory().numTensors flat across repeated calls inside tf.tidy', () => {
    const obj = new ClipObjective({ dualClip: 3, entropyCoef: 0.01 });
    const input = inputAt(tf.tensor2d(oldValues).add(0.1) as tf.Tensor2D, { entropy: tf.ones([2, 3]) as tf.Tensor2D });
    const step = () => {
      const out = tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => obj.compute({ ...input, logProbs: lp }).loss, [lp]);
        return { value, g: grads[lp.name] as tf.Tensor };
      });
      out.value.dispose();
      out.g.dispose();
      const metrics = tf.tidy(() => {
        const out = obj.compute(input);
        return { loss: out.loss, ...out.metrics };
      });
      const values = Object.values(metrics).map((m) => m.dataSync()[0]);
      tf.dispose(Object.values(metrics));
      return values;
    };
    const lp = tf.variable(input.logProbs);
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) step();
    expect(tf.memory().numTensors).toBe(before);
    lp.dispose();
  });
});
