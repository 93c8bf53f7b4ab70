import { type ExtractedAnswer, NO_ANSWER, spanAnswer } from './extracted-answer';

/**
 * A number on its own: not glued to a letter, digit or `.` before it (`AB4`, `x2`), and not
 * followed by a digit or by a single letter or an uppercase letter (`4C`, `3x`); a unit such as
 * `12cm` still counts. Integers, decimals, thousands commas (`1,234`), `a/b`, `.5`.
 */
const NUMBER =
  /(?<![A-Za-z\d.])-?(?:\d{1,3}(?:,\d{3})+(?![\d,])|\d+)(?:\.\d+)?(?:\/\d+)?(?![\d]|[A-Z]|[a-z](?![a-z]))|(?<![A-Za-z\d.])-?\.\d+(?![\d]|[A-Z]|[a-z](?![a-z]))/g;

/** The last number of the text that stands on its own (see NUMBER); no answer when there is none. */
export function lastNumber(text: string): ExtractedAnswer {
  let last: RegExpMatchArray | undefined;
  for (const m of text.matchAll(NUMBER)) last = m;
  if (!last || last.index === undefined) return NO_ANSWER;
  return spanAnswer(text, last.index, last.index + last[0].length, 'last-number');
}
