import { inject, injectable, type Reward, type RewardInput, type RewardOutput, Tokens, z } from '@trellis/core';
import { extractAnswer } from '../extract/extract-answer';
import { DEFAULT_GRADE_TIMEOUT_MS, DEFAULT_MAX_ANSWER_LENGTH, DEFAULT_REL_TOL, gradeAnswer } from '../grade/grade-answer';
import { compactAnswer } from '../normalize/normalize-answer';

/** Options of the `math-accuracy` reward. */
export const mathAccuracyOptions = z
  .object({
    /** Budget for one comparison, ms (see `gradeAnswer`). */
    timeoutMs: z.number().positive().default(DEFAULT_GRADE_TIMEOUT_MS),
    /** Relative tolerance of numeric comparisons. */
    relTol: z.number().min(0).default(DEFAULT_REL_TOL),
    /** Longest extracted answer graded, characters. */
    maxAnswerLength: z.number().int().positive().default(DEFAULT_MAX_ANSWER_LENGTH),
    /** Look for the last `\boxed{}` / `\fbox{}`. */
    boxed: z.boolean().default(true),
    /** Look for GSM8K `#### x`. */
    gsm8k: z.boolean().default(true),
    /** Look for "The answer is x" / "Answer: x". */
    answerIs: z.boolean().default(true),
    /** When nothing above matched: grade the last number, or score 0. */
    fallback: z.enum(['last-number', 'none']).default('last-number'),
  })
  .strict();

export type MathAccuracyOptions = z.output<typeof mathAccuracyOptions>;

const METHODS = ['string', 'numeric', 'symbolic', 'structural', 'choice'] as const;

/**
 * 1 when the answer extracted from the completion is equivalent to the gold answer, else 0
 * (catalog id `math-accuracy`). Components: `has_answer` (an answer was extracted), `boxed`
 * (it came from a box), `timed_out` (grading ran out of time), and `method_<layer>` (1 for the
 * layer that accepted a correct answer).
 */
@injectable()
export class MathAccuracyReward implements Reward {
  readonly id = 'math-accuracy';
  readonly options: MathAccuracyOptions;

  constructor(@inject(Tokens.ChoiceOptions) options: Partial<MathAccuracyOptions> = {}) {
    this.options = mathAccuracyOptions.parse(options ?? {});
  }

  score({ problem, rollout }: RewardInput): RewardOutput {
    const o = this.options;
    const ex = extractAnswer(rollout.completionText, {
      boxed: o.boxed,
      gsm8k: o.gsm8k,
      answerIs: o.answerIs,
      fallback: o.fallback,
    });
    const components: Record<string, number> = {
      has_answer: ex.found ? 1 : 0,
      boxed: ex.found && ex.source === 'boxed' ? 1 : 0,
      timed_out: 0,
    };
    for (const m of METHODS) components[`method_${m}`] = 0;
    if (!ex.found) return { score: 0, components };
    const verdict = gradeAnswer(problem.answer, ex.answer, {
      timeoutMs: o.timeoutMs,
      relTol: o.relTol,
      maxLength: o.maxAnswerLength,
    });
    components.timed_out = verdict.timedOut ? 1 : 0;
    if (verdict.correct && verdict.method !== 'none') components[`method_${verdict.method}`] = 1;
    return { score: verdict.correct ? 1 : 0, components, answer: compactAnswer(ex.answer) };
  }
}
