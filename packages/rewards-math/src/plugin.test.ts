import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { composeContainer, getContributions, Tokens, type WeightedReward } from '@trellis/core';
import { describe, expect, it } from 'vitest';
import { ArithmeticTask } from './arithmetic/arithmetic-task';
import { MathVerifierFeedback } from './feedback/math-verifier-feedback';
import plugin, { rewardsMathCatalog } from './index';
import { JsonlTask } from './jsonl/jsonl-task';
import { FormatReward } from './rewards/format-reward';
import { MathAccuracyReward } from './rewards/math-accuracy-reward';

const compose = (config: Record<string, unknown>) => composeContainer(config, { manifests: [plugin], loadBuiltins: false });

describe('rewards-math plugin', () => {
  it('declares exactly the catalog it binds', () => {
    const declared = Object.entries(plugin.provides).flatMap(([slot, ids]) => (ids ?? []).map((id) => `${slot}:${id}`));
    expect(declared.sort()).toEqual(rewardsMathCatalog.map((e) => `${e.slot}:${e.id}`).sort());
  });

  it('builds the arithmetic task, both rewards and the verifier with validated options', async () => {
    const { config, container } = await compose({
      task: { use: 'arithmetic', options: { maxSteps: 4 } },
      rewards: [{ use: 'math-accuracy' }, { use: 'format', weight: 0.2, options: { boxedAtEnd: true } }],
      feedback: [{ use: 'math-verifier' }],
    });
    expect(config.task?.options).toMatchObject({ minSteps: 2, maxSteps: 4, operators: ['+', '-', '*'] });
    const task = await container.getAsync(Tokens.TaskSource);
    expect(task).toBeInstanceOf(ArithmeticTask);
    expect((task as ArithmeticTask).options.maxSteps).toBe(4);
    const rewards = await getContributions<WeightedReward>(container, Tokens.WeightedReward);
    expect(rewards.map((r) => [r.name, r.weight])).toEqual([
      ['math-accuracy', 1],
      ['format', 0.2],
    ]);
    expect(rewards[0]?.reward).toBeInstanceOf(MathAccuracyReward);
    expect(rewards[1]?.reward).toBeInstanceOf(FormatReward);
    expect((rewards[1]?.reward as FormatReward | undefined)?.options.boxedAtEnd).toBe(true);
    const feedback = await getContributions(container, Tokens.FeedbackProvider);
    expect(feedback[0]).toBeInstanceOf(MathVerifierFeedback);
  });

  it('loads the jsonl task through init()', async () => {
    const path = join(tmpdir(), `rewards-math-plugin-${process.pid}.jsonl`);
    writeFileSync(path, `${JSON.stringify({ problem: 'P', solution: '\\boxed{1}', answer: '1' })}\n`);
    const { container } = await compose({ task: { use: 'jsonl', options: { path, preset: 'math', split: 'test' } } });
    const task = await container.getAsync(Tokens.TaskSource);
    expect(task).toBeInstanceOf(JsonlTask);
    expect(task.size('test')).toBe(1);
  });

  it('rejects bad options', async () => {
    await expect(compose({ task: { use: 'arithmetic', options: { minSteps: 3, maxSteps: 2 } } })).rejects.toThrow();
    await expect(compose({ rewards: [{ use: 'format', options: { boxed: 'two' } }] })).rejects.toThrow();
  });
});
