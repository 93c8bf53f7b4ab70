import type { ConfigPatch } from '@trellis/core';

/** Objective id every preset selects (core's shared clipped objective). */
export const CLIP_OBJECTIVE_ID = 'clip';

const clip = (options: Record<string, unknown>) => ({ objective: { use: CLIP_OBJECTIVE_ID, options } });

/**
 * Config patches merged under the user's config when `advantage.use` names one of these ids, so
 * one switch selects a whole recipe (the user's own values still win). See README for rationale.
 */
export const GRPO_PRESETS = {
  /** DeepSeekMath GRPO: symmetric clip 0.2, per-sequence token mean, k3 KL in the loss (beta 0.001, clamped at 10). */
  grpo: clip({
    ratio: 'token',
    epsLow: 0.2,
    epsHigh: 0.2,
    aggregation: 'seq-mean-token-mean',
    kl: { estimator: 'k3', coef: 0.001, placement: 'loss', clamp: 10 },
  }),
  /** Dr. GRPO: no std (estimator default), constant normaliser `N * T_max`, no KL. */
  'dr-grpo': clip({
    ratio: 'token',
    epsLow: 0.2,
    epsHigh: 0.2,
    aggregation: 'seq-mean-token-sum-norm',
    kl: { estimator: 'none' },
  }),
  /** DAPO: clip-higher 0.2/0.28, token mean, no KL, dynamic sampling and overlong shaping. */
  dapo: {
    ...clip({ ratio: 'token', epsLow: 0.2, epsHigh: 0.28, aggregation: 'token-mean', kl: { estimator: 'none' } }),
    contributions: [{ use: 'dynamic-sampling' }],
    rewards: [{ use: 'overlong' }],
  },
  /** GSPO: sequence ratio clipped at 3e-4/4e-4, per-sequence mean, no KL. */
  gspo: clip({ ratio: 'sequence', epsLow: 3e-4, epsHigh: 4e-4, aggregation: 'seq-mean-token-mean', kl: { estimator: 'none' } }),
  /** RLOO: REINFORCE-style sequence log-likelihood (token sum), k3 KL in the loss (beta 0.001). */
  rloo: clip({
    ratio: 'token',
    epsLow: 0.2,
    epsHigh: 0.2,
    aggregation: 'seq-mean-token-sum',
    kl: { estimator: 'k3', coef: 0.001, placement: 'loss' },
  }),
  /** REINFORCE++: k1 KL (beta 0.01) in the token rewards, none in the loss; token mean. */
  'reinforce-pp': clip({
    ratio: 'token',
    epsLow: 0.2,
    epsHigh: 0.2,
    aggregation: 'token-mean',
    kl: { estimator: 'k1', coef: 0.01, placement: 'reward' },
  }),
  /** REINFORCE++-baseline: as REINFORCE++. */
  'reinforce-pp-baseline': clip({
    ratio: 'token',
    epsLow: 0.2,
    epsHigh: 0.2,
    aggregation: 'token-mean',
    kl: { estimator: 'k1', coef: 0.01, placement: 'reward' },
  }),
} as const satisfies Record<string, ConfigPatch>;

export type GrpoPresetId = keyof typeof GRPO_PRESETS;
