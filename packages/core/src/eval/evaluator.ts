import type { FeedbackClient } from '../feedback/feedback-result';
import type { WeightedReward } from '../plugin/weighted-reward';
import type { Policy } from '../policy/policy';
import type { SamplingParams } from '../records/generation';
import type { Problem } from '../records/problem';
import type { EvaluationSummary } from '../trainer/evaluate';

/** What every evaluation is given, by the trainer's periodic eval and by `trellis eval` alike. */
export interface EvaluationInput {
  readonly policy: Policy;
  /** Held-out problems in a fixed order (`task.list(split, n)`). */
  readonly problems: readonly Problem[];
  /** The reward whose score (> 0.5) means correct (`trainer.accuracyReward`). */
  readonly accuracy: WeightedReward;
  /** Samples per problem (k); the trainer uses 1. */
  readonly samples: number;
  /** Sampling of the answers (`greedy: true` for the trainer's pass@1). */
  readonly sampling: SamplingParams;
  /** The guarded feedback service (evaluators that build contexts ask it for feedback). */
  readonly feedback: FeedbackClient;
  /** Called with (done, total) problems as the evaluation advances. */
  readonly onProgress?: (done: number, total: number) => void;
}

/** An evaluation's outcome. */
export interface EvaluationReport {
  /** The plain (zero-shot) evaluation: pass@1, pass@k, maj@k and per-problem results. */
  readonly summary: EvaluationSummary;
  /**
   * Numbers for the `eval` metrics record and the printed result: always `eval/accuracy` (the
   * zero-shot pass@1) and `eval/problems`; an evaluator adds its own, e.g.
   * `eval/accuracy_augmented`.
   */
  readonly metrics: Readonly<Record<string, number>>;
  /** Further summaries by name (e.g. `augmented`), for per-problem output. */
  readonly extra?: Readonly<Record<string, EvaluationSummary>>;
}

/**
 * How a policy is evaluated on held-out problems. The default (`PlainEvaluator`) answers each
 * problem k times from its prompt; an algorithm may bring its own (LANPO answers again with
 * feedback-augmented contexts built from its experience pool).
 */
export interface Evaluator {
  readonly id: string;
  evaluate(input: EvaluationInput): Promise<EvaluationReport>;
}

/** Something (e.g. a rollout strategy holding an experience pool) that supplies its evaluator. */
export interface EvaluatorSource {
  evaluator(): Evaluator;
}

/** Whether `value` supplies an evaluator (see {@link EvaluatorSource}). */
export function isEvaluatorSource(value: unknown): value is EvaluatorSource {
  return typeof value === 'object' && value !== null && typeof (value as EvaluatorSource).evaluator === 'function';
}
