import { type ComposedExperiment, ConfigError, getContributions, Tokens, type WeightedReward } from '@trellis/core';

/** The configured reward named `trainer.accuracyReward` (the grader behind every accuracy number). */
export async function accuracyReward(exp: ComposedExperiment): Promise<WeightedReward> {
  const name = exp.config.trainer.accuracyReward;
  const rewards = await getContributions(exp.container, Tokens.WeightedReward);
  const found = rewards.find((r) => r.name === name);
  if (!found) {
    throw new ConfigError(
      `trainer.accuracyReward is '${name}' but no reward has that name; rewards: ${rewards.map((r) => r.name).join(', ') || '(none)'}`,
    );
  }
  return found;
}
