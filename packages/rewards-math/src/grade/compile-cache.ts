import type { EvalFunction } from 'mathjs';
import { latexToMathjs, type MathjsExpression } from './latex-to-mathjs';
import { mathEngine } from './math-engine';

/** A translated and compiled scalar. */
export interface CompiledScalar extends MathjsExpression {
  readonly code: EvalFunction;
}

const MAX_ENTRIES = 4096;
const cache = new Map<string, CompiledScalar | null>();

/**
 * Translate (see `latexToMathjs`) and compile a normalised scalar with mathjs, memoised (gold
 * answers are graded against many samples). Undefined when it cannot be translated or parsed.
 */
export function compileScalar(normalized: string): CompiledScalar | undefined {
  const hit = cache.get(normalized);
  if (hit !== undefined) return hit ?? undefined;
  let out: CompiledScalar | null = null;
  const t = latexToMathjs(normalized);
  if (t) {
    try {
      out = { ...t, code: mathEngine().compile(t.expr) };
    } catch {
      out = null;
    }
  }
  if (cache.size >= MAX_ENTRIES) cache.clear();
  cache.set(normalized, out);
  return out ?? undefined;
}
