import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../rng/rng';
import { AGGREGATION_MODES, type AggregationMode } from './aggregation';
import { type PolicyLossOptions, policyLoss } from './policy-loss';
import { type PlainObjectiveInput, policyLossReference } from './policy-loss-reference';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function expectClose(got: number, want: number, what: string, rel = 2e-5): void {
  expect(Math.abs(got - want), `${what}: got ${got}, want ${want}`).toBeLessThanOrEqual(rel * Math.max(1, Math.abs(want)));
}

function toTensors(p: PlainObjectiveInput) {
  const t = (m: readonly (readonly number[])[]) => tf.tensor2d(m.map((r) => [...r]));
  return {
    logProbs: t(p.logProbs),
    oldLogProbs: t(p.oldLogProbs),
    advantages: t(p.advantages),
    mask: t(p.mask),
    ...(p.refLogProbs ? { refLogProbs: t(p.refLogProbs) } : {}),
    ...(p.entropy ? { entropy: t(p.entropy) } : {}),
  };
}

function runTensor(p: PlainObjectiveInput, options: PolicyLossOptions): { loss: number; metrics: Record<string, number> } {
  return tf.tidy(() => {
    const out = policyLoss(toTensors(p), options);
    const metrics = Object.fromEntries(Object.entries(out.metrics).map(([k, v]) => [k, v.dataSync()[0] as number]));
    return { loss: out.loss.dataSync()[0] as number, metrics };
  });
}

const base: PolicyLossOptions = {
  ratio: 'token',
  epsLow: 0.2,
  epsHigh: 0.2,
  dualClip: 0,
  aggregation: 'token-mean',
  entropyCoef: 0,
};

// Row 0: A = +1, ratios 1.5 (clipped high) and 0.9; the third token is masked (with -Infinity).
// Row 1: A = -1, ratios 0.5 (clipped low), 1.1 and 4 (dual-clipped when c = 3).
const hand: PlainObjectiveInput = {
  logProbs: [
    [Math.log(1.5), Math.log(0.9), Number.NEGATIVE_INFINITY],
    [Math.log(0.5), Math.log(1.1), Math.log(4)],
  ],
  oldLogProbs: [
    [0, 0, 0],
    [0, 0, 0],
  ],
  advantages: [
    [1, 1, 1e9],
    [-1, -1, -1],
  ],
  mask: [
    [1, 1, 0],
    [1, 1, 1],
  ],
};

