import {
  type ContextTemplates,
  type EvaluationSummary,
  evaluatePolicy,
  type FeedbackClient,
  type Policy,
  type Problem,
  type SamplingParams,
  type WeightedReward,
} from '@trellis/core';
import type { AbstractionOptions } from '../abstraction/abstraction-options';
import type { ExperiencePool } from '../pool/experience-pool';
import { type AugmentMode, augmentedEvaluation } from './augmented-evaluation';

/**
 * The inputs of an evaluation (structurally core's `EvaluationInput`, from
 * `packages/core/src/eval/evaluator.ts`).
 */
export interface LanpoEvaluationInput {
  readonly policy: Policy;
  readonly problems: readonly Problem[];
  readonly accuracy: WeightedReward;
  readonly samples: number;
  readonly sampling: SamplingParams;
  readonly feedback: FeedbackClient;
  readonly onProgress?: (done: number, total: number) => void;
}

/** Structurally core's `EvaluationReport`. */
export interface LanpoEvaluationReport {
  readonly summary: EvaluationSummary;
  readonly metrics: Readonly<Record<string, number>>;
  readonly extra?: Readonly<Record<string, EvaluationSummary>>;
}

/**
 * LANPO's evaluator (structurally core's `Evaluator`), supplied by `LanpoRolloutStrategy.evaluator()`:
 * zero-shot answers (`eval/accuracy`), then feedback-augmented ones (`eval/accuracy_augmented`)
 * from the strategy's current pool; with `augment: off` a plain zero-shot evaluation.
 */
export class LanpoEvaluator {
  readonly id = 'lanpo-augmented';

  constructor(
    private readonly pool: () => ExperiencePool,
    private readonly options: {
      readonly augment: AugmentMode | 'off';
      readonly abstraction: AbstractionOptions;
      readonly templates: ContextTemplates;
    },
  ) {}

  async evaluate(input: LanpoEvaluationInput): Promise<LanpoEvaluationReport> {
    const { augment } = this.options;
    if (augment === 'off') {
      const summary = await evaluatePolicy(input.policy, input.problems, {
        accuracy: input.accuracy,
        samples: input.samples,
        sampling: input.sampling,
        ...(input.onProgress ? { onProgress: input.onProgress } : {}),
      });
      return { summary, metrics: { 'eval/accuracy': summary.passAt1, 'eval/problems': summary.problems } };
    }
    const out = await augmentedEvaluation({
      ...input,
      pool: this.pool(),
      abstraction: this.options.abstraction,
      templates: this.options.templates,
      mode: augment,
    });
    return { summary: out.zeroShot, metrics: out.metrics, extra: { augmented: out.augmented } };
  }
}
