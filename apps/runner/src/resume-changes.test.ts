import { ConfigError } from '@trellis/core';
import { describe, expect, it } from 'vitest';
import { checkResumable, checkResumableSets, configChanges, describeChanges, isResumable } from './commands/resume-changes';

describe('config changes on --resume', () => {
  const before = {
    name: 'r',
    seed: 1,
    policy: { use: 'transformer', options: { backend: 'wasm', model: { dModel: 32 } } },
    rewards: [{ use: 'acc', weight: 1 }],
    trainer: { steps: 6, groupSize: 4, learningRate: 0.001, sampling: { stop: [] as string[] } },
  };

  it('lists leaf changes as --set key paths, lists of another length as a whole', () => {
    const after = structuredClone(before);
    after.trainer.steps = 8;
    after.policy.options.backend = 'cpu';
    after.rewards[0] = { use: 'acc', weight: 0.5 };
    after.trainer.sampling.stop = ['\n'];
    expect(configChanges(before, after)).toEqual([
      { key: 'policy.options.backend', from: 'wasm', to: 'cpu' },
      { key: 'rewards.0.weight', from: 1, to: 0.5 },
      { key: 'trainer.steps', from: 6, to: 8 },
      { key: 'trainer.sampling.stop', from: [], to: ['\n'] },
    ]);
    expect(configChanges(before, structuredClone(before))).toEqual([]);
    expect(describeChanges([{ key: 'trainer.steps', from: 6, to: 8 }])).toBe('trainer.steps 6 -> 8');
  });

  it('allows bookkeeping, execution settings and the learning rate; refuses what makes it another run', () => {
    for (const key of [
      'trainer.steps',
      'trainer.learningRate',
      'trainer.evalEvery',
      'trainer.checkpointEvery',
      'policy.options.backend',
      'feedback.1.timeoutMs',
      'metrics.0.options.path',
      'metrics',
    ]) {
      expect(isResumable(key), key).toBe(true);
    }
    for (const key of [
      'seed',
      'policy.use',
      'policy.options.checkpoint',
      'policy.options.model.dModel',
      'policy.options.tokenizer.alphabet',
      'task.use',
      'advantage.use',
      'objective.options.kl.coef',
      'rewards.0.weight',
      'rewards',
      'trainer.groupSize',
      'trainer.problemsPerStep',
      'trainer.evalProblems',
      'trainer.sampling.temperature',
      'plugins',
      'feedback.0.options.model',
    ]) {
      expect(isResumable(key), key).toBe(false);
    }
  });

  it('a refused change is a ConfigError naming the key, both values and the --set', () => {
    expect(() => checkResumable([{ key: 'trainer.steps', from: 6, to: 8 }], ['trainer.steps=8'])).not.toThrow();
    let err: unknown;
    try {
      checkResumable(
        [
          { key: 'trainer.steps', from: 6, to: 8 },
          { key: 'trainer.groupSize', from: 4, to: 2 },
        ],
        ['trainer.steps=8', 'trainer.groupSize=2'],
      );
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).exitCode).toBe(2);
    expect((err as Error).message).toMatch(
      /^--set trainer\.groupSize=2: trainer\.groupSize 4 -> 2: this key cannot change on --resume .*--resume may change: name, trainer\.steps, /,
    );
    expect((err as Error).message).not.toMatch(/trainer\.steps 6 -> 8/);
  });

  it('a --set on a refused key is refused before composing; one to the same value, or above resumable keys, is not', () => {
    const saved = { advantage: { use: 'grpo' }, trainer: { steps: 6, groupSize: 4 } };
    expect(() => checkResumableSets(['advantage.use=rloo'], saved)).toThrow(
      /^--set advantage\.use=rloo: advantage\.use "grpo" -> "rloo": this key cannot change on --resume/,
    );
    expect(() =>
      checkResumableSets(['trainer.groupSize=4', 'trainer.steps=8', 'trainer={steps: 8}', 'policy.options={}'], saved),
    ).not.toThrow();
  });
});
