import { describe, expect, it } from 'vitest';
import type { AdvantageEstimator, AdvantageInput, AdvantageOutput } from '../advantage/advantage-estimator';
import { Rng } from '../rng/rng';

export interface AdvantageConformanceOptions {
  create(): AdvantageEstimator | Promise<AdvantageEstimator>;
  /**
   * True when advantages depend only on rewards *within* a group relative to each other
   * (GRPO, RLOO, LambdaPO): then equal rewards give 0 and adding a constant changes nothing.
   */
  groupRelative: boolean;
}

/** Build a random batch of `groups` x `size` with everything an estimator could require. */
export function randomAdvantageInput(rng: Rng, groups: number, size: number, rewards?: number[]): AdvantageInput {
  const n = groups * size;
  const lengths = Array.from({ length: n }, () => 1 + rng.int(12));
  const masks = lengths.map((l) => Array.from({ length: l }, () => 1));
  const oldLogProbs = lengths.map((l) => Array.from({ length: l }, () => -rng.next() * 3));
  const refLogProbs = lengths.map((l) => Array.from({ length: l }, () => -rng.next() * 3));
  const sums = oldLogProbs.map((r) => r.reduce((a, b) => a + b, 0));
  return {
    rewards: rewards ?? Array.from({ length: n }, () => (rng.next() < 0.5 ? 1 : 0) + rng.next() * 0.1),
    groupIndex: Array.from({ length: n }, (_, i) => Math.floor(i / size)),
    numGroups: groups,
    subGroupIndex: Array.from({ length: n }, (_, i) => Math.floor(i / size)),
    lengths,
    masks,
    oldSeqLogProbSum: sums,
    oldSeqLogProbMean: sums.map((s, i) => s / (lengths[i] as number)),
    oldLogProbs,
    refLogProbs,
  };
}

/** Per-rollout mean advantage over trained tokens (works for both output shapes). */
export function sequenceAdvantages(out: AdvantageOutput, input: AdvantageInput): number[] {
  if (out.perSequence) return [...out.perSequence];
  return (out.perToken ?? []).map((row, i) => {
    const mask = input.masks[i] ?? [];
    let s = 0;
    let c = 0;
    row.forEach((v, t) => {
      if (mask[t]) {
        s += v;
        c++;
      }
    });
    return c ? s / c : 0;
  });
}

/**
 * Contract every AdvantageEstimator must meet: valid `requires`, exactly one output shape with
 * the right sizes, finite values (also for zero-variance groups and groups of one), no input
 * mutation, determinism, permutation equivariance within groups, and, for group-relative
 * estimators, zero advantages for equal rewards and invariance to a reward shift.
 */
export function describeAdvantageConformance(name: string, options: AdvantageConformanceOptions): void {
  describe(`AdvantageEstimator conformance: ${name}`, () => {
    it('declares known requirements and returns one well-shaped output', async () => {
      const est = await options.create();
      for (const r of est.requires) expect(['oldSeqLogProbs', 'oldLogProbs', 'refLogProbs']).toContain(r);
      const input = randomAdvantageInput(Rng.fromSeed(1), 3, 4);
      const out = est.estimate(input);
      expect(Boolean(out.perSequence) !== Boolean(out.perToken)).toBe(true);
      if (out.perSequence) expect(out.perSequence).toHaveLength(12);
      if (out.perToken) out.perToken.forEach((row, i) => expect(row).toHaveLength(input.masks[i]?.length ?? -1));
      for (const v of sequenceAdvantages(out, input)) expect(Number.isFinite(v)).toBe(true);
    });

    it('is finite for equal rewards and for groups of one', async () => {
      const est = await options.create();
      for (const [g, s] of [
        [2, 4],
        [5, 1],
      ] as const) {
        const input = randomAdvantageInput(
          Rng.fromSeed(2),
          g,
          s,
          Array.from({ length: g * s }, () => 1),
        );
        const adv = sequenceAdvantages(est.estimate(input), input);
        for (const v of adv) expect(Number.isFinite(v)).toBe(true);
        if (options.groupRelative) for (const v of adv) expect(Math.abs(v)).toBeLessThan(1e-6);
      }
    });

    it('is deterministic and does not mutate its input', async () => {
      const est = await options.create();
      const input = randomAdvantageInput(Rng.fromSeed(3), 4, 4);
      const before = JSON.stringify(input);
      const a = sequenceAdvantages(est.estimate(input), input);
      const b = sequenceAdvantages(est.estimate(input), input);
      expect(b).toEqual(a);
      expect(JSON.stringify(input)).toBe(before);
    });

    it('permuting rollouts within a group permutes their advantages', async () => {
      const est = await options.create();
      const input = randomAdvantageInput(Rng.fromSeed(4), 1, 6);
      const perm = [3, 0, 5, 1, 4, 2];
      const pick = <T>(xs: readonly T[] | undefined) => (xs ? perm.map((p) => xs[p] as T) : undefined);
      const permuted: AdvantageInput = {
        ...input,
        rewards: pick(input.rewards) ?? [],
        lengths: pick(input.lengths) ?? [],
        masks: pick(input.masks) ?? [],
        oldSeqLogProbSum: pick(input.oldSeqLogProbSum),
        oldSeqLogProbMean: pick(input.oldSeqLogProbMean),
        oldLogProbs: pick(input.oldLogProbs),
        refLogProbs: pick(input.refLogProbs),
      };
      const a = sequenceAdvantages(est.estimate(input), input);
      const b = sequenceAdvantages(est.estimate(permuted), permuted);
      perm.forEach((p, i) => expect(b[i]).toBeCloseTo(a[p] as number, 5));
    });

    if (options.groupRelative) {
      it('adding a constant to every reward changes nothing', async () => {
        const est = await options.create();
        const input = randomAdvantageInput(Rng.fromSeed(5), 3, 4);
        const shifted = { ...input, rewards: input.rewards.map((r) => r + 7.5) };
        const a = sequenceAdvantages(est.estimate(input), input);
        const b = sequenceAdvantages(est.estimate(shifted), shifted);
        a.forEach((v, i) => expect(b[i]).toBeCloseTo(v, 5));
      });
    }
  });
}
