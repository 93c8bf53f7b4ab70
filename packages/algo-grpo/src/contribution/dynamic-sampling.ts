import {
  inject,
  injectable,
  type RolloutBatch,
  type RolloutGroup,
  type StepContext,
  Tokens,
  type TrainerContribution,
  z,
} from '@trellis/core';

/** Options of the `dynamic-sampling` contribution. */
export const dynamicSamplingOptions = z
  .object({
    /**
     * Reward name whose scores judge a group (e.g. `math-accuracy`, DAPO's criterion). Default:
     * the weighted total reward, i.e. exactly the groups whose group-relative advantages vanish.
     */
    component: z.string().min(1).optional(),
    /** Groups to train on per step. Default: the number of groups the step started with. */
    targetGroups: z.number().int().positive().optional(),
    /** Most extra generation rounds per step (0 = only filter). */
    maxRounds: z.number().int().min(0).default(3),
    /** Each round asks for `ceil(missing * oversample)` groups (>= 1; raise it when most groups are dropped). */
    oversample: z.number().min(1).default(1),
    /** Rewards whose max - min is at most this count as all equal (reward units). */
    tolerance: z.number().min(0).default(1e-9),
  })
  .strict();

export type DynamicSamplingOptions = z.output<typeof dynamicSamplingOptions>;

/** Metric names this contribution logs each step. */
export const DYNAMIC_SAMPLING_METRICS = {
  kept: 'dynamic_sampling/kept_groups',
  dropped: 'dynamic_sampling/dropped_groups',
  rounds: 'dynamic_sampling/rounds',
  requested: 'dynamic_sampling/requested_groups',
  filled: 'dynamic_sampling/filled',
} as const;

/**
 * DAPO dynamic sampling (arXiv 2503.14476, catalog id `dynamic-sampling`): drops groups whose
 * rewards are all equal (they give zero group-relative advantage), then asks the trainer for more
 * groups (`ctx.collectMore`) for at most `maxRounds` rounds until `targetGroups` informative groups
 * are in hand (stopping early if a round returns nothing), and truncates any surplus. If the rounds run out, the step trains on fewer groups
 * (possibly none). Pairs whose rollouts were dropped are removed.
 */
@injectable()
export class DynamicSampling implements TrainerContribution {
  readonly id = 'dynamic-sampling';
  readonly options: DynamicSamplingOptions;

  constructor(@inject(Tokens.ChoiceOptions) options: z.input<typeof dynamicSamplingOptions>) {
    this.options = dynamicSamplingOptions.parse(options ?? {});
  }

  /** True when the group's judged rewards are not all equal (a group of one never is). */
  isInformative(group: RolloutGroup): boolean {
    const { component, tolerance } = this.options;
    const values = group.rollouts.map((r) => {
      if (component === undefined) return r.reward;
      const v = r.rewardComponents[component];
      if (v === undefined) {
        const known = Object.keys(r.rewardComponents).join(', ') || 'none';
        throw new Error(`dynamic-sampling: rollout ${r.id} has no reward named '${component}' (rewards: ${known})`);
      }
      return v;
    });
    if (values.length < 2) return false;
    return Math.max(...values) - Math.min(...values) > tolerance;
  }

  /** Keep informative groups, top up with `ctx.collectMore`, truncate to the target. */
  async filterBatch(batch: RolloutBatch, ctx: StepContext): Promise<RolloutBatch> {
    const target = this.options.targetGroups ?? batch.groups.length;
    const kept = batch.groups.filter((g) => this.isInformative(g));
    let dropped = batch.groups.length - kept.length;
    let rounds = 0;
    let requested = 0;
    while (kept.length < target && rounds < this.options.maxRounds) {
      const ask = Math.ceil((target - kept.length) * this.options.oversample);
      rounds++;
      requested += ask;
      const more = await ctx.collectMore(ask);
      if (!more.length) break;
      for (const g of more) {
        if (this.isInformative(g)) kept.push(g);
        else dropped++;
      }
    }
    const groups = kept.slice(0, target);
    const ids = new Set(groups.flatMap((g) => g.rollouts.map((r) => r.id)));
    ctx.metric(DYNAMIC_SAMPLING_METRICS.kept, groups.length);
    ctx.metric(DYNAMIC_SAMPLING_METRICS.dropped, dropped);
    ctx.metric(DYNAMIC_SAMPLING_METRICS.rounds, rounds);
    ctx.metric(DYNAMIC_SAMPLING_METRICS.requested, requested);
    ctx.metric(DYNAMIC_SAMPLING_METRICS.filled, groups.length >= target ? 1 : 0);
    return { ...batch, groups, pairs: batch.pairs.filter((p) => ids.has(p.chosen) && ids.has(p.rejected)) };
  }
}
