import { evaluatePolicy } from '../trainer/evaluate';
import { type EvaluationInput, type EvaluationReport, type Evaluator, isEvaluatorSource } from './evaluator';

/** The default evaluation: `samples` answers per problem from its own prompt, graded by the accuracy reward. */
export class PlainEvaluator implements Evaluator {
  readonly id = 'plain';

  async evaluate(input: EvaluationInput): Promise<EvaluationReport> {
    const summary = await evaluatePolicy(input.policy, input.problems, {
      accuracy: input.accuracy,
      samples: input.samples,
      sampling: input.sampling,
      ...(input.onProgress ? { onProgress: input.onProgress } : {}),
    });
    return { summary, metrics: { 'eval/accuracy': summary.passAt1, 'eval/problems': summary.problems } };
  }
}

/**
 * The evaluator a run uses: the one its rollout strategy supplies (an `EvaluatorSource`, e.g.
 * LANPO's feedback-augmented evaluator over its pool), else the `PlainEvaluator`.
 */
export function evaluatorOf(strategy: unknown): Evaluator {
  return isEvaluatorSource(strategy) ? strategy.evaluator() : new PlainEvaluator();
}
