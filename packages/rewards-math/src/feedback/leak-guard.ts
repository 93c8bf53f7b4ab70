import { REDACTED } from '@trellis/core';
import { MathAnswerLeakGuard } from './math-answer-leak-guard';

/** What replaces a redacted gold-answer span (core's `REDACTED`). */
export const REDACTION = REDACTED;

/** Result of {@link guardLeak}. */
export interface GuardResult {
  readonly text: string;
  /** Number of spans replaced by REDACTION. */
  readonly redactions: number;
}

const guard = new MathAnswerLeakGuard();

/**
 * Whether `text` contains the gold answer in any equivalent form (the `math-answer` guard's
 * rules: number tokens of equal absolute value, fractions, boxes, percent, number words, ...).
 */
export function containsGold(text: string, gold: string): boolean {
  return guardLeak(text, gold).redactions > 0;
}

/** Replace every occurrence of the gold answer in `text` by REDACTION and count them (`math-answer` rules). */
export function guardLeak(text: string, gold: string): GuardResult {
  const r = guard.scan(text, [gold]);
  return { text: r.text, redactions: r.leaks };
}
