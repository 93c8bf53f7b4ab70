import { type CompareContext, compareScalar, type Verdict } from './compare-scalar';
import { compileScalar } from './compile-cache';
import { closeTo, evaluateNumber } from './math-engine';
import type { AnswerStructure } from './parse-structure';

type Item = AnswerStructure;

/** Perfect matching between two equal-size lists under `same` (Kuhn's augmenting paths). */
function matchAll(gold: readonly Item[], pred: readonly Item[], same: (g: Item, p: Item) => boolean): boolean {
  if (gold.length !== pred.length) return false;
  const n = gold.length;
  const ok: boolean[][] = gold.map((g) => pred.map((p) => same(g, p)));
  const owner = new Array<number>(n).fill(-1);
  const augment = (i: number, seen: boolean[]): boolean => {
    for (let j = 0; j < n; j++) {
      if (!ok[i]?.[j] || seen[j]) continue;
      seen[j] = true;
      if ((owner[j] as number) < 0 || augment(owner[j] as number, seen)) {
        owner[j] = i;
        return true;
      }
    }
    return false;
  };
  for (let i = 0; i < n; i++) if (!augment(i, new Array<boolean>(n).fill(false))) return false;
  return true;
}

function inOrder(gold: readonly Item[], pred: readonly Item[], same: (g: Item, p: Item) => boolean): boolean {
  return gold.length === pred.length && gold.every((g, i) => same(g, pred[i] as Item));
}

/** `lhs - rhs` of two equations are proportional (same solution set for linear-like equations). */
function proportional(g: Item & { kind: 'equation' }, p: Item & { kind: 'equation' }, ctx: CompareContext): boolean {
  const a = compileScalar(`(${g.lhs})-(${g.rhs})`);
  const b = compileScalar(`(${p.lhs})-(${p.rhs})`);
  if (!a || !b) return false;
  const variables = [...new Set([...a.variables, ...b.variables])];
  if (variables.length === 0 || variables.length > 8) return false;
  let ratio: { re: number; im: number } | undefined;
  let valid = 0;
  for (let k = 0; k < 6; k++) {
    ctx.deadline.check();
    const scope: Record<string, number> = {};
    variables.forEach((v, j) => {
      scope[v] = 0.37 + 0.83 * k - 0.61 * j + 0.29 * ((k * j) % 3);
    });
    const x = evaluateNumber(a.code, scope);
    const y = evaluateNumber(b.code, scope);
    if (!x || !y) continue;
    const yy = y.re * y.re + y.im * y.im;
    if (yy < 1e-18) {
      if (Math.hypot(x.re, x.im) > 1e-9) return false;
      continue;
    }
    const r = { re: (x.re * y.re + x.im * y.im) / yy, im: (x.im * y.re - x.re * y.im) / yy };
    if (Math.hypot(r.re, r.im) < 1e-12) return false;
    if (ratio && !closeTo(ratio, r, 1e-8, 1e-12)) return false;
    ratio = r;
    valid++;
  }
  return valid >= 3;
}

function scalarText(s: Item): string | undefined {
  return s.kind === 'scalar' ? s.text : undefined;
}

/**
 * Compare two answer structures, gold first. Tuples and intervals: same length, same brackets,
 * elements in order. Sets, bare lists, `\pm` pairs and unions: order-free perfect matching.
 * Matrices: same shape, elementwise (a one-row or one-column matrix also matches a tuple).
 * Equations: `x = 3` matches `3` and `x = 3` (not `y = 3`); general equations match when
 * `lhs - rhs` are proportional. A one-element set matches its element. A gold `(a, b)` accepts
 * the bare list `a, b` in order; a gold list `a, b` does not accept `(a, b)` (it could be an interval).
 */
export function compareStructure(gold: Item, pred: Item, ctx: CompareContext): Verdict {
  const same = (g: Item, p: Item): boolean => compareStructure(g, p, ctx).correct;
  ctx.deadline.check();
  if (gold.kind === 'scalar' && pred.kind === 'scalar') return compareScalar(gold.text, pred.text, ctx);
  const yes = (correct: boolean): Verdict => ({ correct, method: 'structural' });

  if (gold.kind === 'set' && gold.items.length === 1 && pred.kind !== 'set') return yes(same(gold.items[0] as Item, pred));
  if (pred.kind === 'set' && pred.items.length === 1 && gold.kind !== 'set') return yes(same(gold, pred.items[0] as Item));
  if (gold.kind === 'equation' || pred.kind === 'equation') {
    if (gold.kind === 'equation' && pred.kind === 'equation') {
      if (gold.variable && pred.variable) {
        if (gold.variable !== pred.variable) return yes(false);
        return yes(same({ kind: 'scalar', text: gold.rhs }, { kind: 'scalar', text: pred.rhs }));
      }
      return yes(proportional(gold, pred, ctx));
    }
    if (gold.kind === 'equation') {
      return yes(gold.variable !== undefined && scalarText(pred) !== undefined && same({ kind: 'scalar', text: gold.rhs }, pred));
    }
    if (pred.kind === 'equation') {
      return yes(pred.variable !== undefined && gold.kind === 'scalar' && same(gold, { kind: 'scalar', text: pred.rhs }));
    }
  }
  switch (gold.kind) {
    case 'tuple':
      if (pred.kind === 'tuple') {
        return yes(gold.open === pred.open && gold.close === pred.close && inOrder(gold.items, pred.items, same));
      }
      if (pred.kind === 'set') return yes(gold.open === '(' && gold.close === ')' && inOrder(gold.items, pred.items, same));
      if (pred.kind === 'matrix') return yes(inOrder(gold.items, vectorItems(pred) ?? [], same));
      return yes(false);
    case 'set':
      return yes(pred.kind === 'set' && matchAll(gold.items, pred.items, same));
    case 'union':
      return yes(pred.kind === 'union' && matchAll(gold.parts, pred.parts, same));
    case 'matrix': {
      if (pred.kind === 'matrix') {
        const shape = (m: typeof gold) => m.rows.map((r) => r.length).join('x');
        return yes(shape(gold) === shape(pred) && inOrder(gold.rows.flat(), pred.rows.flat(), same));
      }
      if (pred.kind === 'tuple' && pred.open === '(' && pred.close === ')') {
        return yes(inOrder(vectorItems(gold) ?? [], pred.items, same));
      }
      return yes(false);
    }
    default:
      return yes(false);
  }
}

/** Items of a one-row or one-column matrix; undefined for other shapes. */
function vectorItems(m: Item & { kind: 'matrix' }): readonly Item[] | undefined {
  if (m.rows.length === 1) return m.rows[0];
  if (m.rows.every((r) => r.length === 1)) return m.rows.map((r) => r[0] as Item);
  return undefined;
}
