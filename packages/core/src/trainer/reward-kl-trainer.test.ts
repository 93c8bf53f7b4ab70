import '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { corePlugin } from '../builtin/core-plugin';
import { composeContainer } from '../plugin/compose-container';
import type { PluginManifest } from '../plugin/define-plugin';
import { createTrainer } from './create-trainer';
import { SpyEstimator, trainerTestPlugin } from './test-support/test-plugin';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const manifests = [corePlugin, trainerTestPlugin] as PluginManifest[];
const config = (kl: Record<string, unknown>, over: Record<string, unknown> = {}) => ({
  seed: 2,
  policy: { use: 'bigram' },
  task: { use: 'say-a' },
  rollout: { use: 'groups' },
  advantage: { use: 'spy' },
  objective: { use: 'clip', options: { kl } },
  rewards: [{ use: 'starts-with-a' }],
  trainer: {
    steps: 2,
    problemsPerStep: 3,
    groupSize: 4,
    learningRate: 0.2,
    evalEvery: 0,
    evalProblems: 2,
    checkpointEvery: 0,
    accuracyReward: 'starts-with-a',
    sampling: { maxNewTokens: 4 },
  },
  ...over,
});

async function train(cfg: Record<string, unknown>) {
  const exp = await composeContainer(cfg, { manifests, loadBuiltins: false });
  SpyEstimator.seen.length = 0;
  await (await createTrainer(exp.container)).train();
  return SpyEstimator.seen;
}

describe('KL in the reward (objective.kl.placement: reward), for any estimator', () => {
  it('the estimator sees r - Σ beta * k1(old, ref) and the per-token penalties', async () => {
    const seen = await train(config({ estimator: 'k1', coef: 0.5, placement: 'reward' }));
    expect(seen).toHaveLength(2);
    const second = seen[1]!;
    let total = 0;
    second.rewards.forEach((r, i) => {
      const old = second.oldLogProbs?.[i] ?? [];
      const ref = second.refLogProbs?.[i] ?? [];
      const mask = second.masks[i] ?? [];
      const penalty = mask.map((m, t) => (m ? 0.5 * ((old[t] ?? 0) - (ref[t] ?? 0)) : 0));
      penalty.forEach((p, t) => expect(second.klPenalty?.[i]?.[t]).toBeCloseTo(p, 6));
      const sum = penalty.reduce((a, b) => a + b, 0);
      total += Math.abs(sum);
      expect(r).toBeCloseTo((second.outcomeRewards?.[i] ?? Number.NaN) - sum, 6);
    });
    expect(total).toBeGreaterThan(1e-4);
  });

  it('with the KL in the loss (the default) the rewards are untouched', async () => {
    const seen = await train(config({ estimator: 'k3', coef: 0.5, placement: 'loss' }));
    for (const input of seen) {
      expect(input.outcomeRewards).toBeUndefined();
      expect(input.klPenalty).toBeUndefined();
    }
  });

  it('refuses groupSize 1 with a group-relative estimator (exit-2 error naming the key)', async () => {
    const cfg = config({ estimator: 'none' });
    const one = { ...cfg, trainer: { ...cfg.trainer, groupSize: 1 } };
    const relative = await composeContainer(
      { ...one, advantage: { use: 'spy', options: { groupRelative: true } } },
      { manifests, loadBuiltins: false },
    );
    await expect(createTrainer(relative.container)).rejects.toThrow(/trainer.groupSize: 1 with advantage 'spy' trains nothing/);
    const global = await composeContainer(one, { manifests, loadBuiltins: false });
    await expect(createTrainer(global.container)).resolves.toBeDefined();
  });
});
