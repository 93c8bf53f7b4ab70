import '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import { injectable } from 'inversify';
import { beforeAll, describe, expect, it } from 'vitest';
import { corePlugin } from '../builtin/core-plugin';
import { ConfigError } from '../errors/trellis-error';
import { catalogModule } from '../plugin/catalog';
import { composeContainer } from '../plugin/compose-container';
import { CORE_API_VERSION, definePlugin, type PluginManifest } from '../plugin/define-plugin';
import type { Problem, Split } from '../records/problem';
import type { TaskSource } from '../task/task-source';
import { createTrainer } from './create-trainer';
import { trainerTestPlugin } from './test-support/test-plugin';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const problem = (split: Split): Problem => ({ id: split, prompt: '?', question: '?', answer: 'a', solution: 'a', split });

/** A finite task holding only one split (like a jsonl file read with `split: train`). */
const oneSplit = (only: Split) => {
  @injectable()
  class OneSplitTask implements TaskSource {
    readonly id = `only-${only}`;
    size(split: Split): number {
      return split === only ? 1 : 0;
    }
    sample(split: Split, n: number): Problem[] {
      return split === only ? Array.from({ length: n }, () => problem(split)) : [];
    }
    list(split: Split): Problem[] {
      return split === only ? [problem(split)] : [];
    }
  }
  return OneSplitTask;
};

const splitsPlugin = definePlugin({
  id: 'splits-test',
  packageName: '@test/splits',
  version: '0.0.0',
  coreApi: CORE_API_VERSION,
  provides: { task: ['only-train', 'only-test'] },
  createModule: () =>
    catalogModule([
      { slot: 'task', id: 'only-train', description: '', service: oneSplit('train') },
      { slot: 'task', id: 'only-test', description: '', service: oneSplit('test') },
    ]),
});

const manifests = [corePlugin, trainerTestPlugin, splitsPlugin] as PluginManifest[];

const config = (over: Record<string, unknown> = {}, trainer: Record<string, unknown> = {}) => ({
  policy: { use: 'bigram' },
  task: { use: 'say-a' },
  rollout: { use: 'groups' },
  advantage: { use: 'mean-baseline' },
  objective: { use: 'clip' },
  rewards: [{ use: 'starts-with-a' }],
  trainer: { steps: 1, accuracyReward: 'starts-with-a', ...trainer },
  ...over,
});

async function make(c: Record<string, unknown>) {
  const exp = await composeContainer(c, { manifests, loadBuiltins: false });
  return createTrainer(exp.container);
}

describe('createTrainer refuses runs whose evaluations would measure nothing (exit 2, before training)', () => {
  it('trainer.accuracyReward naming no configured reward', async () => {
    const made = make(config({}, { accuracyReward: 'nope' }));
    await expect(made).rejects.toBeInstanceOf(ConfigError);
    await expect(made).rejects.toThrow(
      "trainer.accuracyReward: 'nope' names no configured reward; it grades held-out accuracy, so it must be one of: starts-with-a",
    );
  });

  it('a task with no test problems', async () => {
    await expect(make(config({ task: { use: 'only-train' } }))).rejects.toThrow(
      /^task: 'only-train' has no 'test' problems, but every run evaluates trainer\.evalProblems \(200\)/,
    );
  });

  it('a task with no train problems', async () => {
    await expect(make(config({ task: { use: 'only-test' } }))).rejects.toThrow(
      /^task: 'only-test' has no 'train' problems to train on/,
    );
  });

  it('accepts an unbounded task and a configured accuracy reward', async () => {
    await expect(make(config())).resolves.toBeDefined();
  });
});
