import { describe, expect, it } from 'vitest';
import type { AdvantageEstimator, AdvantageInput, AdvantageOutput } from '../advantage/advantage-estimator';
import { Rng } from '../rng/rng';
import { advantageInputOf, randomAdvantageInput, rowsOfGroup, selectRows } from './advantage-inputs';
import { type ConformanceSubject, itIsBuiltFromItsManifest, subjectFactory } from './plugin-under-test';

/** What {@link describeAdvantageConformance} tests and what the estimator claims. */
export type AdvantageConformanceOptions = ConformanceSubject<AdvantageEstimator> & {
  /**
   * True when advantages depend only on rewards *within* a group relative to each other (GRPO,
   * RLOO, LambdaPO): then equal rewards give 0 and adding a constant changes nothing. Default: the
   * estimator's own `groupRelative` flag.
   */
  readonly groupRelative?: boolean;
  /**
   * True when a group's advantages depend on that group's rows only, not on the other groups of
   * the batch (false for batch-level whitening: REINFORCE++, a `batch-std` normalisation).
   * Default: the value of `groupRelative`.
   */
  readonly independentGroups?: boolean;
};

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

/** A fixed shuffle of `n` rows (deterministic, mixes groups). */
const shuffled = (n: number, seed: number): number[] => {
  const rng = Rng.fromSeed(seed);
  const rows = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [rows[i], rows[j]] = [rows[j] as number, rows[i] as number];
  }
  return rows;
};

const closeTo = (actual: readonly number[], expected: readonly number[], what: string) => {
  expect(actual, what).toHaveLength(expected.length);
  expected.forEach((v, i) => expect(actual[i], `${what} [${i}]`).toBeCloseTo(v, 5));
};

/**
 * Contract every AdvantageEstimator must meet, tested on the estimator as a run builds it (from
 * the plugin's manifest, through the container): valid `requires`, exactly one output shape with
 * the right sizes, finite values (also for zero-variance groups and groups of one), no input
 * mutation, determinism, permutation equivariance within a group and across the batch (groups
 * interleaved, of unequal sizes), sub-group labels treated as labels; for group-relative
 * estimators zero advantages for equal rewards (with or without sub-groups) and invariance to a
 * reward shift; a declared `groupRelative` means a group of one gets 0; and, for independent
 * groups, each group's advantages equal those of that group estimated alone.
 */
