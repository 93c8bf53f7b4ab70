import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LossTerm, LossTermInput } from '../objective/loss-term';
import type { RolloutPair } from '../records/rollout';
import { Rng } from '../rng/rng';
import { makeRollout } from './fixtures';
import { type ConformanceSubject, itIsBuiltFromItsManifest, subjectFactory } from './plugin-under-test';

/** What {@link describeLossTermConformance} tests. A TensorFlow.js backend must be registered by the caller. */
export type LossTermConformanceOptions = ConformanceSubject<LossTerm> & {
  /** True for a pairwise term: no pairs means zero loss and zero gradient. Default false. */
  readonly pairwise?: boolean;
  /** `kind` of the pairs the suite feeds (default `pair`). */
  readonly pairKind?: string;
};

/** Plain rows of one minibatch for {@link lossTermValues}: `[B][T]` values and pairs of row indices. */
export interface LossTermRows {
  readonly logProbs: readonly (readonly number[])[];
  readonly refLogProbs: readonly (readonly number[])[];
  readonly mask: readonly (readonly number[])[];
  /** `[chosen, rejected]` row indices. */
  readonly pairs: readonly (readonly [number, number])[];
}
type Rows = LossTermRows;

/**
 * Make sure TensorFlow.js has a backend: keep a registered one, else load `@tensorflow/tfjs` (the
 * test's own copy) and use its CPU backend; throws a clear error when neither is available.
 */
export async function ensureTfBackend(): Promise<void> {
  try {
    await tf.ready();
    if (tf.getBackend()) return;
  } catch {
    // no backend registered yet
  }
  const name = '@tensorflow/tfjs';
  try {
    await import(/* @vite-ignore */ name);
  } catch {
    throw new Error('no TensorFlow.js backend is registered: import "@tensorflow/tfjs" (or another backend) in the test first');
  }
  await tf.setBackend('cpu');
}

function randomRows(seed: number): Rows {
  const B = 6;
  const T = 5;
  const rng = Rng.fromSeed(seed);
  const grid = (f: () => number) => Array.from({ length: B }, () => Array.from({ length: T }, f));
  const mask = grid(() => (rng.next() < 0.75 ? 1 : 0));
  mask.forEach((row) => {
    row[0] = 1;
  });
  return {
    logProbs: grid(() => -0.05 - 3 * rng.next()),
    refLogProbs: grid(() => -0.05 - 3 * rng.next()),
    mask,
    pairs: [
      [0, 1],
      [2, 3],
      [5, 4],
    ],
  };
}

/** What {@link lossTermValues} returns: plain numbers. */
export interface LossTermValues {
  readonly loss: number;
  /** `d loss / d logProbs`, `[B][T]`. */
  readonly gradient: number[][];
  readonly metrics: Record<string, number>;
}

/**
 * Run a loss term on plain rows inside a tidy (pairs of kind `kind`) and return its loss, metrics
 * and gradient w.r.t. the log-probs as plain values, to check a term against hand-computed numbers.
 */
export function lossTermValues(term: LossTerm, rows: LossTermRows, kind: string, withPairs = true): LossTermValues {
  return evaluate(term, rows, kind, withPairs);
}

function evaluate(term: LossTerm, rows: Rows, kind: string, withPairs = true): LossTermValues {
  return tf.tidy(() => {
    const B = rows.mask.length;
    const T = rows.mask[0]?.length ?? 0;
    const mask = tf.tensor2d(rows.mask as number[][], [B, T]);
    const refLogProbs = term.requires.includes('refLogProbs') ? tf.tensor2d(rows.refLogProbs as number[][], [B, T]) : undefined;
    const rollouts = rows.mask.map((m, i) => makeRollout('x'.repeat(T), { id: `r${i}`, lossMask: [...m] }));
    const pairs = (withPairs ? rows.pairs : []).map(([c, r]) => ({
      chosen: c,
      rejected: r,
      pair: { chosen: `r${c}`, rejected: `r${r}`, kind } as RolloutPair,
    }));
    const metrics: Record<string, number> = {};
    const f = (logProbs: tf.Tensor2D) => {
      const input: LossTermInput = {
        rollouts,
        logProbs,
        mask,
        ...(refLogProbs ? { refLogProbs } : {}),
        pairs,
        rows: tf.range(0, B, 1, 'int32') as tf.Tensor1D,
      };
      const out = term.compute(input);
      for (const [k, v] of Object.entries(out.metrics)) {
        expect(v.rank, `metric ${k} is a scalar`).toBe(0);
        metrics[k] = v.dataSync()[0] as number;
      }
      expect(out.loss.rank, 'loss is a scalar').toBe(0);
      // Keep the graph connected for a term that returns a constant (no pairs, say).
      return tf.add(out.loss, tf.mul(tf.sum(logProbs), 0)) as tf.Scalar;
    };
    const { value, grad } = tf.valueAndGrad(f)(tf.tensor2d(rows.logProbs as number[][], [B, T]));
    return { loss: value.dataSync()[0] as number, gradient: grad.arraySync() as number[][], metrics };
  });
}

