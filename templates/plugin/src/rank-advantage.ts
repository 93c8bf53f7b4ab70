import { type AdvantageEstimator, type AdvantageInput, type AdvantageOutput, inject, injectable, Tokens, z } from '@trellis/core';

/** Options of the `rank` advantage (validated by Trellis from the config's `advantage.options`). */
export const rankAdvantageOptions = z
  .object({
    /** Multiplier of the centred ranks: advantages lie in `[-scale / 2, scale / 2]`. */
    scale: z.number().positive().default(1),
  })
  .strict();

export type RankAdvantageOptions = z.output<typeof rankAdvantageOptions>;

/**
 * Centred rank advantage: within each group, a rollout's advantage is its reward's rank among the
 * group's rewards (ties share their mean rank), centred and divided by `size - 1`, times `scale`.
 * Robust to reward scale and outliers; a group of one, or of equal rewards, gets 0.
 */
@injectable()
export class RankAdvantage implements AdvantageEstimator {
  readonly id = 'rank';
  readonly requires = [] as const;
  readonly groupRelative = true;

  constructor(@inject(Tokens.ChoiceOptions) private readonly options: RankAdvantageOptions) {}

  estimate(input: AdvantageInput): AdvantageOutput {
    const out = new Array<number>(input.rewards.length).fill(0);
    const members = new Map<number, number[]>();
    input.groupIndex.forEach((g, i) => {
      const list = members.get(g) ?? [];
      list.push(i);
      members.set(g, list);
    });
    for (const rows of members.values()) {
      if (rows.length < 2) continue;
      const rewardOf = (i: number) => input.rewards[i] ?? 0;
      const sorted = [...rows].sort((a, b) => rewardOf(a) - rewardOf(b));
      for (let start = 0; start < sorted.length; ) {
        let end = start;
        while (end + 1 < sorted.length && rewardOf(sorted[end + 1] as number) === rewardOf(sorted[start] as number)) end++;
        const rank = (start + end) / 2;
        const centred = (rank - (rows.length - 1) / 2) / (rows.length - 1);
        for (let k = start; k <= end; k++) out[sorted[k] as number] = centred * this.options.scale;
        start = end + 1;
      }
    }
    return { perSequence: out, metrics: { groups: members.size } };
  }
}
