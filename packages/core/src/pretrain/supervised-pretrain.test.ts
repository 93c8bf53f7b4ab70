import '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { pretrainSchema } from '../config/pretrain-config';
import type { Problem, Split } from '../records/problem';
import { Rng } from '../rng/rng';
import type { SupervisedExample, TaskSource } from '../task/task-source';
import { BigramPolicy, TinyTokenizer } from '../trainer/test-support/bigram-policy';
import { encodeSupervised, type PretrainStep, pretrainBatch, supervisedPretrain } from './supervised-pretrain';

const tokenizer = new TinyTokenizer('ab+=?\n<>');
const problem = (i: number): Problem => ({
  id: `p${i}`,
  prompt: 'a+b=?\n',
  question: 'a+b',
  answer: 'b',
  solution: 'ab',
  split: 'train',
});

/** A task with two formats: a short one and one whose context never fits a 64-token policy. */
class FormatsTask implements TaskSource {
  readonly id = 'formats';
  size(_split: Split): number | undefined {
    return undefined;
  }
  sample(_split: Split, n: number): Problem[] {
    return Array.from({ length: n }, (_, i) => problem(i));
  }
  list(_split: Split, limit = 4): Problem[] {
    return this.sample('test', limit);
  }
  supervised(_split: Split, n: number, _rng: Rng): SupervisedExample[] {
    return Array.from({ length: n }, (_, i) => {
      const long = i % 3 === 0;
      return {
        problemId: `p${i}`,
        format: long ? 'long' : 'short',
        prompt: long ? `${'<>'.repeat(40)}a+b=?\n` : 'a+b=?\n',
        target: 'ab',
      };
    });
  }
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('supervised pretraining on task formats', () => {
  it('encodes BOS + prompt and target + EOS, and refuses (undefined) what does not fit instead of cutting it', () => {
    const policy = new BigramPolicy(tokenizer, 1);
    expect(encodeSupervised(policy, 'a+b=?\n', 'ab')).toEqual({ promptIds: [1, 3, 5, 4, 6, 7, 8], completionIds: [3, 4, 2] });
    // 62 prompt ids + 3 completion ids - 1 = 64 positions: fits exactly; one more does not.
    expect(encodeSupervised(policy, 'a'.repeat(61), 'ab')).toBeDefined();
    expect(encodeSupervised(policy, 'a'.repeat(62), 'ab')).toBeUndefined();
    policy.dispose();
  });

  it("uses the task's formats, counts them and the examples dropped for not fitting; numTensors stays flat", async () => {
    const policy = new BigramPolicy(tokenizer, 2);
    const steps: PretrainStep[] = [];
    const tensors: number[] = [];
    const config = pretrainSchema.parse({ steps: 12, batchSize: 8, warmupSteps: 0, evalEvery: 0 });
    await supervisedPretrain(policy, new FormatsTask(), config, Rng.fromSeed(1), {
      onStep: (s) => {
        steps.push(s);
        tensors.push(tf.memory().numTensors);
      },
    });
    for (const s of steps) {
      const trained = Object.values(s.formats).reduce((a, n) => a + n, 0);
      expect(trained + s.overflow).toBe(8);
      expect(Object.keys(s.formats).every((f) => f === 'short')).toBe(true);
      expect(s.tokens).toBe(trained * 3);
    }
    expect(steps.every((s) => s.overflow === 3)).toBe(true);
    expect(new Set(tensors.slice(2)).size).toBe(1);
    policy.dispose();
  });

  it('fails with a clear message when no example of a batch fits', async () => {
    const policy = new BigramPolicy(tokenizer, 3);
    const task = new FormatsTask();
    task.supervised = (_s, n) =>
      Array.from({ length: n }, () => ({ problemId: 'x', format: 'long', prompt: 'a'.repeat(100), target: 'b' }));
    await expect(
      supervisedPretrain(policy, task, pretrainSchema.parse({ steps: 1, batchSize: 2 }), Rng.fromSeed(1)),
    ).rejects.toThrow(/none of the 2 examples fits the 64-token context; raise policy\.options\.model\.maxContext/);
    policy.dispose();
  });

  it("without `supervised`, trains on each sampled problem's prompt and solution", () => {
    const task: TaskSource = {
      id: 't',
      size: () => undefined,
      sample: (_s, n) => Array.from({ length: n }, (_, i) => problem(i)),
      list: () => [],
    };
    expect(pretrainBatch(task, 2, Rng.fromSeed(1))).toEqual([
      { problemId: 'p0', format: 'plain', prompt: 'a+b=?\n', target: 'ab' },
      { problemId: 'p1', format: 'plain', prompt: 'a+b=?\n', target: 'ab' },
    ]);
  });
});
