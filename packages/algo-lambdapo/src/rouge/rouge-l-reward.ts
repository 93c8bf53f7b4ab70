import { inject, injectable, type Reward, type RewardInput, type RewardOutput, Tokens } from '@trellis/core';
import { mathWordTokens } from './math-word-tokens';
import { reasoningPart } from './reasoning-part';
import type { RougeLOptions } from './rouge-l-options';
import { rougeL } from './rouge-l-score';

/**
 * `rouge-l`: "semantic density" reward, the ROUGE-L F-beta between the reasoning part of the
 * completion and the problem's reference solution (`problem.solution`), over `mathWordTokens`.
 * Score in [0, 1]. Without a reference (or one with no tokens) the score is 0 and
 * `missing_reference` is 1. Components: `precision`, `recall`, `f`, `missing_reference`,
 * `truncated` (1 when a token cap cut either side).
 */
@injectable()
export class RougeLReward implements Reward {
  readonly id = 'rouge-l';
  private readonly pattern: RegExp;

  constructor(@inject(Tokens.ChoiceOptions) private readonly options: RougeLOptions) {
    this.pattern = new RegExp(options.answerPattern, 'gm');
  }

  score({ problem, rollout }: RewardInput): RewardOutput {
    const o = this.options;
    const reference = mathWordTokens(
      reasoningPart(problem.solution ?? '', o.referencePart === 'whole' ? null : this.pattern),
      o.maxReferenceTokens,
    );
    if (reference.tokens.length === 0) {
      return { score: 0, components: { precision: 0, recall: 0, f: 0, missing_reference: 1, truncated: 0 } };
    }
    const completion = mathWordTokens(
      reasoningPart(rollout.completionText, o.completionPart === 'whole' ? null : this.pattern),
      o.maxCompletionTokens,
    );
    const { precision, recall, f } = rougeL(completion.tokens, reference.tokens, o.beta);
    const truncated = completion.truncated || reference.truncated ? 1 : 0;
    return { score: f, components: { precision, recall, f, missing_reference: 0, truncated } };
  }
}
