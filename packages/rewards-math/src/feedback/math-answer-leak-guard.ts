import { injectable, type LeakGuard, type LeakScan, REDACTED } from '@trellis/core';
import { answerSpans, mergeSpans, type TextSpan } from './answer-spans';

/**
 * Math-aware leak guard (catalog `guard` id `math-answer`; the `arithmetic` and `jsonl` tasks
 * preset it). A gold answer leaks when the text writes it in any equivalent form:
 *
 * - a numeric gold (integer, decimal, fraction, `\frac{a}{b}`, mixed number, scientific, percent):
 *   any whole number token of equal absolute value (`30`, `30.0`, `+30`, `-30`, `$30`, `1,234`
 *   for `1234`, `3e1`, `3\times10^{1}`), a fraction `a/b` or `\frac{a}{b}` / `\dfrac` / mixed
 *   number of equal value (so `0.5` and `1/2` are the same gold, and `60/2` writes `30`), the
 *   content of a `\boxed{}` equal to it, a number followed by `%` / `percent` whose value over 100
 *   is the gold, `x%` or `x/100` for a percent gold `x%`, a number followed by `thousand` /
 *   `million` / `billion` of equal value, an integer written in words (`thirty`, `twenty-four`,
 *   `one hundred and five`), and for a gold with no finite decimal (`1/3`) a decimal of two or
 *   more places that rounds it (`0.33`);
 * - any other gold (LaTeX or text): its raw, normalised or whitespace-free normalised form as a
 *   whole word (case-insensitive), or a `\boxed{}` content, `$...$` segment or right side of `=`
 *   that `gradeAnswer` accepts as equal.
 *
 * Not leaks: a number inside a longer one (`33` in `133`, `33.5`, `3.3`), an ordered-list marker
 * at a line start (`1. `, `1) `), and an unevaluated expression other than a fraction (`24+6` for
 * `30`). Sign: absolute values are compared, so `-30` leaks a gold `30` (and `30` a gold `-30`).
 * Pure and fast: regular expressions over the text, no I/O.
 */
@injectable()
export class MathAnswerLeakGuard implements LeakGuard {
  readonly id = 'math-answer';

  scan(text: string, answers: readonly string[]): LeakScan {
    const spans: TextSpan[] = [];
    for (const a of answers) spans.push(...answerSpans(text, a));
    if (spans.length === 0) return { text, leaks: 0 };
    const merged = mergeSpans(spans);
    let out = '';
    let at = 0;
    for (const s of merged) {
      out += text.slice(at, s.start) + REDACTED;
      at = s.end;
    }
    return { text: out + text.slice(at), leaks: merged.length };
  }
}
