/**
 * Pretraining prompt formats of the `arithmetic` task (option `pretrainFormats`). The target is
 * always the problem's reference solution; no context ever carries a verdict, a reward or the
 * gold answer (a correct earlier attempt shows its own result, unlabelled, like a wrong one).
 * - `plain`: the problem's prompt alone;
 * - `attempt`: one earlier attempt (corrupted with probability `corruptedAttempts`, else correct);
 * - `attempts`: two earlier attempts, each drawn the same way;
 * - `attempt-other`: an attempt at *another* problem (to be ignored);
 * - `feedback-prose` / `feedback-compact`: a `<feedback>` block with the `math-verifier` critique
 *   (prose `Issue:` / `Fix steps:`, or one compact hint) of a corrupted attempt;
 * - `principles-relevant`: principles abstracted from two other problems of the same shape
 *   (operators and parentheses); `principles-irrelevant`: from problems of another shape;
 * - `turn-first`: the multi-turn prompt; the target begins with an empty `<feedback>` block;
 * - `turn-regen`: the multi-turn prompt with the block prefilled by a critique (prose or
 *   compact, equally often) of a corrupted attempt.
 */
export const ARITHMETIC_FORMATS = [
  'plain',
  'attempt',
  'attempts',
  'attempt-other',
  'feedback-prose',
  'feedback-compact',
  'principles-relevant',
  'principles-irrelevant',
  'turn-first',
  'turn-regen',
] as const;

export type ArithmeticFormat = (typeof ARITHMETIC_FORMATS)[number];
