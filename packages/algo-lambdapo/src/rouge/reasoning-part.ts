/**
 * The reasoning part of a solution: the text before the start of the *last* match of
 * `answerPattern` (e.g. the last `\boxed{`), or the whole text when it does not match or the
 * pattern is `null`.
 *
 * @param answerPattern a regex with the `g` flag, or null for the whole text.
 */
export function reasoningPart(text: string, answerPattern: RegExp | null): string {
  if (!answerPattern) return text;
  let last = -1;
  for (const match of text.matchAll(answerPattern)) last = match.index;
  return last < 0 ? text : text.slice(0, last);
}
