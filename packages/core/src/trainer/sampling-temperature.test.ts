import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { corePlugin } from '../builtin/core-plugin';
import { composeContainer } from '../plugin/compose-container';
import type { PluginManifest } from '../plugin/define-plugin';
import { createTrainer } from './create-trainer';
import { RunDirectory } from './run-directory';
import { trainerTestPlugin } from './test-support/test-plugin';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const config = (rollout: string, oldLogProbs: string) => ({
  seed: 4,
  policy: { use: 'bigram' },
  task: { use: 'say-a' },
  rollout: { use: rollout },
  advantage: { use: 'mean-baseline' },
  objective: { use: 'clip', options: { kl: { estimator: 'none' } } },
  rewards: [{ use: 'starts-with-a' }],
  trainer: {
    steps: 1,
    problemsPerStep: 4,
    groupSize: 4,
    learningRate: 0.05,
    evalEvery: 0,
    evalProblems: 2,
    oldLogProbs,
    accuracyReward: 'starts-with-a',
    sampling: { temperature: 1, maxNewTokens: 4 },
  },
});

async function firstStep(rollout: string, oldLogProbs: string): Promise<Record<string, number>> {
  const dir = join(mkdtempSync(join(tmpdir(), 'trellis-temp-')), 'run');
  const exp = await composeContainer(config(rollout, oldLogProbs), {
    manifests: [corePlugin, trainerTestPlugin] as PluginManifest[],
    loadBuiltins: false,
  });
  const run = await RunDirectory.create(dir, JSON.stringify(exp.config));
  await (await createTrainer(exp.container, { run })).train();
  const step = readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l))
    .find((r) => r.kind === 'step');
  return step.values;
}

describe('rollouts sampled at another temperature than trainer.sampling.temperature', () => {
  for (const oldLogProbs of ['auto', 'recompute']) {
    it(`are scored at their own temperature: ratio 1 on the first update (oldLogProbs ${oldLogProbs})`, async () => {
      const v = await firstStep('mixed-temperature', oldLogProbs);
      expect(v['actor/ratio_min']).toBeCloseTo(1, 5);
      expect(v['actor/ratio_max']).toBeCloseTo(1, 5);
      expect(v['actor/clip_frac']).toBe(0);
    });
  }
});
