import { type ExtractedAnswer, NO_ANSWER, spanAnswer } from './extracted-answer';
import { lastMathSpan } from './math-span';

const ANSWER_IS = /(?:\banswer\s+is|\banswer\s*:)[ \t:*]*/gi;
/** Words that may open the answer sentence before the answer itself. */
const LEAD = /^(?:(?:therefore|thus|hence|then|so|simply|just|clearly|exactly|indeed|given\s+by|equal\s+to|:)\s*,?\s*)+/i;
/** Where the answer stops and an explanation begins. */
const TAIL = /\s+(?:because|since|as|which|so|where|when|if|for|given|due)\b[\s\S]*$/i;

/** End of the answer sentence: the line end, or a `.` that does not start a decimal, outside `$...$`. */
function sentenceEnd(text: string, start: number): number {
  let inMath = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '$') inMath = !inMath;
    else if (c === '\n') return i;
    else if (c === '.' && !inMath && !/\d/.test(text[i + 1] ?? '')) return i;
  }
  return text.length;
}

/**
 * The answer stated by the last "answer is ..." / "Answer: ..." sentence (also "The final answer
 * is", Markdown bold around it): the first math span inside the sentence (`$12$`, `\(x = 3\)`),
 * else the sentence itself without an opening "therefore" / "simply" and without a trailing
 * explanation ("because ...", "since ..."). The sentence ends at its line end or at a `.` that
 * does not start a decimal and is outside `$...$`.
 */
export function lastAnswerIs(text: string): ExtractedAnswer {
  let last: RegExpMatchArray | undefined;
  for (const m of text.matchAll(ANSWER_IS)) last = m;
  if (!last || last.index === undefined) return NO_ANSWER;
  const start = last.index + last[0].length;
  const end = sentenceEnd(text, start);
  const sentence = text.slice(start, end);
  const firstMath = lastMathSpan(firstSpanOnly(sentence));
  if (firstMath.found) return spanAnswer(text, start + firstMath.start, start + firstMath.end, 'answer-is');
  const lead = LEAD.exec(sentence)?.[0].length ?? 0;
  const tail = TAIL.exec(sentence.slice(lead));
  let e = tail ? start + lead + tail.index : end;
  while (e > start + lead && /[\s*,]/.test(text[e - 1] as string)) e--;
  return spanAnswer(text, start + lead, e, 'answer-is');
}

/** `sentence` cut just after its first complete `$...$`, `\(...\)` or `\[...\]` span (or unchanged). */
function firstSpanOnly(sentence: string): string {
  let cut = sentence.length;
  for (const [open, close] of [
    ['$', '$'],
    ['\\(', '\\)'],
    ['\\[', '\\]'],
  ] as const) {
    const a = sentence.indexOf(open);
    if (a < 0) continue;
    const display = open === '$' && sentence[a + 1] === '$';
    const b = sentence.indexOf(display ? '$$' : close, a + (display ? 2 : open.length));
    if (b >= 0) cut = Math.min(cut, b + (display ? 2 : close.length));
  }
  return sentence.slice(0, cut);
}