/**
 * Contract every LossTerm must meet, tested on the term as a run builds it (from the plugin's
 * manifest, through the container): known requirements, a finite scalar loss, scalar finite
 * metrics and a finite gradient, no leaked tensors, determinism, masked tokens with no influence
 * (neither on the value nor through the gradient), invariance to the order of the minibatch's rows
 * (pairs renumbered with them), and, for pairwise terms, zero loss and gradient without pairs.
 */
export function describeLossTermConformance(name: string, options: LossTermConformanceOptions): void {
  const create = subjectFactory(options, 'loss');
  const kind = options.pairKind ?? 'pair';
  describe(`LossTerm conformance: ${name}`, () => {
    beforeAll(ensureTfBackend);
    itIsBuiltFromItsManifest(options, 'loss', create);

    it('declares known requirements and returns a finite scalar loss, metrics and gradient, leaking no tensors', async () => {
      const term = await create();
      expect(term.id.length).toBeGreaterThan(0);
      for (const r of term.requires) expect(['refLogProbs']).toContain(r);
      evaluate(term, randomRows(1), kind);
      const before = tf.memory().numTensors;
      const out = evaluate(term, randomRows(2), kind);
      expect(tf.memory().numTensors).toBe(before);
      expect(Number.isFinite(out.loss)).toBe(true);
      for (const [k, v] of Object.entries(out.metrics)) expect(Number.isFinite(v), `metric ${k}`).toBe(true);
      expect(out.gradient.flat().every(Number.isFinite)).toBe(true);
    });

    it('is deterministic', async () => {
      const term = await create();
      const a = evaluate(term, randomRows(3), kind);
      const b = evaluate(term, randomRows(3), kind);
      expect(b).toEqual(a);
    });

    it('ignores masked tokens: their values change nothing and get no gradient', async () => {
      const term = await create();
      const rows = randomRows(4);
      const changed: Rows = {
        ...rows,
        logProbs: rows.logProbs.map((row, i) => row.map((v, t) => (rows.mask[i]?.[t] ? v : v - 7))),
        refLogProbs: rows.refLogProbs.map((row, i) => row.map((v, t) => (rows.mask[i]?.[t] ? v : v + 5))),
      };
      const a = evaluate(term, rows, kind);
      const b = evaluate(term, changed, kind);
      expect(b.loss).toBeCloseTo(a.loss, 6);
      for (const [k, v] of Object.entries(a.metrics)) expect(b.metrics[k], k).toBeCloseTo(v, 5);
      a.gradient.forEach((row, i) => {
        row.forEach((g, t) => {
          if (!rows.mask[i]?.[t]) expect(Math.abs(g), `gradient at masked [${i}, ${t}]`).toBe(0);
        });
      });
    });

    it('does not depend on the order of the rows', async () => {
      const term = await create();
      const rows = randomRows(5);
      const order = [3, 5, 0, 4, 1, 2];
      const at = (k: number) => order.indexOf(k);
      const permuted: Rows = {
        logProbs: order.map((i) => rows.logProbs[i] as number[]),
        refLogProbs: order.map((i) => rows.refLogProbs[i] as number[]),
        mask: order.map((i) => rows.mask[i] as number[]),
        pairs: rows.pairs.map(([c, r]) => [at(c), at(r)] as const),
      };
      const a = evaluate(term, rows, kind);
      const b = evaluate(term, permuted, kind);
      expect(b.loss).toBeCloseTo(a.loss, 6);
      order.forEach((i, k) => {
        (a.gradient[i] as number[]).forEach((g, t) => expect(b.gradient[k]?.[t]).toBeCloseTo(g, 6));
      });
    });

    if (options.pairwise) {
      it('gives zero loss and zero gradient without pairs', async () => {
        const term = await create();
        const out = evaluate(term, randomRows(6), kind, false);
        expect(Math.abs(out.loss)).toBe(0);
        expect(out.gradient.flat().every((g) => Math.abs(g) === 0)).toBe(true);
      });
    }
  });
}
