import {
  type ContextTemplates,
  type EvaluationInput,
  type EvaluationReport,
  type Evaluator,
  PlainEvaluator,
} from '@trellis/core';
import type { AbstractionOptions } from '../abstraction/abstraction-options';
import type { ExperiencePool } from '../pool/experience-pool';
import { type AugmentMode, augmentedEvaluation } from './augmented-evaluation';

/**
 * LANPO's evaluator (core `Evaluator`), supplied by `LanpoRolloutStrategy.evaluator()`:
 * zero-shot answers (`eval/accuracy`), then feedback-augmented ones (`eval/accuracy_augmented`)
 * from the strategy's current pool; with `augment: off` a plain zero-shot evaluation.
 */
export class LanpoEvaluator implements Evaluator {
  readonly id = 'lanpo-augmented';

  constructor(
    private readonly pool: () => ExperiencePool,
    private readonly options: {
      readonly augment: AugmentMode | 'off';
      readonly abstraction: AbstractionOptions;
      readonly templates: ContextTemplates;
    },
  ) {}

  async evaluate(input: EvaluationInput): Promise<EvaluationReport> {
    const { augment } = this.options;
    if (augment === 'off') return new PlainEvaluator().evaluate(input);
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