describe('policyLoss on hand-computed vectors', () => {
  it('token ratio: each aggregation mode, clip on both sides', () => {
    const want: Record<AggregationMode, number> = {
      'token-mean': 3.8 / 5,
      'seq-mean-token-mean': (-2.1 / 2 + 5.9 / 3) / 2,
      'seq-mean-token-sum': (-2.1 + 5.9) / 2,
      'seq-mean-token-sum-norm': 3.8 / (2 * 4),
    };
    for (const mode of AGGREGATION_MODES) {
      const opts = { ...base, aggregation: mode, maxLength: 4 };
      const got = runTensor(hand, opts);
      expectClose(got.loss, want[mode], mode);
      expectClose(got.metrics.pg_loss ?? Number.NaN, want[mode], mode);
      expectClose(policyLossReference(hand, opts).loss, want[mode], `reference ${mode}`);
    }
    const m = runTensor(hand, base).metrics;
    expectClose(m.clip_frac ?? -1, 0.4, 'clip_frac');
    expectClose(m.clip_frac_low ?? -1, 0.2, 'clip_frac_low');
    expectClose(m.clip_frac_high ?? -1, 0.2, 'clip_frac_high');
    expectClose(m.ratio_mean ?? -1, 8 / 5, 'ratio_mean');
    expectClose(m.ratio_min ?? -1, 0.5, 'ratio_min');
    expectClose(m.ratio_max ?? -1, 4, 'ratio_max');
    const y = [Math.log(1.5), Math.log(0.9), Math.log(0.5), Math.log(1.1), Math.log(4)];
    expectClose(m.approx_kl ?? -1, y.reduce((a, v) => a + Math.exp(v) - v - 1, 0) / 5, 'approx_kl');
  });

  it('dual clip bounds the loss of the negative-advantage token at -c * A', () => {
    const got = runTensor(hand, { ...base, dualClip: 3 });
    expectClose(got.loss, (-1.2 - 0.9 + 0.8 + 1.1 + 3) / 5, 'token-mean with dual clip');
    expectClose(got.metrics.dual_clip_frac ?? -1, 0.2, 'dual_clip_frac');
    expect(runTensor(hand, base).metrics.dual_clip_frac).toBeUndefined();
  });

  it('sequence ratio (GSPO): s_i = exp(mean_t log rho_it) clipped per sequence', () => {
    const s0 = Math.sqrt(1.5 * 0.9);
    const s1 = (0.5 * 1.1 * 4) ** (1 / 3);
    const wide = runTensor(hand, { ...base, ratio: 'sequence', aggregation: 'seq-mean-token-mean' });
    expectClose(wide.loss, (-s0 + s1) / 2, 'seq ratio, unclipped');
    expectClose(wide.metrics.clip_frac ?? -1, 0, 'no clipping');
    const gspo = runTensor(hand, { ...base, ratio: 'sequence', epsLow: 3e-4, epsHigh: 4e-4, aggregation: 'seq-mean-token-mean' });
    expectClose(gspo.loss, (-(1 + 4e-4) + s1) / 2, 'seq ratio, row 0 clipped high');
    expectClose(gspo.metrics.clip_frac_high ?? -1, 2 / 5, 'row 0 tokens clipped');
    expectClose(gspo.metrics.ratio_min ?? -1, s0, 'ratio_min');
  });

  it('adds beta * agg(KL) and subtracts entropyCoef * agg(H), reporting kl and entropy', () => {
    const withRef: PlainObjectiveInput = {
      ...hand,
      refLogProbs: [
        [0, 0, 0],
        [0, 0, 0],
      ],
      entropy: [
        [1, 2, 50],
        [0.5, 0.5, 0.5],
      ],
    };
    const opts: PolicyLossOptions = { ...base, kl: { estimator: 'k1', coef: 0.5 }, entropyCoef: 0.1 };
    const got = runTensor(withRef, opts);
    const klK1 = (Math.log(1.5) + Math.log(0.9) + Math.log(0.5) + Math.log(1.1) + Math.log(4)) / 5;
    const ent = 4.5 / 5;
    expectClose(got.metrics.kl ?? Number.NaN, klK1, 'kl');
    expectClose(got.metrics.entropy ?? Number.NaN, ent, 'entropy');
    expectClose(got.loss, 3.8 / 5 + 0.5 * klK1 - 0.1 * ent, 'loss');
    const monitorOnly = runTensor(withRef, base);
    expectClose(monitorOnly.loss, 3.8 / 5, 'no KL in loss');
    expect(monitorOnly.metrics.kl).toBeGreaterThan(0);
  });

  it('refuses a KL term without reference log-probs, and an entropy bonus without entropy', () => {
    expect(() => runTensor(hand, { ...base, kl: { estimator: 'k3', coef: 0.1 } })).toThrow(/refLogProbs/);
    expect(() => runTensor(hand, { ...base, entropyCoef: 0.01 })).toThrow(/entropy/);
  });
});

function randomInput(rng: Rng, b: number, t: number): PlainObjectiveInput {
  const m = () => Array.from({ length: b }, () => Array.from({ length: t }, () => -0.2 - rng.next() * 3));
  const logProbs = m();
  const oldLogProbs = logProbs.map((row) => row.map((v) => v + (rng.next() - 0.5) * 2.8));
  const mask = Array.from({ length: b }, (_, i) =>
    Array.from({ length: t }, () => (i === b - 1 ? 0 : rng.next() < 0.75 ? 1 : 0)),
  );
  const perSeq = Array.from({ length: b }, () => rng.normal());
  const advantages = perSeq.map((a, i) => Array.from({ length: t }, () => (i % 2 ? a : a + rng.normal() * 0.3)));
  const entropy = m().map((row) => row.map((v) => -v));
  return { logProbs, oldLogProbs, refLogProbs: m(), advantages, mask, entropy };
}

