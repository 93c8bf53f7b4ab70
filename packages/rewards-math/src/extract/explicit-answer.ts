import { extractAnswer } from './extract-answer';

/** Markup that states an answer explicitly; text without any is returned unchanged without a scan. */
const MARKERS = /\\(?:boxed|fbox|framebox)(?![a-zA-Z])|####|answer/i;

/**
 * The answer a text states explicitly, with the same layers as predictions and no guessing: a
 * gold written as `\boxed{\frac{1}{3}}`, `#### 18` or "The answer is $\frac13$." becomes its answer
 * (`\frac{1}{3}`, `18`, `\frac13`); anything else (a bare answer, `$\frac{1}{3}$`, `x \in [1, 4)`)
 * is returned as it is, its delimiters left to `normalizeAnswer`.
 */
export function explicitAnswer(text: string): string {
  if (!MARKERS.test(text)) return text;
  const got = extractAnswer(text, { fallback: 'none' });
  return got.found ? got.answer : text;
}
