import { composeContainer, corePlugin, Rng, Tokens } from '@trellis/core';
import { advantageInputOf, describeAdvantageConformance } from '@trellis/core/testing';
import { describe, expect, it } from 'vitest';
import plugin from './index.js';

// The conformance suite builds the estimator as a run does: from this manifest, through the container.
describeAdvantageConformance('rank', { plugin, use: 'rank' });
describeAdvantageConformance('rank (scale 2)', { plugin, use: 'rank', options: { scale: 2 } });

describe('rank advantage in a config', () => {
  const compose = (data: Record<string, unknown>) =>
    composeContainer(data, { manifests: [corePlugin, plugin], loadBuiltins: false });

  it("gets core's default objective and rollout (it has no preset), and its options validated", async () => {
    const exp = await compose({ advantage: { use: 'rank', options: { scale: 0.5 } } });
    expect(exp.config.objective?.use).toBe('clip');
    expect(exp.config.rollout?.use).toBe('groups');
    const est = await exp.container.getAsync(Tokens.AdvantageEstimator);
    const input = advantageInputOf(Rng.fromSeed(1), [3], { rewards: [0, 1, 1] });
    expect(est.estimate(input).perSequence).toEqual([-0.25, 0.125, 0.125]);
    await expect(compose({ advantage: { use: 'rank', options: { scale: -1 } } })).rejects.toThrow(/advantage\.options\.scale/);
  });
});
