import { lastAnswerIs } from './answer-is';
import { finalBoxes, type MultipleBoxes } from './boxed';
import { type ExtractedAnswer, NO_ANSWER, spanAnswer } from './extracted-answer';
import { lastNumber } from './last-number';
import { lastMathSpan } from './math-span';

export type { MultipleBoxes } from './boxed';
export { countBoxed } from './boxed';
export type { AnswerSource, ExtractedAnswer } from './extracted-answer';

/** Options of {@link extractAnswer}. Every layer is on by default. */
export interface ExtractOptions {
  /** Look for the final `\boxed{...}` / `\fbox{...}` / `\framebox{...}` (and `\boxed 5`). Default true. */
  readonly boxed?: boolean;
  /** Several boxes in the final sentence: one set `\{a, b\}` (default), a tuple `(a, b)`, or the last box only. */
  readonly multipleBoxes?: MultipleBoxes;
  /** Look for GSM8K's `#### 42` (the last one). Default true. */
  readonly gsm8k?: boolean;
  /** Look for "The (final) answer is ..." / "Answer: ..." (the last one). Default true. */
  readonly answerIs?: boolean;
  /**
   * What to do when nothing above matched: `last-number` (default) reads the last math span in
   * prose (unless `lastMath` is false), then the last number standing on its own; `none` reports
   * no answer (no guessing).
   */
  readonly fallback?: 'last-number' | 'none';
  /** With `fallback: 'last-number'`, read the last `$...$` / `\(...\)` / `\[...\]` span or matrix first. Default true. */
  readonly lastMath?: boolean;
}

function lastGsm8k(text: string): ExtractedAnswer {
  const at = text.lastIndexOf('####');
  if (at < 0) return NO_ANSWER;
  let end = text.indexOf('\n', at);
  if (end < 0) end = text.length;
  return spanAnswer(text, at + 4, end, 'gsm8k');
}

/**
 * Extract the final answer from a model completion or reference solution. Priority:
 * 1. `boxed`: the last well-formed box (brace counting; `\fbox`, `\framebox`, `\boxed 5`), joined
 *    with the boxes just before it in the same sentence into a set or tuple (`multipleBoxes`);
 * 2. `gsm8k`: the last `#### x` line;
 * 3. `answerIs`: the last "answer is ..." / "Answer: ..." sentence, searched inside for its math;
 * 4. `fallback: 'last-number'`: the last math span in prose (`$...$`, `$$...$$`, `\(...\)`,
 *    `\[...\]`, or a matrix environment outside them; `lastMath`), then the last number that is
 *    not part of a word (`AB4C` holds none).
 * Linear in the input length.
 */
export function extractAnswer(text: string, options: ExtractOptions = {}): ExtractedAnswer {
  if (options.boxed ?? true) {
    const got = finalBoxes(text, options.multipleBoxes ?? 'set');
    if (got.found) return got;
  }
  if (options.gsm8k ?? true) {
    const got = lastGsm8k(text);
    if (got.found) return got;
  }
  if (options.answerIs ?? true) {
    const got = lastAnswerIs(text);
    if (got.found) return got;
  }
  if ((options.fallback ?? 'last-number') === 'none') return NO_ANSWER;
  if (options.lastMath ?? true) {
    const got = lastMathSpan(text);
    if (got.found) return got;
  }
  return lastNumber(text);
}
