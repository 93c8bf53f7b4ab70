import { type ExtractedAnswer, NO_ANSWER, spanAnswer } from './extracted-answer';

interface Span {
  /** Content span. */
  readonly start: number;
  readonly end: number;
  /** Offset just after the closing delimiter. */
  readonly after: number;
}

const TEXT_GROUPS = /\\(?:text|textbf|textit|textrm|mathrm|mathbf|mbox|operatorname)\s*\{[^{}]*\}/g;

/**
 * Content that reads as math rather than prose: non-empty, and once `\text{...}`-style groups and
 * command names are dropped, no word of 4+ letters and no two words in a row (`5 and ` between two
 * dollar amounts is prose; `x = 5`, `\frac{1}{3}`, `(2, 5)` are math).
 */
export function looksLikeMath(content: string): boolean {
  const bare = content.replace(TEXT_GROUPS, ' ').replace(/\\[a-zA-Z]+/g, ' ');
  if (content.trim() === '') return false;
  return !/[a-zA-Z]{4,}/.test(bare) && !/[a-zA-Z]{2,}\s+[a-zA-Z]{2,}/.test(bare);
}

/** Unescaped `$` / `$$` delimiters, in order. */
function dollarTokens(text: string): { at: number; width: number }[] {
  const out: { at: number; width: number }[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\') {
      i++;
      continue;
    }
    if (text[i] !== '$') continue;
    const width = text[i + 1] === '$' ? 2 : 1;
    out.push({ at: i, width });
    i += width - 1;
  }
  return out;
}

/**
 * The last `$...$` or `$$...$$` whose content looks like math. Pairs are tried from the end; when
 * a pair's content is prose (a currency sign closed it), the pairing shifts by one delimiter. A
 * `$` followed by a digit never closes a span (it is a price).
 */
function lastDollarSpan(text: string): Span | undefined {
  const tokens = dollarTokens(text);
  for (let j = tokens.length - 1; j >= 1; j--) {
    const open = tokens[j - 1] as { at: number; width: number };
    const close = tokens[j] as { at: number; width: number };
    if (open.width !== close.width || /\d/.test(text[close.at + close.width] ?? '')) continue;
    const start = open.at + open.width;
    if (looksLikeMath(text.slice(start, close.at))) return { start, end: close.at, after: close.at + close.width };
  }
  return undefined;
}

/** The last `open ... close` pair (`\(...\)`, `\[...\]`) whose content looks like math. */
function lastDelimited(text: string, open: string, close: string): Span | undefined {
  let end = text.lastIndexOf(close);
  while (end >= 0) {
    const begin = text.lastIndexOf(open, end - 1);
    if (begin < 0) return undefined;
    const start = begin + open.length;
    if (start <= end && looksLikeMath(text.slice(start, end))) return { start, end, after: end + close.length };
    end = text.lastIndexOf(close, begin - 1);
  }
  return undefined;
}

const ENVIRONMENT_END = /\\end\{([pbvBV]?matrix|align\*?|aligned|equation\*?|gather\*?)\}/g;

/**
 * The last matrix environment written in prose (the whole environment), or the last display
 * environment (`align*`, `equation`, `gather`): its last non-empty row, alignment marks dropped.
 */
function lastEnvironment(text: string): Span | undefined {
  let last: RegExpMatchArray | undefined;
  for (const m of text.matchAll(ENVIRONMENT_END)) last = m;
  if (!last || last.index === undefined) return undefined;
  const name = last[1] as string;
  const open = `\\begin{${name}}`;
  const begin = text.lastIndexOf(open, last.index);
  if (begin < 0) return undefined;
  const after = last.index + last[0].length;
  if (name.endsWith('matrix')) return { start: begin, end: after, after };
  let end = last.index;
  for (;;) {
    const row = text.lastIndexOf('\\\\', end - 1);
    let start = row < begin + open.length ? begin + open.length : row + 2;
    while (start < end && /[\s&=]/.test(text[start] as string)) start++;
    if (start < end && looksLikeMath(text.slice(start, end).replace(/&/g, ' '))) return { start, end, after };
    if (row < begin + open.length) return undefined;
    end = row;
  }
}

/**
 * The result a computation ends with: the last side of a chain `a = b = c` (three sides or more),
 * or of `5 + 3 = 8` (a first side without variables). `x = 5` and `2y_1 + 2y_2 = 40` stay whole.
 */
function resultSide(content: string): string {
  const sides = content.split(/(?<![<>\\!:])=(?!=)/);
  if (sides.length < 2) return content;
  const first = (sides[0] as string).replace(TEXT_GROUPS, ' ').replace(/\\[a-zA-Z]+/g, ' ');
  if (sides.length === 2 && /[a-zA-Z]/.test(first)) return content;
  return (sides[sides.length - 1] as string).trim() || content;
}

/**
 * The math written last in prose: the last `$...$` / `$$...$$`, `\(...\)` or `\[...\]` span whose
 * content looks like math, a matrix environment, or the last row of a display environment
 * (`align*`, `equation`, `gather`) written outside any span, whichever ends last. A computation
 * such as `$5 + 3 = 8$` or `$a + b = -1 + 5 = 4$` gives its result (`8`, `4`); a trailing `.`, `,`
 * or `;` inside the span is dropped. Linear in the text length (each delimiter is looked at a bounded number of times).
 */
export function lastMathSpan(text: string): ExtractedAnswer {
  let best: Span | undefined;
  for (const span of [
    lastDollarSpan(text),
    lastDelimited(text, '\\(', '\\)'),
    lastDelimited(text, '\\[', '\\]'),
    lastEnvironment(text),
  ]) {
    if (span && (!best || span.after > best.after)) best = span;
  }
  if (!best) return NO_ANSWER;
  let end = best.end;
  while (end > best.start && /[\s.,;]/.test(text[end - 1] as string)) end--;
  const content = text.slice(best.start, end);
  const result = resultSide(content);
  if (result === content) return spanAnswer(text, best.start, end, 'math');
  const at = best.start + content.lastIndexOf(result);
  return spanAnswer(text, at, at + result.length, 'math');
}
