import * as tf from '@tensorflow/tfjs';
import { Rng } from '@trellis/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from './init-backend';
import { oneHotFloat } from './layers';
import { maxAbsDiff } from './testing/max-abs-diff';
import { BLOCK_ELEMENTS, type TokenLogProbsImpl, tokenLogProbs, tokenLogProbsReference } from './token-log-probs';

beforeAll(async () => {
  await initBackend('wasm');
});

function randomCase(seed: number, N: number, V: number, scale: number) {
  const rng = Rng.fromSeed(seed);
  const logits = Float32Array.from({ length: N * V }, () => rng.normal() * scale);
  const targets = Int32Array.from({ length: N }, () => rng.int(V));
  const gL = Float32Array.from({ length: N }, () => rng.normal());
  const gH = Float32Array.from({ length: N }, () => rng.normal());
  return { logits, targets, gL, gH };
}

type Loss = (x: tf.Tensor2D) => { lp: tf.Tensor1D; ent: tf.Tensor1D | undefined };

/** Values and `d(sum gL lp + gH H)/dlogits` of `loss` (gH ignored without entropy). */
function valuesAndGrad(loss: Loss, logits: Float32Array, N: number, V: number, gL: Float32Array, gH: Float32Array) {
  return tf.tidy(() => {
    const x = tf.tensor2d(logits, [N, V]);
    const out = loss(x);
    const [grad] = tf.grads((xi: tf.Tensor) => {
      const o = loss(xi as tf.Tensor2D);
      const l = tf.sum(tf.mul(o.lp, gL));
      return (o.ent ? tf.add(l, tf.sum(tf.mul(o.ent, gH))) : l) as tf.Scalar;
    })([x]);
    return {
      lp: out.lp.dataSync() as Float32Array,
      ent: out.ent?.dataSync() as Float32Array | undefined,
      grad: (grad as tf.Tensor).dataSync() as Float32Array,
    };
  });
}

const newLoss =
  (targets: Int32Array, T: number, withEntropy: boolean, impl: TokenLogProbsImpl): Loss =>
  (x) => {
    const o = tokenLogProbs(x, targets, T, withEntropy, impl);
    return { lp: o.logProbs, ent: o.entropy };
  };

/** The formula `sequenceLogProbs` used before: logSoftmax and a one-hot `[N, V]` mask. */
const oldLoss =
  (targets: Int32Array, T: number, withEntropy: boolean): Loss =>
  (x) => {
    const lsm = tf.logSoftmax(T === 1 ? x : tf.div(x, T));
    const lp = tf.sum(tf.mul(lsm, oneHotFloat(tf.tensor1d(targets, 'int32'), x.shape[1])), -1) as tf.Tensor1D;
    const ent = withEntropy ? (tf.neg(tf.sum(tf.mul(tf.exp(lsm), lsm), -1)) as tf.Tensor1D) : undefined;
    return { lp, ent };
  };