describe('policyLoss agrees with the plain-array reference on random inputs', () => {
  const kls = [
    undefined,
    { estimator: 'k1' as const, coef: 0.05 },
    { estimator: 'k2' as const, coef: 0.1 },
    { estimator: 'k3' as const, coef: 0.2 },
  ];
  const klClamped = { estimator: 'k3' as const, coef: 0.2, clamp: 0.3 };
  it('every mode x ratio kind x dual clip x KL estimator', () => {
    const rng = Rng.fromSeed(42);
    let cases = 0;
    const seen = { clipLow: 0, clipHigh: 0, dual: 0 };
    for (const aggregation of AGGREGATION_MODES) {
      for (const ratio of ['token', 'sequence'] as const) {
        for (const dualClip of [0, 3]) {
          for (const kl of [...kls, klClamped]) {
            const input = randomInput(rng, 2 + rng.int(4), 1 + rng.int(7));
            const options: PolicyLossOptions = {
              ratio,
              epsLow: 0.1 + rng.next() * 0.2,
              epsHigh: 0.1 + rng.next() * 0.3,
              dualClip,
              aggregation,
              maxLength: 12,
              entropyCoef: 0.01,
              ...(kl ? { kl } : {}),
            };
            const want = policyLossReference(input, options);
            const got = runTensor(input, options);
            const tag = `${aggregation}/${ratio}/dual ${dualClip}/kl ${kl?.estimator ?? 'none'}`;
            expectClose(got.loss, want.loss, `${tag} loss`);
            expect(Object.keys(got.metrics).sort()).toEqual(Object.keys(want.metrics).sort());
            for (const [k, v] of Object.entries(want.metrics)) expectClose(got.metrics[k] ?? Number.NaN, v, `${tag} ${k}`);
            cases++;
            if ((want.metrics.clip_frac_low ?? 0) > 0) seen.clipLow++;
            if ((want.metrics.clip_frac_high ?? 0) > 0) seen.clipHigh++;
            if ((want.metrics.dual_clip_frac ?? 0) > 0) seen.dual++;
          }
        }
      }
    }
    expect(cases).toBe(AGGREGATION_MODES.length * 2 * 2 * 5);
    expect(seen.clipLow).toBeGreaterThan(5);
    expect(seen.clipHigh).toBeGreaterThan(5);
    expect(seen.dual).toBeGreaterThan(2);
  });

  it('masked tokens contribute nothing, whatever their values', () => {
    const rng = Rng.fromSeed(7);
    const input = randomInput(rng, 4, 6);
    const scramble = (m: readonly (readonly number[])[]) =>
      m.map((row, i) => row.map((v, t) => (input.mask[i]?.[t] ? v : (rng.next() - 0.5) * 1e6)));
    const noisy: PlainObjectiveInput = {
      ...input,
      logProbs: scramble(input.logProbs),
      oldLogProbs: scramble(input.oldLogProbs),
      advantages: scramble(input.advantages),
      refLogProbs: scramble(input.refLogProbs ?? []),
      entropy: scramble(input.entropy ?? []),
    };
    for (const aggregation of AGGREGATION_MODES) {
      for (const ratio of ['token', 'sequence'] as const) {
        const options: PolicyLossOptions = {
          ...base,
          ratio,
          aggregation,
          dualClip: 3,
          kl: { estimator: 'k3', coef: 0.1 },
          entropyCoef: 0.01,
        };
        const a = runTensor(input, options);
        const b = runTensor(noisy, options);
        expectClose(b.loss, a.loss, `${aggregation}/${ratio}`);
        for (const [k, v] of Object.entries(a.metrics))
          expectClose(b.metrics[k] ?? Number.NaN, v, `${aggregation}/${ratio} ${k}`);
      }
    }
  });

  it('an all-masked batch gives a zero loss and neutral metrics', () => {
    const input = randomInput(Rng.fromSeed(8), 2, 3);
    const empty = { ...input, mask: input.mask.map((r) => r.map(() => 0)) };
    const got = runTensor(empty, { ...base, kl: { estimator: 'k3', coef: 0.1 } });
    expect(got.loss).toBe(0);
    expect(got.metrics.ratio_min).toBe(1);
    expect(got.metrics.ratio_max).toBe(1);
    expect(got.metrics.clip_frac).toBe(0);
  });
});
