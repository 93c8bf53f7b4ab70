import { describe, expect, it } from 'vitest';
import { configDiff, flattenConfig } from './config-diff';

describe('flattenConfig', () => {
  it('flattens to --set key paths, lists by index, empty containers as leaves', () => {
    const flat = flattenConfig({
      name: 'a',
      trainer: { steps: 5, sampling: { stop: [] } },
      rewards: [{ use: 'acc', weight: 1 }],
      rollout: { options: {} },
    });
    expect([...flat.entries()]).toEqual([
      ['name', 'a'],
      ['trainer.steps', 5],
      ['trainer.sampling.stop', []],
      ['rewards.0.use', 'acc'],
      ['rewards.0.weight', 1],
      ['rollout.options', {}],
    ]);
  });
});

describe('configDiff', () => {
  it('lists the keys whose values differ across arms, leaving out seed', () => {
    const base = { name: 'exp', seed: 1, trainer: { steps: 50, learningRate: 0.001 }, rewards: [{ use: 'acc' }] };
    const other = {
      name: 'exp',
      seed: 2,
      trainer: { steps: 50, learningRate: 0.01 },
      rewards: [{ use: 'acc' }, { use: 'format' }],
    };
    expect(configDiff([[base, { ...base, seed: 7 }], [other]])).toEqual([
      { key: 'trainer.learningRate', values: ['0.001', '0.01'] },
      { key: 'rewards.1.use', values: ['(unset)', 'format'] },
    ]);
  });

  it('shows the values of an arm whose runs disagree', () => {
    const a = { seed: 1, lr: 1 };
    expect(configDiff([[a, { ...a, lr: 2 }], [a]])).toEqual([{ key: 'lr', values: ['1 | 2', '1'] }]);
  });

  it('is empty for one arm or equal arms', () => {
    expect(configDiff([[{ a: 1, seed: 1 }]])).toEqual([]);
    expect(configDiff([[{ a: { b: [1] }, seed: 1 }], [{ a: { b: [1] }, seed: 2 }]])).toEqual([]);
  });
});
