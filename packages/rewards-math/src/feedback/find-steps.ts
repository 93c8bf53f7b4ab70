import { type ExprToken, evaluateTokens, formatTokens, parseArithmetic } from '../arithmetic/expression';
import { Rational } from '../rational/rational';

/** One computation `lhs = value` found in a solution line. */
export interface SolutionStep {
  /** 0-based index of the line in the solution text (split on `\n`). */
  readonly lineIndex: number;
  /** The whole line, trimmed. */
  readonly line: string;
  /** The left-hand side as tokens and as canonical text (`12+21`). */
  readonly lhs: readonly ExprToken[];
  readonly lhsText: string;
  /** The value the line claims (the number right after `=`). */
  readonly claimed: Rational;
  /** Other readings of the right side (mixed number, continued expression); any may match. */
  readonly alternatives: readonly Rational[];
  /** The exact value of `lhs`; undefined on division by zero. */
  readonly actual: Rational | undefined;
}

const LHS_CHAR = /[0-9.,+\-*/() $×÷·]/;
const LEADING_NUMBER = /^\s*\$?\s*(-?\s*(?:\d{1,3}(?:,\d{3})+|\d+|(?=\.\d))(?:\.\d+)?)(?![\d.]\d)/;

/** Rewrite LaTeX / prose operators to ASCII and drop GSM8K calculator annotations `<<...>>`. */
function clean(line: string): string {
  return line
    .replace(/<<[^<>]*>>/g, '')
    .replace(/[\u2212\u2013\u2014]/g, '-')
    .replace(/\\times|\\cdot/g, '*')
    .replace(/\\div/g, '/')
    .replace(/(\d)\s*[xX]\s*(?=\$?[.(]?\d)/g, '$1*')
    .replace(/(\d)\s*%/g, '$1/100')
    .replace(/(?<![\d.,/])(\d+) (\d+)\/(\d+)(?![\d.])/g, '($1+$2/$3)');
}

function lhsBefore(text: string, eq: number): ExprToken[] | undefined {
  let start = eq;
  while (start > 0 && LHS_CHAR.test(text[start - 1] as string)) {
    // ", " and ". " end a clause (thousands separators and decimals have no space after them).
    if ((text[start - 1] === ',' || text[start - 1] === '.') && text[start] === ' ') break;
    start--;
  }
  let lhs = text.slice(start, eq).trim();
  // An operator right after a word means the left operand is prose ("200 GB * 4 = ..."): not checkable.
  if (start > 0 && /^(?:[+*/]|-\s)/.test(lhs)) return undefined;
  if (/(?:^|[^a-zA-Z])(?:x|X|times|of|by|per)\s*$/.test(text.slice(Math.max(0, start - 8), start))) return undefined;
  lhs = lhs.replace(/^(?:[,)\s]|\.(?!\d))+/, '');
  while (lhs.startsWith('(') && (lhs.match(/\(/g)?.length ?? 0) > (lhs.match(/\)/g)?.length ?? 0)) lhs = lhs.slice(1);
  let tokens = parseArithmetic(lhs);
  if (!tokens) {
    const afterList = lhs.lastIndexOf(', ');
    if (afterList >= 0) tokens = parseArithmetic(lhs.slice(afterList + 2));
  }
  if (!tokens?.some((t) => t.kind === 'op')) return undefined;
  return unwrapNumbers(tokens);
}

/** `(-9)` -> `-9`: parentheses around a lone number carry no structure. */
function unwrapNumbers(tokens: ExprToken[]): ExprToken[] {
  const out = [...tokens];
  for (let i = 1; i + 1 < out.length; i++) {
    if (out[i]?.kind === 'num' && out[i - 1]?.kind === 'open' && out[i + 1]?.kind === 'close') {
      out.splice(i + 1, 1);
      out.splice(i - 1, 1);
      i = Math.max(0, i - 2);
    }
  }
  return out;
}

function single(text: string): Rational | undefined {
  const t = parseArithmetic(text.replace(/\s+/g, ''));
  return t?.length === 1 && t[0]?.kind === 'num' ? t[0].value : undefined;
}

/** Values the right side may mean: its leading number, or the expression it starts (`= 14 / 2`, `= (3+1/2)`). */
function rhsValues(after: string): Rational[] {
  const out: Rational[] = [];
  const lead = LEADING_NUMBER.exec(after);
  const first = lead ? single(lead[1] as string) : undefined;
  if (first) out.push(first);
  const upto = after.split('=')[0] as string;
  let end = 0;
  while (end < upto.length && LHS_CHAR.test(upto[end] as string)) {
    if ((upto[end] === ',' || upto[end] === '.') && (upto[end + 1] === ' ' || end + 1 === upto.length)) break;
    end++;
  }
  const expr = upto.slice(0, end).replace(/[\s+\-*/,.(]+$/, '');
  const tokens = parseArithmetic(expr);
  const value = tokens ? evaluateTokens(tokens) : undefined;
  if (value && !(first && value.equals(first))) out.push(value);
  return out;
}

/**
 * The computations of a solution, line by line: each `=` whose left side ends in an arithmetic
 * expression with at least one operator (`12+21=33`, `16 - 3 - 4 = 9`, `9 * 2 = $18`,
 * `3 \times 4 = 12`, chains `a = b = c`) and whose right side starts with a number. GSM8K
 * `<<...>>` annotations are ignored; `x` between numbers is a product and `%` divides by 100.
 * Mixed numbers (`3 1/2`) read as sums. A right side that goes on as an expression (`= 14 / 2`)
 * also offers that reading in `alternatives`.
 */
export function findSteps(solution: string): SolutionStep[] {
  const steps: SolutionStep[] = [];
  solution.split('\n').forEach((raw, lineIndex) => {
    const line = clean(raw);
    for (let eq = line.indexOf('='); eq >= 0; eq = line.indexOf('=', eq + 1)) {
      const lhs = lhsBefore(line, eq);
      if (!lhs) continue;
      const [claimed, ...alternatives] = rhsValues(line.slice(eq + 1));
      if (!claimed) continue;
      steps.push({
        lineIndex,
        line: raw.trim(),
        lhs,
        lhsText: formatTokens(lhs),
        claimed,
        alternatives,
        actual: evaluateTokens(lhs),
      });
    }
  });
  return steps;
}
