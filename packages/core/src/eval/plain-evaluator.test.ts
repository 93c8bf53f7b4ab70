import { describe, expect, it } from 'vitest';
import { FeedbackService } from '../feedback/feedback-service';
import type { WeightedReward } from '../plugin/weighted-reward';
import type { Policy } from '../policy/policy';
import type { GenerationRequest, GenerationResult } from '../records/generation';
import { makeProblem } from '../testing/fixtures';
import type { EvaluationInput, Evaluator } from './evaluator';
import { evaluatorOf, PlainEvaluator } from './plain-evaluator';

const policy = {
  async generate(requests: readonly GenerationRequest[]): Promise<GenerationResult[]> {
    return requests.map((r) => ({
      promptIds: [1],
      completionIds: [2],
      text: r.prompt.startsWith('a') ? '5' : '6',
      logProbs: [-1],
      prefillLength: 0,
      temperature: 1,
      finishReason: 'eos',
    }));
  },
} as unknown as Policy;
const accuracy: WeightedReward = {
  name: 'math-accuracy',
  weight: 1,
  timeoutMs: 1000,
  reward: { id: 'exact', score: ({ problem, rollout }) => ({ score: rollout.completionText === problem.answer ? 1 : 0 }) },
};
const input: EvaluationInput = {
  policy,
  problems: [makeProblem({ id: 'a', prompt: 'a?' }), makeProblem({ id: 'b', prompt: 'b?' })],
  accuracy,
  samples: 1,
  sampling: { temperature: 1, greedy: true, maxNewTokens: 4 },
  feedback: new FeedbackService([]),
};

describe('PlainEvaluator / evaluatorOf', () => {
  it('grades one answer per problem and reports eval/accuracy and eval/problems', async () => {
    const report = await new PlainEvaluator().evaluate(input);
    expect(report.metrics).toEqual({ 'eval/accuracy': 0.5, 'eval/problems': 2 });
    expect(report.summary.results.map((r) => r.correct)).toEqual([[true], [false]]);
  });

  it('uses the evaluator a strategy supplies, else the plain one', () => {
    const own: Evaluator = { id: 'own', evaluate: async () => ({ summary: undefined as never, metrics: {} }) };
    expect(evaluatorOf({ id: 'lanpo', evaluator: () => own })).toBe(own);
    expect(evaluatorOf({ id: 'groups' }).id).toBe('plain');
    expect(evaluatorOf(undefined).id).toBe('plain');
  });
});
