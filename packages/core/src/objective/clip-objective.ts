import { inject, injectable, optional } from 'inversify';
import { z } from 'zod';
import type { ResolvedConfig } from '../config/experiment-config';
import type { LossWithMetrics } from '../policy/policy';
import { Tokens } from '../tokens';
import { AGGREGATION_MODES } from './aggregation';
import { RATIO_KINDS } from './clipped-surrogate';
import { KL_ESTIMATORS } from './kl-estimators';
import { type PolicyLossOptions, policyLoss } from './policy-loss';
import type { ObjectiveInput, PolicyObjective } from './policy-objective';
import type { RewardKlSettings } from './reward-kl';

/** KL-to-reference settings of the clip objective. */
export const klOptions = z
  .object({
    /** Per-token estimator (`x = log pi_ref - log pi_theta`: k1 = -x, k2 = x²/2, k3 = e^x - x - 1); `none` = no KL. */
    estimator: z.enum([...KL_ESTIMATORS, 'none']).default('k3'),
    /** beta, the KL weight (dimensionless; the loss gains `beta * agg(KL_t)`). 0 = no KL term. */
    coef: z.number().min(0).default(0.001),
    /**
     * `loss`: the objective adds `beta * agg(KL_t)` and requires reference log-probs.
     * `reward`: the objective adds nothing; before any estimator runs, the trainer subtracts
     * `beta * KL_t` (old policy vs reference, this estimator and clamp) from each trained token's
     * reward: sequence estimators see `r_i - Σ_t beta * KL_t`, per-token ones (REINFORCE++) the
     * per-token penalties (verl's `use_kl_in_reward`).
     */
    placement: z.enum(['loss', 'reward']).default('loss'),
    /** Clamp of the per-token estimate to `[-clamp, clamp]` nats; 10 reproduces verl's `low_var_kl`. Unset = none. */
    clamp: z.number().positive().optional(),
  })
  .strict();

/** Options of the `clip` objective (PPO clipped surrogate + optional KL and entropy terms). */
export const clipObjectiveOptions = z
  .object({
    /** `token`: per-token ratio (PPO/GRPO/DAPO). `sequence`: `s_i = exp(mean_t log rho_it)` (GSPO). */
    ratio: z.enum(RATIO_KINDS).default('token'),
    /** Lower clip width: ratio clipped below at `1 - epsLow`. */
    epsLow: z.number().min(0).lt(1).default(0.2),
    /** Upper clip width: ratio clipped above at `1 + epsHigh` (DAPO's clip-higher uses 0.28). */
    epsHigh: z.number().min(0).default(0.2),
    /** Dual clip constant c (> 1, typically 3): for A < 0 the token loss is at most `-c * A`. 0 = off. */
    dualClip: z
      .number()
      .min(0)
      .default(0)
      .refine((c) => c === 0 || c > 1, 'dualClip must be 0 (off) or greater than 1'),
    /** How token losses become a scalar (also used for the KL and entropy terms). */
    aggregation: z.enum(AGGREGATION_MODES).default('seq-mean-token-mean'),
    /** `T_max` in tokens for `seq-mean-token-sum-norm`; default `trainer.sampling.maxNewTokens`. */
    maxLength: z.number().int().positive().optional(),
    /** KL to the reference policy. */
    kl: klOptions.prefault({}),
    /** Entropy bonus weight: the loss gains `-entropyCoef * agg(H_t)` (needs per-token entropy). */
    entropyCoef: z.number().min(0).default(0),
  })
  .strict();

export type ClipObjectiveOptions = z.output<typeof clipObjectiveOptions>;

/** Turn validated options into `policyLoss` options (`maxLength` falls back to `fallbackMaxLength`). */
export function toPolicyLossOptions(options: ClipObjectiveOptions, fallbackMaxLength?: number): PolicyLossOptions {
  const { kl } = options;
  const klInLoss = kl.estimator !== 'none' && kl.placement === 'loss' && kl.coef > 0;
  const maxLength = options.maxLength ?? fallbackMaxLength;
  return {
    ratio: options.ratio,
    epsLow: options.epsLow,
    epsHigh: options.epsHigh,
    dualClip: options.dualClip,
    aggregation: options.aggregation,
    entropyCoef: options.entropyCoef,
    ...(maxLength === undefined ? {} : { maxLength }),
    ...(klInLoss && kl.estimator !== 'none'
      ? { kl: { estimator: kl.estimator, coef: kl.coef, ...(kl.clamp === undefined ? {} : { clamp: kl.clamp }) } }
      : {}),
  };
}

/**
 * The shared PPO-style clipped objective (catalog id `clip`): token or sequence ratio, asymmetric
 * clipping, optional dual clip, KL (k1/k2/k3) in the loss, entropy bonus and the four
 * aggregation modes. The math is `policyLoss`; this class only binds the options. `requires`
 * holds `refLogProbs` exactly when a KL term is in the loss (estimator not `none`, placement
 * `loss`, coef > 0).
 */
@injectable()
export class ClipObjective implements PolicyObjective {
  readonly id = 'clip';
  readonly requires: readonly 'refLogProbs'[];
  readonly rewardKl?: RewardKlSettings;
  /** The resolved loss settings (maxLength filled from the trainer config when available). */
  readonly lossOptions: PolicyLossOptions;

  constructor(
    @inject(Tokens.ChoiceOptions) options: z.input<typeof clipObjectiveOptions>,
    @inject(Tokens.Config) @optional() config?: ResolvedConfig,
  ) {
    const parsed = clipObjectiveOptions.parse(options ?? {});
    this.lossOptions = toPolicyLossOptions(parsed, config?.trainer.sampling.maxNewTokens);
    this.requires = this.lossOptions.kl ? ['refLogProbs'] : [];
    const { kl } = parsed;
    if (kl.placement === 'reward' && kl.estimator !== 'none' && kl.coef > 0) {
      this.rewardKl = { estimator: kl.estimator, coef: kl.coef, ...(kl.clamp === undefined ? {} : { clamp: kl.clamp }) };
    }
  }

  /** Loss and metrics for one minibatch; see `policyLoss` for formulas and metric names. */
  compute(input: ObjectiveInput): LossWithMetrics {
    return policyLoss(input, this.lossOptions);
  }
}
