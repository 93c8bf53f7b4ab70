/** Where an extracted answer came from. */
export type AnswerSource = 'boxed' | 'gsm8k' | 'answer-is' | 'math' | 'last-number';

/** The result of `extractAnswer`: the answer text and its position, or no answer. */
export type ExtractedAnswer =
  | {
      readonly found: true;
      /**
       * The answer text, trimmed: the raw span (inside the braces for `\boxed{...}`), except for
       * several boxes joined into one answer, written `\{a, b\}` or `(a, b)`.
       */
      readonly answer: string;
      /** Start offset of the answer in the input (UTF-16 code units); for joined boxes, of the first box's content. */
      readonly start: number;
      /** End offset (exclusive); for joined boxes, of the last box's content. */
      readonly end: number;
      readonly source: AnswerSource;
    }
  | { readonly found: false };

export const NO_ANSWER: ExtractedAnswer = { found: false };

/** `text[start, end)` with surrounding whitespace removed, as an answer from `source`; no answer when empty. */
export function spanAnswer(text: string, start: number, end: number, source: AnswerSource): ExtractedAnswer {
  while (start < end && /\s/.test(text[start] as string)) start++;
  while (end > start && /\s/.test(text[end - 1] as string)) end--;
  if (end <= start) return NO_ANSWER;
  return { found: true, answer: text.slice(start, end), start, end, source };
}
