import { explicitAnswer } from '../extract/explicit-answer';
import { normalizeAnswer } from '../normalize/normalize-answer';
import { goldChoice, predictedChoice } from './choice';
import { type CompareContext, type GradeMethod } from './compare-scalar';
import { compareStructure } from './compare-structure';
import { Deadline, GradeTimeout } from './deadline';
import { parseStructure } from './parse-structure';

export type { GradeMethod } from './compare-scalar';

/** Options of {@link gradeAnswer}. */
export interface GradeOptions {
  /** Wall-clock budget for one comparison, ms. Layers are bounded up front; no layer starts after it. Default 1000. */
  readonly timeoutMs?: number;
  /** Relative tolerance of numeric comparisons (not used between two integers, compared exactly). Default 1e-6. */
  readonly relTol?: number;
  /** Longest gold or prediction (characters) that is graded; longer ones only match when identical. Default 1000. */
  readonly maxLength?: number;
}

/** Verdict of {@link gradeAnswer}. */
export interface GradeResult {
  readonly correct: boolean;
  /** The layer that decided (for a wrong answer: the layer that showed the difference; `none` when nothing could compare them). */
  readonly method: GradeMethod;
  /** Set when the budget ran out before a verdict (then `correct` is false). */
  readonly timedOut?: boolean;
}

export const DEFAULT_GRADE_TIMEOUT_MS = 1000;
export const DEFAULT_REL_TOL = 1e-6;
export const DEFAULT_MAX_ANSWER_LENGTH = 1000;

/**
 * Is `prediction` the same answer as `gold`? Gold first. Both sides first go through the same
 * explicit-answer reading (`explicitAnswer`: a `\boxed{}`, `#### x` or "The answer is x" is its
 * answer; no guessing). Layers, in order: normalised string match; multiple-choice letter (when
 * the gold is an option letter); structure (tuples, intervals, sets, unions, matrices, equations,
 * relations and chains of them), whose elements go through the scalar layers;
 * exact and numeric comparison; symbolic comparison with mathjs. Pure and synchronous; every
 * layer works on inputs capped in size, and the deadline is checked between bounded steps.
 */
export function gradeAnswer(gold: string, prediction: string, options: GradeOptions = {}): GradeResult {
  const maxLength = options.maxLength ?? DEFAULT_MAX_ANSWER_LENGTH;
  const g1 = String(gold).trim();
  const p1 = String(prediction).trim();
  if (p1 === '' || g1 === '') return { correct: false, method: 'none' };
  if (g1.length > maxLength || p1.length > maxLength) return { correct: g1 === p1, method: g1 === p1 ? 'string' : 'none' };
  // Both sides through the same explicit-answer layers: a gold `\boxed{\frac13}` or `#### 18` is its answer.
  const g0 = explicitAnswer(g1);
  const p0 = explicitAnswer(p1);
  const ctx: CompareContext = {
    relTol: options.relTol ?? DEFAULT_REL_TOL,
    deadline: new Deadline(options.timeoutMs ?? DEFAULT_GRADE_TIMEOUT_MS),
    goldPercent: g0.includes('%'),
    predPercent: p0.includes('%'),
  };
  try {
    const g = normalizeAnswer(g0);
    const p = normalizeAnswer(p0);
    if (g.replace(/\s+/g, '') === p.replace(/\s+/g, '')) return { correct: true, method: 'string' };
    const letter = goldChoice(g);
    if (letter) return { correct: predictedChoice(p) === letter, method: 'choice' };
    ctx.deadline.check();
    const gs = parseStructure(g);
    const ps = parseStructure(p);
    if (!gs || !ps) return { correct: false, method: 'none' };
    return compareStructure(gs, ps, ctx);
  } catch (e) {
    if (e instanceof GradeTimeout) return { correct: false, method: 'none', timedOut: true };
    throw e;
  }
}
