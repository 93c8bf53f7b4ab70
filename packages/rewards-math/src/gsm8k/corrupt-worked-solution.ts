import type { Rng } from '@trellis/core';
import { type ExprToken, evaluateTokens, parseArithmetic } from '../arithmetic/expression';
import { exactNumber } from '../grade/exact-number';
import { normalizeAnswer } from '../normalize/normalize-answer';
import { Rational } from '../rational/rational';

/** A corrupted GSM8K-style worked solution (an attempt with one wrong computation). */
export interface CorruptedWorkedSolution {
  /** The attempt: `<<...>>` annotations removed, `#### x` replaced by `\boxed{y}`. */
  readonly solution: string;
  /** 0-based line of the corrupted computation (of the final answer for kind `final`). */
  readonly lineIndex: number;
  /**
   * `step`: one computation's result was changed and carried to the end; `final`: no changed
   * result reached the final answer (or there was no annotated computation), so only the final
   * answer was changed.
   */
  readonly kind: 'step' | 'final';
  /** The corrupted value and the value it replaced (display text). */
  readonly from: string;
  readonly to: string;
  /** The attempt's final answer (never equal to the reference's). */
  readonly answer: string;
}

/** An annotation `<<expr=result>>` and the number written right after it. */
const PIECE = /<<([^<>]*)>>(\s*)(\d(?:\d|,(?=\d{3}))*(?:\.\d+)?)?|(?<![\d.])\d(?:\d|,(?=\d{3}))*(?:\.\d+)?/g;
const FINAL = /^\s*####\s*(.+?)\s*$/;

interface Rewrite {
  readonly lines: string[];
  readonly final: Rational | undefined;
}

/** Rewrite `lines` with annotation number `target` given `value`, carrying changed results forward. */
function rewrite(lines: readonly string[], target: number, value: Rational, gold: Rational | undefined): Rewrite {
  const changed = new Map<string, Rational>();
  let seen = 0;
  let final: Rational | undefined = gold;
  const out = lines.map((line) => {
    const fin = FINAL.exec(line);
    if (fin) {
      const v = exactNumber(normalizeAnswer(fin[1] as string));
      final = v ? (changed.get(v.toString()) ?? v) : undefined;
      return `\\boxed{${final ? final.toDisplay() : (fin[1] as string)}}`;
    }
    return line.replace(PIECE, (all, inner: string | undefined, space: string | undefined, shown: string | undefined) => {
      if (inner === undefined) {
        const v = Rational.parse(all);
        const to = v ? changed.get(v.toString()) : undefined;
        return to ? to.toDisplay() : all;
      }
      const index = seen++;
      const eq = inner.lastIndexOf('=');
      const old = eq >= 0 ? Rational.parse(inner.slice(eq + 1).trim()) : undefined;
      let now = old;
      if (index === target) now = value;
      else if (old && eq >= 0) {
        const tokens = parseArithmetic(inner.slice(0, eq));
        const mapped: ExprToken[] | undefined = tokens?.map((t) => {
          const to = t.kind === 'num' ? changed.get(t.value.toString()) : undefined;
          return to ? { kind: 'num', value: to } : t;
        });
        now = (mapped && evaluateTokens(mapped)) ?? old;
      }
      if (old && now && !now.equals(old)) changed.set(old.toString(), now);
      if (shown === undefined) return '';
      const shownValue = Rational.parse(shown);
      const written = shownValue && old && shownValue.equals(old) && now ? now.toDisplay() : shown;
      return `${space ?? ''}${written}`;
    });
  });
  return { lines: out, final };
}

/**
 * Corrupt a GSM8K reference solution (`... = <<48/2=24>>24 ...`, ending in `#### 72`) the way a
 * model might: the result of one annotated computation (drawn with `rng`) is changed by 1 to 9
 * (kept non-negative) and the change is carried to the end: later computations that use a
 * changed result are recomputed, their written results and later mentions of a changed value
 * follow, and `#### x` becomes `\boxed{y}` with the new final value. Computations are tried in a
 * random order until one whose change reaches the final answer; when none does, only the final
 * answer is changed (kind `final`). Undefined when the solution has no numeric `####` answer.
 */
export function corruptWorkedSolution(solution: string, rng: Rng): CorruptedWorkedSolution | undefined {
  const lines = solution.split('\n');
  const finalLine = lines.findIndex((l) => FINAL.test(l));
  const goldText = finalLine >= 0 ? (FINAL.exec(lines[finalLine] as string)?.[1] as string) : undefined;
  const gold = goldText ? exactNumber(normalizeAnswer(goldText)) : undefined;
  if (!gold) return undefined;
  const annotations: { line: number; index: number; result: Rational }[] = [];
  let index = 0;
  lines.forEach((line, i) => {
    if (FINAL.test(line)) return;
    for (const m of line.matchAll(/<<([^<>]*)>>/g)) {
      const inner = m[1] as string;
      const result = inner.includes('=') ? Rational.parse(inner.slice(inner.lastIndexOf('=') + 1).trim()) : undefined;
      if (result) annotations.push({ line: i, index, result });
      index++;
    }
  });
  const delta = () => Rational.of(BigInt(rng.intBetween(1, 9)));
  const shift = (v: Rational) => {
    const d = delta();
    return rng.next() < 0.5 && v.sub(d).num >= 0n ? v.sub(d) : v.add(d);
  };
  for (const a of rng.shuffle(annotations)) {
    const to = shift(a.result);
    const r = rewrite(lines, a.index, to, gold);
    if (r.final && !r.final.equals(gold)) {
      return {
        solution: r.lines.join('\n'),
        lineIndex: a.line,
        kind: 'step',
        from: a.result.toDisplay(),
        to: to.toDisplay(),
        answer: r.final.toDisplay(),
      };
    }
  }
  const wrong = shift(gold);
  const r = rewrite(lines, -1, Rational.ZERO, gold);
  const out = r.lines.map((l, i) => (i === finalLine ? `\\boxed{${wrong.toDisplay()}}` : l));
  return {
    solution: out.join('\n'),
    lineIndex: finalLine,
    kind: 'final',
    from: gold.toDisplay(),
    to: wrong.toDisplay(),
    answer: wrong.toDisplay(),
  };
}
