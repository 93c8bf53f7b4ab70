import { braceMatches } from '../latex/match-brace';
import { type ExtractedAnswer, NO_ANSWER, spanAnswer } from './extracted-answer';

/** What several boxes in the final sentence become: a set `\{a, b\}`, a tuple `(a, b)`, or the last box alone. */
export type MultipleBoxes = 'set' | 'tuple' | 'last';

const BOX_COMMANDS = /\\(?:boxed|fbox|framebox)(?![a-zA-Z])/g;
/** Most characters between two boxes that still belong to one answer. */
const MAX_JOIN_GAP = 120;
/** Most boxes joined into one answer (a longer run is a degenerate sample, not an answer list). */
const MAX_JOINED = 16;
const SENTENCE_END = /[.!?;](?:\s|$)|\n/;
/** Two boxes belong to one answer when the text between them links them (`,`, "and", "or")... */
const LINK = /,|&|\b(?:and|or)\b/i;
/** ...and does not move on to a later step ("then", "so", "but", ...). */
const NEXT_STEP =
  /\b(?:then|so|thus|hence|therefore|but|now|next|after|finally|which|gives?|becomes?)\b|=>|\\(?:Rightarrow|implies|to)(?![a-zA-Z])/i;

interface Box {
  /** Offset of the `\boxed` command. */
  readonly at: number;
  /** Content span (trimmed). */
  readonly start: number;
  readonly end: number;
  /** Offset just after the box (after its closing brace). */
  readonly after: number;
}

/** Every well-formed, non-empty box in order: `\boxed{...}` by brace counting, or `\boxed 5`. */
function allBoxes(text: string): Box[] {
  let matches: Int32Array | undefined;
  const boxes: Box[] = [];
  for (const m of text.matchAll(BOX_COMMANDS)) {
    const after = m.index + m[0].length;
    let i = after;
    while (i < text.length && (text[i] === ' ' || text[i] === '\t')) i++;
    let got: ExtractedAnswer;
    let close: number;
    if (text[i] === '{') {
      matches ??= braceMatches(text);
      close = matches[i] as number;
      if (close < 0) continue;
      got = spanAnswer(text, i + 1, close, 'boxed');
      close++;
    } else {
      if (i === after) continue;
      close = i;
      while (close < text.length && !/[\s$]/.test(text[close] as string)) close++;
      got = spanAnswer(text, i, close, 'boxed');
    }
    if (got.found) boxes.push({ at: m.index, start: got.start, end: got.end, after: close });
  }
  return boxes;
}

/**
 * The final answer written in boxes. The last well-formed, non-empty box (an unclosed or empty
 * one, as a truncated sample leaves, is skipped); with `set` or `tuple`, boxes just before it in
 * the same sentence join it (at most 16): on the same line, not nested, at most 120 characters apart, linked
 * by `,`, "and" or "or" with no `.`, `!`, `?`, `;` and no step word ("then", "so", "gives", `\Rightarrow`)
 * between them. `\boxed{-3} and \boxed{4}` gives `\{-3, 4\}` (or `(-3, 4)`).
 * Boxes with the same content count once. Linear in the text length.
 */
export function finalBoxes(text: string, mode: MultipleBoxes = 'set'): ExtractedAnswer {
  const boxes = allBoxes(text);
  const last = boxes[boxes.length - 1];
  if (!last) return NO_ANSWER;
  const group: Box[] = [last];
  for (let k = boxes.length - 2; k >= 0 && mode !== 'last' && group.length < MAX_JOINED; k--) {
    const prev = boxes[k] as Box;
    const next = group[0] as Box;
    const gap = text.slice(prev.after, next.at);
    if (prev.after > next.at || gap.length > MAX_JOIN_GAP || SENTENCE_END.test(gap)) break;
    if (!LINK.test(gap) || NEXT_STEP.test(gap)) break;
    group.unshift(prev);
  }
  const seen = new Set<string>();
  const contents: string[] = [];
  for (const b of group) {
    const c = text.slice(b.start, b.end);
    const key = c.replace(/\s+/g, '');
    if (!seen.has(key)) contents.push(c);
    seen.add(key);
  }
  if (contents.length === 1)
    return { found: true, answer: text.slice(last.start, last.end), start: last.start, end: last.end, source: 'boxed' };
  const answer = mode === 'tuple' ? `(${contents.join(', ')})` : `\\{${contents.join(', ')}\\}`;
  return { found: true, answer, start: (group[0] as Box).start, end: last.end, source: 'boxed' };
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