export function describeAdvantageConformance(name: string, options: AdvantageConformanceOptions): void {
  const create = subjectFactory(options, 'advantage');
  const claims = (est: AdvantageEstimator) => {
    const groupRelative = options.groupRelative ?? est.groupRelative === true;
    return { groupRelative, independentGroups: options.independentGroups ?? groupRelative };
  };
  const estimate = (est: AdvantageEstimator, input: AdvantageInput) => sequenceAdvantages(est.estimate(input), input);

  describe(`AdvantageEstimator conformance: ${name}`, () => {
    itIsBuiltFromItsManifest(options, 'advantage', create);

    it('declares known requirements and returns one well-shaped output', async () => {
      const est = await create();
      for (const r of est.requires) expect(['oldSeqLogProbs', 'oldLogProbs', 'refLogProbs']).toContain(r);
      for (const input of [randomAdvantageInput(Rng.fromSeed(1), 3, 4), advantageInputOf(Rng.fromSeed(11), [3, 1, 5, 2])]) {
        const out = est.estimate(input);
        expect(Boolean(out.perSequence) !== Boolean(out.perToken)).toBe(true);
        if (out.perSequence) expect(out.perSequence).toHaveLength(input.rewards.length);
        if (out.perToken) out.perToken.forEach((row, i) => expect(row).toHaveLength(input.masks[i]?.length ?? -1));
        for (const v of sequenceAdvantages(out, input)) expect(Number.isFinite(v)).toBe(true);
      }
    });

    it('is finite for equal rewards and for groups of one (zero when group-relative)', async () => {
      const est = await create();
      const { groupRelative } = claims(est);
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
        const adv = estimate(est, input);
        for (const v of adv) expect(Number.isFinite(v)).toBe(true);
        if (groupRelative) for (const v of adv) expect(Math.abs(v)).toBeLessThan(1e-6);
      }
    });

    it('a declared groupRelative holds: a group of one sample gets advantage 0, whatever its reward', async (ctx) => {
      const est = await create();
      if (est.groupRelative !== true) ctx.skip();
      const input = advantageInputOf(Rng.fromSeed(6), [1, 1, 1], { rewards: [0, 1, 0.3] });
      for (const v of estimate(est, input)) expect(Math.abs(v)).toBeLessThan(1e-6);
    });

    it('is deterministic and does not mutate its input', async () => {
      const est = await create();
      const input = randomAdvantageInput(Rng.fromSeed(3), 4, 4);
      const before = JSON.stringify(input);
      const a = estimate(est, input);
      const b = estimate(est, input);
      expect(b).toEqual(a);
      expect(JSON.stringify(input)).toBe(before);
    });

    it('permuting rollouts within a group permutes their advantages', async () => {
      const est = await create();
      const input = randomAdvantageInput(Rng.fromSeed(4), 1, 6);
      const perm = [3, 0, 5, 1, 4, 2];
      const a = estimate(est, input);
      closeTo(
        estimate(est, selectRows(input, perm)),
        perm.map((p) => a[p] as number),
        'permuted',
      );
    });

    it('groups interleaved in the batch, of unequal sizes: each rollout keeps its advantage', async () => {
      const est = await create();
      const input = advantageInputOf(Rng.fromSeed(7), [4, 2, 5, 3]);
      const rows = shuffled(input.rewards.length, 7);
      const a = estimate(est, input);
      closeTo(
        estimate(est, selectRows(input, rows)),
        rows.map((r) => a[r] as number),
        'interleaved',
      );
    });

    it('sub-groups: well-shaped and finite; relabelling them changes nothing; equal rewards still give 0 when group-relative', async () => {
      const est = await create();
      const { groupRelative } = claims(est);
      const input = advantageInputOf(Rng.fromSeed(8), [4, 6, 3], { subGroups: 2 });
      const a = estimate(est, input);
      expect(a).toHaveLength(input.rewards.length);
      for (const v of a) expect(Number.isFinite(v)).toBe(true);
      const count = Math.max(...input.subGroupIndex) + 1;
      const relabelled = { ...input, subGroupIndex: input.subGroupIndex.map((s) => count - 1 - s) };
      closeTo(estimate(est, relabelled), a, 'sub-groups relabelled');
      if (groupRelative) {
        const equal = advantageInputOf(Rng.fromSeed(9), [4, 6, 3], { subGroups: 2, rewards: Array(13).fill(0.5) });
        for (const v of estimate(est, equal)) expect(Math.abs(v)).toBeLessThan(1e-6);
      }
    });

    it('groups are independent: a group in a batch gets the advantages it gets alone', async (ctx) => {
      const est = await create();
      if (!claims(est).independentGroups) ctx.skip();
      for (const subGroups of [1, 2]) {
        const input = advantageInputOf(Rng.fromSeed(10), [4, 2, 6, 3], { subGroups });
        const all = estimate(est, input);
        for (let g = 0; g < input.numGroups; g++) {
          const rows = rowsOfGroup(input, g);
          closeTo(
            estimate(est, selectRows(input, rows)),
            rows.map((r) => all[r] as number),
            `group ${g} alone (sub-groups ${subGroups})`,
          );
        }
      }
    });

    it('adding a constant to every reward changes nothing (group-relative)', async (ctx) => {
      const est = await create();
      if (!claims(est).groupRelative) ctx.skip();
      const input = randomAdvantageInput(Rng.fromSeed(5), 3, 4);
      const shifted = { ...input, rewards: input.rewards.map((r) => r + 7.5) };
      closeTo(estimate(est, shifted), estimate(est, input), 'shifted');
    });
  });
}