describe('tokenLogProbs', () => {
  const CASES = [37, 1000].flatMap((V) => [1, 1.3].flatMap((T) => [false, true].map((entropy) => ({ V, T, entropy }))));

  it.each(CASES)('V $V, T $T, entropy $entropy: matches the reference and the one-hot formula (1e-5)', ({ V, T, entropy }) => {
    const N = 9;
    const { logits, targets, gL, gH } = randomCase(V + 10 * T, N, V, 2.5);
    const ref = tokenLogProbsReference(logits, N, V, targets, T, gL, entropy ? gH : new Float32Array(N));
    const old = valuesAndGrad(oldLoss(targets, T, entropy), logits, N, V, gL, gH);
    for (const impl of ['auto', 'js', 'ops'] as const) {
      const got = valuesAndGrad(newLoss(targets, T, entropy, impl), logits, N, V, gL, gH);
      expect(maxAbsDiff(got.lp, ref.logProbs), `${impl} log-probs vs reference`).toBeLessThan(1e-5);
      expect(maxAbsDiff(got.lp, old.lp), `${impl} log-probs vs one-hot`).toBeLessThan(1e-5);
      expect(maxAbsDiff(got.grad, ref.grad), `${impl} gradient vs reference`).toBeLessThan(1e-5);
      expect(maxAbsDiff(got.grad, old.grad), `${impl} gradient vs one-hot`).toBeLessThan(1e-5);
      if (entropy) {
        expect(maxAbsDiff(got.ent as Float32Array, ref.entropy), `${impl} entropy vs reference`).toBeLessThan(1e-5);
        expect(maxAbsDiff(got.ent as Float32Array, old.ent as Float32Array), `${impl} entropy vs one-hot`).toBeLessThan(1e-5);
      } else {
        expect(got.ent).toBeUndefined();
      }
    }
  });

  it('row blocks (N 9, V 151,936: two blocks) match the reference', () => {
    const N = 9;
    const V = 151_936;
    expect(N * V).toBeGreaterThan(BLOCK_ELEMENTS);
    const { logits, targets, gL, gH } = randomCase(23, N, V, 3);
    const ref = tokenLogProbsReference(logits, N, V, targets, 1.3, gL, gH);
    const old = valuesAndGrad(oldLoss(targets, 1.3, true), logits, N, V, gL, gH);
    const err = (got: ReturnType<typeof valuesAndGrad>) => ({
      lp: maxAbsDiff(got.lp, ref.logProbs),
      ent: maxAbsDiff(got.ent as Float32Array, ref.entropy),
      grad: maxAbsDiff(got.grad, ref.grad),
    });
    const oldErr = err(old);
    // js: row sums in float64, 1e-5. ops and the one-hot formula reduce 151,936 terms in float32
    // (wasm's sum is a plain loop): ops must be no worse than the one-hot formula.
    const jsErr = err(valuesAndGrad(newLoss(targets, 1.3, true, 'js'), logits, N, V, gL, gH));
    const opsErr = err(valuesAndGrad(newLoss(targets, 1.3, true, 'ops'), logits, N, V, gL, gH));
    console.log('max |error| vs float64 at V 151,936:', { oneHot: oldErr, js: jsErr, ops: opsErr });
    for (const k of ['lp', 'ent', 'grad'] as const) {
      expect(jsErr[k], `js ${k}`).toBeLessThan(1e-5);
      expect(opsErr[k], `ops ${k}`).toBeLessThanOrEqual(Math.max(oldErr[k], 1e-5));
    }
  });

  it('the reference gradient matches central finite differences of the reference values', () => {
    const N = 3;
    const V = 7;
    const T = 1.3;
    const { logits, targets, gL, gH } = randomCase(5, N, V, 1.5);
    const objective = (x: Float32Array) => {
      const r = tokenLogProbsReference(x, N, V, targets, T);
      let s = 0;
      for (let n = 0; n < N; n++)
        s += (gL[n] as number) * (r.logProbs[n] as number) + (gH[n] as number) * (r.entropy[n] as number);
      return s;
    };
    const { grad } = tokenLogProbsReference(logits, N, V, targets, T, gL, gH);
    for (let i = 0; i < N * V; i++) {
      const eps = 1e-2;
      const up = logits.slice();
      const down = logits.slice();
      up[i] = (up[i] as number) + eps;
      down[i] = (down[i] as number) - eps;
      const numeric = (objective(up) - objective(down)) / (2 * eps);
      expect(Math.abs(numeric - (grad[i] as number))).toBeLessThan(1e-3);
    }
  });

  it('stays finite and accurate with extreme logits (+-1e4)', () => {
    const N = 6;
    const V = 50;
    const rng = Rng.fromSeed(3);
    const logits = Float32Array.from({ length: N * V }, () => [1e4, -1e4, 0, 9999.5][rng.int(4)] as number);
    logits[0] = -1e4; // row 0 targets a -1e4 logit: log-prob about -2e4, still finite
    const targets = Int32Array.from({ length: N }, (_, n) => (n === 0 ? 0 : rng.int(V)));
    const gL = new Float32Array(N).fill(1);
    const gH = new Float32Array(N).fill(0.5);
    for (const T of [1, 1.3]) {
      const ref = tokenLogProbsReference(logits, N, V, targets, T, gL, gH);
      for (const impl of ['js', 'ops'] as const) {
        const got = valuesAndGrad(newLoss(targets, T, true, impl), logits, N, V, gL, gH);
        for (const a of [got.lp, got.ent as Float32Array, got.grad]) expect(a.every(Number.isFinite), impl).toBe(true);
        for (let n = 0; n < N; n++) {
          const want = ref.logProbs[n] as number;
          expect(Math.abs((got.lp[n] as number) - want), `${impl} T ${T} row ${n}`).toBeLessThan(1e-6 * Math.abs(want) + 1e-4);
        }
        expect(maxAbsDiff(got.ent as Float32Array, ref.entropy)).toBeLessThan(1e-4);
        expect(maxAbsDiff(got.grad, ref.grad)).toBeLessThan(1e-5);
      }
    }
  });

  it('rejects bad targets and temperatures', () => {
    tf.tidy(() => {
      const x = tf.zeros([2, 4]) as tf.Tensor2D;
      expect(() => tokenLogProbs(x, Int32Array.of(0), 1, false)).toThrow(/1 targets for 2 rows/);
      expect(() => tokenLogProbs(x, Int32Array.of(0, 4), 1, false)).toThrow(/outside \[0, 4\)/);
      expect(() => tokenLogProbs(x, Int32Array.of(0, 1), 0, false)).toThrow(/temperature/);
    });
  });

  it('leaks no tensors over 20 forward+backward calls in tidy', () => {
    const N = 5;
    const V = 40;
    const { logits, targets, gL, gH } = randomCase(11, N, V, 2);
    const x = tf.tensor2d(logits, [N, V]);
    const counts: number[] = [];
    for (let k = 0; k < 20; k++) {
      const entropy = k % 2 === 0;
      const impl = k % 4 < 2 ? 'js' : 'ops';
      tf.tidy(() => {
        tokenLogProbs(x, targets, 1.3, entropy, impl);
        tf.grads((xi: tf.Tensor) => {
          const o = tokenLogProbs(xi as tf.Tensor2D, targets, 1.3, entropy, impl);
          const l = tf.sum(tf.mul(o.logProbs, gL));
          return (o.entropy ? tf.add(l, tf.sum(tf.mul(o.entropy, gH))) : l) as tf.Scalar;
        })([x]);
      });
      counts.push(tf.memory().numTensors);
    }
    x.dispose();
    expect(new Set(counts).size).toBe(1);
  });

  it('needs no [N, V] tensor beyond the logits and their gradient (N 64, V 151,936)', async () => {
    const N = 64;
    const V = 151_936;
    const rowBytes = N * V * 4;
    const { logits, targets } = randomCase(17, N, V, 3);
    const x = tf.tensor2d(logits, [N, V]);
    // tf.profile samples tf.memory().numBytes after each kernel; a tensor uploaded from JS and
    // released before the next kernel escapes it, so the engine's trackTensor is also wrapped to
    // sample after every tensor creation (an exact peak of the bytes tfjs tracks).
    const engine = tf.engine() as unknown as { trackTensor: (...a: unknown[]) => void; state: { numBytes: number } };
    const peak = async (loss: (xi: tf.Tensor2D) => tf.Scalar) => {
      const before = tf.memory().numTensors;
      const started = performance.now();
      const track = engine.trackTensor;
      let exact = 0;
      engine.trackTensor = function (this: unknown, ...a: unknown[]) {
        track.apply(this, a);
        exact = Math.max(exact, engine.state.numBytes);
      };
      try {
        const info = await tf.profile(() => {
          const g = tf.grad((xi: tf.Tensor) => loss(xi as tf.Tensor2D))(x);
          g.dataSync();
          g.dispose();
        });
        expect(tf.memory().numTensors).toBe(before);
        return { peak: info.peakBytes, exact, ms: Math.round(performance.now() - started) };
      } finally {
        engine.trackTensor = track;
      }
    };
    const sum = (t: tf.Tensor) => tf.sum(t) as tf.Scalar;
    const results = {
      oldOneHot: await peak((xi) => sum(oldLoss(targets, 1, false)(xi).lp)),
      newJs: await peak((xi) => sum(tokenLogProbs(xi, targets, 1, false).logProbs)),
      newJsEntropy: await peak((xi) => {
        const o = tokenLogProbs(xi, targets, 1.3, true);
        return tf.add(tf.sum(o.logProbs), tf.sum(o.entropy as tf.Tensor)) as tf.Scalar;
      }),
      newOps: await peak((xi) => sum(tokenLogProbs(xi, targets, 1, false, 'ops').logProbs)),
    };
    x.dispose();
    for (const [name, r] of Object.entries(results)) {
      const x4 = (b: number) => (b / rowBytes).toFixed(2);
      console.log(`${name}: peakBytes ${r.peak} (${x4(r.peak)} x N x V x 4), exact ${r.exact} (${x4(r.exact)}), ${r.ms} ms`);
    }
    for (const r of [results.newJs, results.newJsEntropy]) {
      expect(r.peak).toBeLessThanOrEqual(3 * rowBytes);
      expect(r.exact).toBeLessThanOrEqual(3 * rowBytes);
    }
    expect(results.newJs.peak).toBeLessThan(results.oldOneHot.peak);
    expect(results.newJs.exact).toBeLessThan(results.oldOneHot.exact);
  }, 60_000);
});
