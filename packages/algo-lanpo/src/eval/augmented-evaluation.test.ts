import { DEFAULT_CONTEXT_TEMPLATES, type WeightedReward } from '@trellis/core';
import { makeProblem } from '@trellis/core/testing';
import { describe, expect, it } from 'vitest';
import { abstractionOptions } from '../abstraction/abstraction-options';
import { ExperiencePool, poolOptions } from '../pool/experience-pool';
import { fakePolicy, scriptedFeedback } from '../test-support/fakes';
import { augmentedEvaluation } from './augmented-evaluation';

const a = makeProblem({ id: 't-a', question: '2+3*4', prompt: '2+3*4=?\n', answer: '14', split: 'test' });
const b = makeProblem({ id: 't-b', question: '9-2-3', prompt: '9-2-3=?\n', answer: '4', split: 'test' });
const accuracy: WeightedReward = {
  name: 'math-accuracy',
  weight: 1,
  timeoutMs: 1000,
  reward: { id: 'exact', score: ({ problem, rollout }) => ({ score: rollout.completionText === problem.answer ? 1 : 0 }) },
};
// Solves `a` always; solves `b` only when shown an earlier attempt; answers `20` otherwise.
const policy = () => fakePolicy((req) => (req.prompt.endsWith(a.prompt) ? '14' : req.prompt.includes('Attempt 1:') ? '4' : '20'));

function pool() {
  const p = new ExperiencePool(poolOptions.parse({}));
  p.add(
    makeProblem({ id: 'train-x', question: '5+6*7', prompt: '5+6*7=?\n', answer: '47' }),
    [{ text: '6*7=42\n5+42=47', reward: 1 }],
    1,
  );
  return p;
}

describe('augmentedEvaluation', () => {
  it('answers zero-shot, then again reflecting on that answer (plus principles): both accuracies', async () => {
    const { policy: pol, calls } = policy();
    const { service, seen } = scriptedFeedback(() => 0.95, 'Principles:\n- multiply first');
    const out = await augmentedEvaluation({
      policy: pol,
      problems: [a, b],
      accuracy,
      sampling: { temperature: 1, greedy: true, maxNewTokens: 8 },
      pool: pool(),
      feedback: service,
      abstraction: abstractionOptions.parse({}),
      templates: DEFAULT_CONTEXT_TEMPLATES,
    });
    expect(out.metrics).toEqual({
      'eval/accuracy': 0.5,
      'eval/accuracy_augmented': 1,
      'eval/problems': 2,
      'eval/augmented_principles': 1,
    });
    expect(calls[1]?.requests.map((r) => r.prompt)).toEqual([
      'Principles:\n- multiply first\nAttempt 1:\n14\nCheck each line of the attempt, keep what is right, then solve.\n2+3*4=?\n',
      'Principles:\n- multiply first\nAttempt 1:\n20\nCheck each line of the attempt, keep what is right, then solve.\n9-2-3=?\n',
    ]);
    expect(seen.map((r) => r.kind)).toEqual(['relevance', 'abstraction', 'relevance', 'abstraction']);
  });

  it('abstraction only shows no attempt; reflection only asks no feedback', async () => {
    const { service, seen } = scriptedFeedback(() => 0.95, 'Principles:\n- multiply first');
    const common = {
      problems: [b],
      accuracy,
      sampling: { temperature: 1, greedy: true, maxNewTokens: 8 },
      pool: pool(),
      feedback: service,
      abstraction: abstractionOptions.parse({}),
      templates: DEFAULT_CONTEXT_TEMPLATES,
    };
    const abs = policy();
    const onlyAbs = await augmentedEvaluation({ ...common, policy: abs.policy, mode: 'abstraction' });
    expect(abs.calls[1]?.requests[0]?.prompt).toBe('Principles:\n- multiply first\n9-2-3=?\n');
    expect(onlyAbs.metrics['eval/accuracy_augmented']).toBe(0);
    const before = seen.length;
    const refl = policy();
    const onlyRefl = await augmentedEvaluation({ ...common, policy: refl.policy, mode: 'reflection' });
    expect(seen.length).toBe(before);
    expect(onlyRefl.metrics['eval/accuracy_augmented']).toBe(1);
    expect(onlyRefl.metrics['eval/augmented_principles']).toBe(0);
  });
});

describe('LanpoRolloutStrategy.evaluator()', () => {
  it('evaluates over the strategy pool: zero-shot summary plus the augmented one', async () => {
    const { LanpoRolloutStrategy } = await import('../rollout/lanpo-rollout-strategy');
    const strategy = new LanpoRolloutStrategy({ augment: 'reflection' });
    const report = await strategy.evaluator().evaluate({
      policy: policy().policy,
      problems: [a, b],
      accuracy,
      samples: 1,
      sampling: { temperature: 1, greedy: true, maxNewTokens: 8 },
      feedback: scriptedFeedback(() => 1).service,
    });
    expect(report.metrics['eval/accuracy']).toBe(0.5);
    expect(report.metrics['eval/accuracy_augmented']).toBe(1);
    expect(report.extra?.augmented?.passAt1).toBe(1);
    const off = await new LanpoRolloutStrategy({ augment: 'off' }).evaluator().evaluate({
      policy: policy().policy,
      problems: [a, b],
      accuracy,
      samples: 1,
      sampling: { temperature: 1, greedy: true, maxNewTokens: 8 },
      feedback: scriptedFeedback(() => 1).service,
    });
    expect(off.metrics).toEqual({ 'eval/accuracy': 0.5, 'eval/problems': 2 });
  });
});
