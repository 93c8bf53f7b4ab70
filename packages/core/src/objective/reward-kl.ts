import { cast, mul, sub, sum, type Tensor1D, type Tensor2D, tidy } from '@tensorflow/tfjs-core';
import { type KlEstimator, klPerToken } from './kl-estimators';
import { klTokenReference } from './policy-loss-reference';

/** KL to the reference folded into the rewards (`objective.kl.placement: reward`). */
export interface RewardKlSettings {
  /** Per-token estimator of `x = log pi_ref - log pi_old` (k1 = -x, as verl's `use_kl_in_reward`). */
  readonly estimator: KlEstimator;
  /** beta: a trained token's reward gains `-beta * KL_t`. */
  readonly coef: number;
  /** Clamp of the per-token estimate, nats (see `klPerToken`). */
  readonly clamp?: number;
}

/** Rewards with the KL folded in, and what estimators need to use it per token. */
export interface RewardKlShaping {
  /** `[N]` `r_i - Σ_t beta * KL_it` over trained tokens: what sequence-level estimators see. */
  readonly rewards: number[];
  /** `[N]` the rewards before the penalty. */
  readonly outcomeRewards: number[];
  /** `[N][T_i]` `beta * KL_it` at trained tokens, 0 elsewhere: for per-token estimators (REINFORCE++). */
  readonly penalty: number[][];
  /** Mean per-token KL over trained tokens (nats). */
  readonly meanKl: number;
}

/**
 * KL-in-reward (plain-array reference, float64): per trained token `KL_it` of the old policy
 * against the reference (`x = ref - old`), penalty `beta * KL_it`, and sequence rewards
 * `r_i - Σ_t penalty_it`. The one mechanism behind `kl.placement: reward` for every estimator.
 */
export function shapeRewardsWithKl(
  rewards: readonly number[],
  old: readonly (readonly number[])[],
  ref: readonly (readonly number[])[],
  masks: readonly (readonly number[])[],
  settings: RewardKlSettings,
): RewardKlShaping {
  let klSum = 0;
  let count = 0;
  const penalty = masks.map((mask, i) =>
    mask.map((m, t) => {
      if (!(m > 0)) return 0;
      const kl = klTokenReference(old[i]?.[t] ?? 0, ref[i]?.[t] ?? 0, settings.estimator, settings.clamp);
      klSum += kl;
      count++;
      return settings.coef * kl;
    }),
  );
  return {
    rewards: rewards.map((r, i) => r - (penalty[i] ?? []).reduce((a, p) => a + p, 0)),
    outcomeRewards: [...rewards],
    penalty,
    meanKl: count ? klSum / count : 0,
  };
}

/** Tensor version of {@link shapeRewardsWithKl}: `[B]` rewards and `[B, T]` old/ref/mask -> shaped rewards and penalty. */
export function shapeRewardsWithKlTensor(
  rewards: Tensor1D,
  old: Tensor2D,
  ref: Tensor2D,
  mask: Tensor2D,
  settings: RewardKlSettings,
): { rewards: Tensor1D; penalty: Tensor2D } {
  return tidy(() => {
    const penalty = mul(
      mul(klPerToken(old, ref, settings.estimator, settings.clamp), settings.coef),
      cast(mask, 'float32'),
    ) as Tensor2D;
    return { rewards: sub(rewards, sum(penalty, 1)) as Tensor1D, penalty };
  });
}
