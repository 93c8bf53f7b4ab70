import { braceMatches } from '../latex/match-brace';

/** Where an extracted answer came from. */
export type AnswerSource = 'boxed' | 'gsm8k' | 'answer-is' | 'last-number';

/** The result of {@link extractAnswer}: the raw span and its position, or no answer. */
export type ExtractedAnswer =
  | {
      readonly found: true;
      /** The raw answer text (inside the braces for `\boxed{...}`), trimmed. */
      readonly answer: string;
      /** Start offset of `answer` in the input (UTF-16 code units). */
      readonly start: number;
      /** End offset (exclusive) of `answer` in the input. */
      readonly end: number;
      readonly source: AnswerSource;
    }
  | { readonly found: false };

/** Options of {@link extractAnswer}. Every layer is on by default. */
export interface ExtractOptions {
  /** Look for the last `\boxed{...}` / `\fbox{...}` / `\framebox{...}` (and `\boxed 5`). Default true. */
  readonly boxed?: boolean;
  /** Look for GSM8K's `#### 42` (the last one). Default true. */
  readonly gsm8k?: boolean;
  /** Look for "The (final) answer is ..." / "Answer: ..." (the last one). Default true. */
  readonly answerIs?: boolean;
  /** What to do when nothing above matched: take the last number, or report no answer. Default `last-number`. */
  readonly fallback?: 'last-number' | 'none';
}

const NONE: ExtractedAnswer = { found: false };
const BOX_COMMANDS = /\\(?:boxed|fbox|framebox)(?![a-zA-Z])/g;

function trimmed(text: string, start: number, end: number, source: AnswerSource): ExtractedAnswer {
  while (start < end && /\s/.test(text[start] as string)) start++;
  while (end > start && /\s/.test(text[end - 1] as string)) end--;
  if (end <= start) return NONE;
  return { found: true, answer: text.slice(start, end), start, end, source };
}

/** The last well-formed, non-empty box; boxes are tried from the last one backwards. */
function lastBoxed(text: string): ExtractedAnswer {
  let matches: Int32Array | undefined;
  const starts: { at: number; after: number }[] = [];
  for (const m of text.matchAll(BOX_COMMANDS)) starts.push({ at: m.index, after: m.index + m[0].length });
  for (let k = starts.length - 1; k >= 0; k--) {
    const { after } = starts[k] as { at: number; after: number };
    let i = after;
    while (i < text.length && (text[i] === ' ' || text[i] === '\t')) i++;
    if (text[i] === '{') {
      matches ??= braceMatches(text);
      const close = matches[i] as number;
      if (close < 0) continue;
      const got = trimmed(text, i + 1, close, 'boxed');
      if (got.found) return got;
      continue;
    }
    if (i === after) continue;
    let end = i;
    while (end < text.length && !/[\s$]/.test(text[end] as string)) end++;
    const got = trimmed(text, i, end, 'boxed');
    if (got.found) return got;
  }
  return NONE;
}

function lastGsm8k(text: string): ExtractedAnswer {
  const at = text.lastIndexOf('####');
  if (at < 0) return NONE;
  let end = text.indexOf('\n', at);
  if (end < 0) end = text.length;
  return trimmed(text, at + 4, end, 'gsm8k');
}

const ANSWER_IS = /(?:\banswer\s+is|\banswer\s*:)[ \t:]*/gi;

function lastAnswerIs(text: string): ExtractedAnswer {
  let last: RegExpMatchArray | undefined;
  for (const m of text.matchAll(ANSWER_IS)) last = m;
  if (!last || last.index === undefined) return NONE;
  const start = last.index + last[0].length;
  let end = text.indexOf('\n', start);
  if (end < 0) end = text.length;
  const sentence = /\.(?!\d)/g;
  sentence.lastIndex = start;
  const dot = sentence.exec(text);
  if (dot && dot.index < end) end = dot.index;
  let s = start;
  let e = end;
  if (text[s] === '$') {
    const close = text.indexOf('$', s + 1);
    if (close > s && close <= e) {
      s++;
      e = close;
    }
  }
  return trimmed(text, s, e, 'answer-is');
}

const NUMBER = /-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:\/\d+)?|-?\.\d+/g;

function lastNumber(text: string): ExtractedAnswer {
  let last: RegExpMatchArray | undefined;
  for (const m of text.matchAll(NUMBER)) last = m;
  if (!last || last.index === undefined) return NONE;
  return trimmed(text, last.index, last.index + last[0].length, 'last-number');
}

/**
 * Extract the final answer from a model completion or reference solution. Order: the last
 * `\boxed{...}` (brace counting, nested braces allowed; also `\fbox`, `\framebox` and `\boxed 5`),
 * then the last GSM8K `#### x` line, then the last "answer is x" / "Answer: x", then the fallback
 * (last number). Linear in the input length.
 */
export function extractAnswer(text: string, options: ExtractOptions = {}): ExtractedAnswer {
  if (options.boxed ?? true) {
    const got = lastBoxed(text);
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
  if ((options.fallback ?? 'last-number') === 'last-number') return lastNumber(text);
  return NONE;
}

/** Number of well-formed boxes (`\boxed{...}`, `\fbox{...}`, `\framebox{...}`, `\boxed x`) in `text`. */
export function countBoxed(text: string): number {
  let matches: Int32Array | undefined;
  let n = 0;
  for (const m of text.matchAll(BOX_COMMANDS)) {
    let i = m.index + m[0].length;
    while (i < text.length && (text[i] === ' ' || text[i] === '\t')) i++;
    if (text[i] === '{') {
      matches ??= braceMatches(text);
      if ((matches[i] as number) > 0) n++;
    } else if (i > m.index + m[0].length && i < text.length && !/[\s$]/.test(text[i] as string)) n++;
  }
  return n;
}
