import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CORE_API_VERSION,
  catalogModule,
  composeContainer,
  definePlugin,
  getContributions,
  injectable,
  type LeakGuard,
  type Tokenizer,
  Tokens,
  type WeightedReward,
} from '@trellis/core';
import { describe, expect, it } from 'vitest';
import { ARITHMETIC_ALPHABET } from './arithmetic/arithmetic-alphabet';
import { ArithmeticTask } from './arithmetic/arithmetic-task';
import { MathAnswerLeakGuard } from './feedback/math-answer-leak-guard';
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

  it('math tasks preset the math-answer leak guard, and the feedback service runs it', async () => {
    const { config, container } = await compose({ task: { use: 'arithmetic' }, feedback: [{ use: 'math-verifier' }] });
    expect(config.leakGuards.map((g) => g.use)).toEqual(['math-answer']);
    const guards = await getContributions<LeakGuard>(container, Tokens.LeakGuard);
    expect(guards).toHaveLength(1);
    expect(guards[0]).toBeInstanceOf(MathAnswerLeakGuard);
    const service = await container.getAsync(Tokens.FeedbackService);
    const out = await service.request({
      kind: 'critique',
      problem: { id: 'p', question: 'Ann has 4 boxes of 6 pens and 6 more. She shares them. How many before sharing?' },
      attempts: [{ text: '4*6=24\n24+6=31\n31/2=15.5\n#### 15.5' }],
      guard: { answers: ['30'] },
    });
    expect(out.ok && out.leaks).toBe(2);
    expect(out.ok && out.feedback.text).not.toMatch(/30/);
    const jsonl = join(tmpdir(), `rewards-math-preset-${process.pid}.jsonl`);
    writeFileSync(jsonl, `${JSON.stringify({ question: 'Q', answer: '1' })}\n`);
    const fromJsonl = await compose({ task: { use: 'jsonl', options: { path: jsonl } }, leakGuards: [{ use: 'math-answer' }] });
    expect(fromJsonl.config.leakGuards.map((g) => g.use)).toEqual(['math-answer']);
    expect((await compose({ task: { use: 'jsonl', options: { path: jsonl } } })).config.leakGuards.map((g) => g.use)).toEqual([
      'math-answer',
    ]);
    expect((await compose({})).config.leakGuards).toEqual([]);
  });

  it("the verifier's compact alphabet defaults to the policy tokenizer's characters", async () => {
    const tokenizer: Tokenizer = {
      vocabSize: ARITHMETIC_ALPHABET.length + 1,
      bosId: undefined,
      eosId: 0,
      padId: 0,
      encode: (text) => [...text].map((ch) => ARITHMETIC_ALPHABET.indexOf(ch) + 1),
      decode: (ids) => ids.map((id) => (id > 0 ? (ARITHMETIC_ALPHABET[id - 1] ?? '') : '?')).join(''),
      toJSON: () => ({}),
    };
    @injectable()
    class FakePolicy {
      readonly tokenizer = tokenizer;
    }
    const fake = definePlugin({
      id: 'fake-policy',
      packageName: 'fake-policy',
      version: '0.0.0',
      coreApi: CORE_API_VERSION,
      provides: { policy: ['fake'] },
      createModule: () => catalogModule([{ slot: 'policy', id: 'fake', description: 'test', service: FakePolicy }]),
    });
    const { container } = await composeContainer(
      { policy: { use: 'fake' }, feedback: [{ use: 'math-verifier', options: { format: 'compact' } }] },
      { manifests: [plugin, fake], loadBuiltins: false },
    );
    const [verifier] = (await getContributions(container, Tokens.FeedbackProvider)) as MathVerifierFeedback[];
    expect(verifier?.alphabet).toBe(ARITHMETIC_ALPHABET);
    const out = await verifier?.provide({
      kind: 'critique',
      problem: { id: 'p', question: '4+6*8' },
      attempts: [{ text: '6*8=46' }],
    });
    expect(out?.text).toBe('6*8=48');
  });

  it('rejects bad options', async () => {
    await expect(compose({ task: { use: 'arithmetic', options: { minSteps: 3, maxSteps: 2 } } })).rejects.toThrow();
    await expect(compose({ rewards: [{ use: 'format', options: { boxed: 'two' } }] })).rejects.toThrow();
  });
});
