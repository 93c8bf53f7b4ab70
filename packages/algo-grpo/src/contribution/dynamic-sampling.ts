import {
  ConfigError,
  inject,
  injectable,
  listOf,
  optional,
  type ResolvedConfig,
  type Rollout,
  type RolloutBatch,
  type RolloutGroup,
  type StepContext,
  Tokens,
  type TrainerContribution,
  z,
} from '@trellis/core';

/** What `dynamic-sampling` judges a group by (option `judge`). */
export const dynamicSamplingJudges = ['accuracy', 'total', 'reward'] as const;
export type DynamicSamplingJudge = (typeof dynamicSamplingJudges)[number];

/** A score above this counts as correct (as the trainer's accuracy metrics). */
const CORRECT_ABOVE = 0.5;

/** Options of the `dynamic-sampling` contribution. */
export const dynamicSamplingOptions = z
  .object({
    /**
     * What marks a group as carrying no signal. `accuracy` (DAPO): a rollout is correct when its
     * accuracy-reward score is > 0.5; groups all correct or all wrong are dropped. `total`: the
     * weighted total reward; groups whose totals are all equal are dropped (exactly the groups
     * whose group-relative advantages vanish). `reward`: the raw score of the reward `reward`;
     * groups whose scores are all equal are dropped.
     */
    judge: z.enum(dynamicSamplingJudges).default('accuracy'),
    /**
     * Reward name (`rewards[i].name`, default its `use`) judged by `accuracy` (default:
     * `trainer.accuracyReward`) or by `reward` (required there). Not used by `total`.
     */
    reward: z.string().min(1).optional(),
    /** Groups to train on per step. Default: the number of groups the step started with. */
    targetGroups: z.number().int().positive().optional(),
    /** Most extra generation rounds per step (0 = only filter). */
    maxRounds: z.number().int().min(0).default(3),
    /** Each round asks for `ceil(missing * oversample)` groups (>= 1; raise it when most groups are dropped). */
    oversample: z.number().min(1).default(1),
    /** With `total` / `reward`: scores whose max - min is at most this count as all equal (reward units). */
    tolerance: z.number().min(0).default(1e-9),
  })
  .strict()
  .refine((o) => o.judge !== 'reward' || o.reward !== undefined, {
    message: "judge 'reward' needs 'reward': the name of the reward to judge by",
    path: ['reward'],
  })
  .refine((o) => o.judge !== 'total' || o.reward === undefined, {
    message: "'reward' is not used with judge 'total'; remove it, or set judge to 'reward' or 'accuracy'",
    path: ['reward'],
  });

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
 * The reward `judge` reads (undefined for `total`), checked against the configured rewards when
 * the trainer config is known: a missing name is a `ConfigError` naming the key to fix.
 */
function judgedReward(
  options: DynamicSamplingOptions,
  raw: unknown,
  config: Pick<ResolvedConfig, 'rewards' | 'trainer' | 'contributions'> | undefined,
): string | undefined {
  if (options.judge === 'total') return undefined;
  const name = options.reward ?? (config ? config.trainer.accuracyReward : undefined);
  if (name === undefined) {
    throw new ConfigError("dynamic-sampling: set options.reward (no trainer config to take 'trainer.accuracyReward' from)");
  }
  if (!config) return name;
  const names = config.rewards.map((r) => r.name ?? r.use);
  if (names.includes(name)) return name;
  let at = config.contributions.findIndex((c) => c.options === raw);
  if (at < 0) at = config.contributions.findIndex((c) => c.use === 'dynamic-sampling');
  const own = `contributions[${at < 0 ? '?' : at}].options`;
  const known = `rewards: ${listOf(names)}`;
  if (options.reward !== undefined) throw new ConfigError(`${own}.reward: no reward named '${name}'; ${known}`);
  throw new ConfigError(
    `trainer.accuracyReward: dynamic-sampling judges accuracy by it, but there is no reward named '${name}'; ${known}. ` +
      `Set trainer.accuracyReward or ${own}.reward to one of them, or ${own}.judge to 'total'`,
  );
}

/**
 * DAPO dynamic sampling (arXiv 2503.14476, catalog id `dynamic-sampling`): drops groups that
 * carry no signal (by default those whose accuracy is 0 or 1, as DAPO; see `judge`), then asks
 * the trainer for more groups (`ctx.collectMore`) for at most `maxRounds` rounds until
 * `targetGroups` informative groups are in hand (stopping early if a round returns nothing), and
 * truncates any surplus. If the rounds run out, the step trains on fewer groups (possibly none).
 * Pairs whose rollouts were dropped are removed.
 */
@injectable()
export class DynamicSampling implements TrainerContribution {
  readonly id = 'dynamic-sampling';
  readonly options: DynamicSamplingOptions;
  /** Name of the reward `judge` reads (`accuracy`, `reward`); undefined for `total`. */
  readonly rewardName: string | undefined;

  constructor(
    @inject(Tokens.ChoiceOptions) options: z.input<typeof dynamicSamplingOptions>,
    @inject(Tokens.Config) @optional() config?: Pick<ResolvedConfig, 'rewards' | 'trainer' | 'contributions'>,
  ) {
    this.options = dynamicSamplingOptions.parse(options ?? {});
    this.rewardName = judgedReward(this.options, options, config);
  }

  /** True when the group's rollouts disagree under `judge` (a group of one never does). */
  isInformative(group: RolloutGroup): boolean {
    const { judge, tolerance } = this.options;
    if (judge === 'accuracy') {
      const correct = group.rollouts.map((r) => this.score(r) > CORRECT_ABOVE);
      return correct.includes(true) && correct.includes(false);
    }
    const values = group.rollouts.map((r) => (judge === 'total' ? r.reward : this.score(r)));
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

  /** The judged reward's score of one rollout. */
  private score(rollout: Rollout): number {
    const name = this.rewardName as string;
    const v = rollout.rewardComponents[name];
    if (v === undefined) {
      const known = Object.keys(rollout.rewardComponents).join(', ') || 'none';
      throw new ConfigError(`dynamic-sampling: rollout ${rollout.id} has no reward named '${name}' (rewards: ${known})`);
    }
    return v;
  }
}
