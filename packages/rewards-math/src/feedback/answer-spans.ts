import { exactNumber } from '../grade/exact-number';
import { gradeAnswer } from '../grade/grade-answer';
import { braceMatches } from '../latex/match-brace';
import { compactAnswer, normalizeAnswer } from '../normalize/normalize-answer';
import { Rational } from '../rational/rational';
import { numberWordSpans, SCALES } from './number-words';

/** A span `[start, end)` of a text. */
export interface TextSpan {
  readonly start: number;
  readonly end: number;
}

/**
 * Budget of one `gradeAnswer` call on a candidate span (non-numeric golds only), ms: gradeAnswer's
 * default, so the first (cold) symbolic comparison is not cut short and verdicts stay deterministic.
 */
const GRADE_BUDGET_MS = 1000;
/** Longest candidate span graded against a non-numeric gold, characters. */
const MAX_CANDIDATE = 200;
/** Most candidate spans graded per text and gold (the first ones in text order). */
const MAX_GRADED = 64;

const BOXES = /\\(?:boxed|fbox|framebox)\s*\{/g;
const LATEX_FRACTION = /(?<![\d.])(\d*)\s*\\[dt]?frac\s*(?:\{\s*(\d+)\s*\}\s*\{\s*(\d+)\s*\}|(\d)(\d))/g;
const MIXED = /(?<![\d.,/]\s*)(\d+)\s+(\d+)\s*\/\s*(\d+)(?!\s*\/\s*\d|\d|[.,]\d)/g;
const FRACTION = /(?<![\d.,/]\s*)(\d+(?:\.\d+)?)\s*\/\s*(\d+(?:\.\d+)?)(?!\s*\/\s*\d|\d|[.,]\d)/g;
const SCIENTIFIC =
  /(?<![\w.])(\d+(?:\.\d+)?)(?:[eE]([+-]?\d{1,4})|\s*(?:\\times|\\cdot|×|\*|x)\s*10\s*\^\s*\{?\s*([+-]?\d{1,4})\s*\}?)(?![\w.])/g;
const NUMBER = /(?<![\d.])(?:\d(?:\d|(?:,|\{,\})(?=\d{3}(?!\d)))*(?:\.\d+)?|\.\d+)(?!\d|\.\d)/g;
const PERCENT_AFTER = /^\s*(?:\\?%|\s+percent\b)/;
const SCALE_AFTER = /^\s+(thousand|million|billion|trillion)\b/i;
const LIST_MARKER = /^[ \t]*\d+[.)](?=\s)/;

const abs = (v: Rational) => (v.num < 0n ? v.neg() : v);

/** A numeric gold: the values a span may have to count, and whether rounded decimals count. */
interface NumericTarget {
  readonly values: readonly Rational[];
  /** Set when the gold has no finite decimal expansion (`1/3`): decimals that round it count. */
  readonly repeating: boolean;
}

function terminates(v: Rational): boolean {
  let d = v.den;
  while (d % 2n === 0n) d /= 2n;
  while (d % 5n === 0n) d /= 5n;
  return d === 1n;
}

/** Offsets of ordered-list markers (`1. ` / `1) ` at a line start), which are never leaks. */
function listMarkers(text: string): Set<number> {
  const out = new Set<number>();
  let at = 0;
  for (const line of text.split('\n')) {
    const m = LIST_MARKER.exec(line);
    if (m) out.add(at + m[0].search(/\d/));
    at += line.length + 1;
  }
  return out;
}

function numericSpans(text: string, t: NumericTarget): TextSpan[] {
  const spans: TextSpan[] = [];
  const hit = (v: Rational | undefined) => v !== undefined && t.values.some((g) => g.equals(abs(v)));
  const add = (start: number, end: number) => spans.push({ start, end });
  // \boxed{...}: the whole content when it is the gold (in any form exactNumber reads).
  let braces: Int32Array | undefined;
  for (const m of text.matchAll(BOXES)) {
    braces ??= braceMatches(text);
    const open = m.index + m[0].length - 1;
    const close = braces[open] as number;
    if (close < 0) continue;
    const content = text.slice(open + 1, close);
    if (content.trim() !== '' && hit(exactNumber(normalizeAnswer(content)))) add(open + 1, close);
  }
  for (const m of text.matchAll(LATEX_FRACTION)) {
    const [, whole, a, b, a1, b1] = m;
    const num = BigInt((a ?? a1) as string);
    const den = BigInt((b ?? b1) as string);
    if (den === 0n) continue;
    const frac = Rational.of(num, den);
    if (hit(frac)) add(m.index + (whole?.length ?? 0), m.index + m[0].length);
    if (whole && hit(Rational.of(BigInt(whole)).add(frac))) add(m.index, m.index + m[0].length);
  }
  for (const m of text.matchAll(MIXED)) {
    const den = BigInt(m[3] as string);
    if (den !== 0n && hit(Rational.of(BigInt(m[1] as string)).add(Rational.of(BigInt(m[2] as string), den)))) {
      add(m.index, m.index + m[0].length);
    }
  }
  for (const m of text.matchAll(FRACTION)) {
    const a = Rational.parse(m[1] as string);
    const b = Rational.parse(m[2] as string);
    if (a && b && !b.isZero() && hit(a.div(b))) add(m.index, m.index + m[0].length);
  }
  for (const m of text.matchAll(SCIENTIFIC)) {
    const mant = Rational.parse(m[1] as string);
    const exp = Number(m[2] ?? m[3]);
    if (mant && hit(mant.mul(Rational.of(10n).pow(BigInt(exp))))) add(m.index, m.index + m[0].length);
  }
  const markers = listMarkers(text);
  for (const m of text.matchAll(NUMBER)) {
    if (markers.has(m.index)) continue;
    const tok = m[0];
    const v = Rational.parse(tok.replace(/\{,\}/g, ','));
    if (!v) continue;
    const end = m.index + tok.length;
    if (hit(v) || (t.repeating && roundsTarget(tok, v, t))) {
      add(m.index, end);
      continue;
    }
    const rest = text.slice(end, end + 16);
    const pct = PERCENT_AFTER.exec(rest);
    if (pct && hit(v.div(Rational.of(100n)))) {
      add(m.index, end + pct[0].length);
      continue;
    }
    const scale = SCALE_AFTER.exec(rest);
    const factor = scale ? SCALES[(scale[1] as string).toLowerCase()] : undefined;
    if (scale && factor && hit(v.mul(Rational.of(factor)))) add(m.index, end + scale[0].length);
  }
  for (const w of numberWordSpans(text)) {
    const end = w.end;
    const scale = SCALE_AFTER.exec(text.slice(end, end + 16));
    if (hit(Rational.of(w.value))) add(w.start, end);
    else if (scale && hit(Rational.of(w.value * (SCALES[(scale[1] as string).toLowerCase()] ?? 1n)))) {
      add(w.start, end + scale[0].length);
    }
  }
  return spans;
}

/** A decimal with k >= 2 places that is the gold rounded to k places (`0.33`, `0.333` for 1/3). */
function roundsTarget(tok: string, v: Rational, t: NumericTarget): boolean {
  const places = /\.(\d+)$/.exec(tok)?.[1]?.length ?? 0;
  if (places < 2) return false;
  const half = Rational.of(1n, 2n * 10n ** BigInt(places));
  return t.values.some((g) => {
    const d = abs(abs(v).sub(g));
    return d.sub(half).num <= 0n;
  });
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const ALNUM = /[\p{L}\p{N}]/u;

function literalSpans(text: string, form: string): TextSpan[] {
  const head = ALNUM.test(form.charAt(0)) ? '(?<![\\p{L}\\p{N}])' : '';
  const tail = ALNUM.test(form.charAt(form.length - 1)) ? '(?![\\p{L}\\p{N}])' : '';
  const re = new RegExp(`${head}${escapeRegExp(form)}${tail}`, 'giu');
  return [...text.matchAll(re)].map((m) => ({ start: m.index, end: m.index + m[0].length }));
}

/** Candidate spans a non-numeric answer may be written in: box contents, `$...$`, right sides of `=`. */
function mathCandidates(text: string): TextSpan[] {
  const out: TextSpan[] = [];
  let braces: Int32Array | undefined;
  for (const m of text.matchAll(BOXES)) {
    braces ??= braceMatches(text);
    const open = m.index + m[0].length - 1;
    const close = braces[open] as number;
    if (close > open + 1) out.push({ start: open + 1, end: close });
  }
  for (const m of text.matchAll(/\$([^$\n]{1,200})\$/g)) out.push({ start: m.index + 1, end: m.index + m[0].length - 1 });
  for (const m of text.matchAll(/=\s*([^\s=,;]+(?:\s*[+\-*/^]\s*[^\s=,;]+)*)/g)) {
    const body = (m[1] as string).replace(/[.:]+$/, '');
    const start = m.index + m[0].length - (m[1] as string).length;
    if (body) out.push({ start, end: start + body.length });
  }
  return out
    .filter((s) => s.end - s.start <= MAX_CANDIDATE)
    .sort((a, b) => a.start - b.start)
    .slice(0, MAX_GRADED);
}

function symbolicSpans(text: string, gold: string): TextSpan[] {
  const spans: TextSpan[] = [];
  const forms = new Set([gold, normalizeAnswer(gold), compactAnswer(gold)].filter((f) => f.length >= 2));
  for (const f of forms) spans.push(...literalSpans(text, f));
  for (const c of mathCandidates(text)) {
    const body = text.slice(c.start, c.end);
    if (gradeAnswer(gold, body, { timeoutMs: GRADE_BUDGET_MS }).correct) spans.push(c);
  }
  return spans;
}

/** Sort and merge overlapping or touching spans. */
export function mergeSpans(spans: readonly TextSpan[]): TextSpan[] {
  const sorted = [...spans].sort((a, b) => a.start - b.start || b.end - a.end);
  const out: TextSpan[] = [];
  for (const s of sorted) {
    const last = out[out.length - 1];
    if (last && s.start <= last.end) out[out.length - 1] = { start: last.start, end: Math.max(last.end, s.end) };
    else out.push(s);
  }
  return out;
}

/**
 * Every span of `text` that writes `gold` (see the `math-answer` guard for what counts), merged,
 * in text order. Pure and linear in the text for numeric golds; non-numeric golds also grade at
 * most 64 candidate spans (box contents, `$...$`, right sides of `=`) with `gradeAnswer`.
 */
export function answerSpans(text: string, gold: string): TextSpan[] {
  const g = gold.trim();
  if (g === '' || text === '') return [];
  const value = exactNumber(normalizeAnswer(g));
  if (!value) return mergeSpans(symbolicSpans(text, g));
  const values = [abs(value)];
  if (/%|\\%|percent/i.test(g)) values.push(abs(value).div(Rational.of(100n)));
  return mergeSpans(numericSpans(text, { values, repeating: !terminates(value) }));
}
