import { compareRelations } from './compare-relation';
import { type CompareContext, compareScalar, type Verdict } from './compare-scalar';
import { type AnswerStructure, parseStructure } from './parse-structure';
import { proportionalRatio } from './proportional';

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
  return proportionalRatio(`(${g.lhs})-(${g.rhs})`, `(${p.lhs})-(${p.rhs})`, ctx) !== undefined;
}

/**
 * A list of equations in different variables (`x = 2, y = -2`) describes a point, not a set of
 * solutions: subscripts aside (`x_1 = 1, x_2 = 2` is one variable's roots), their names differ.
 */
function mixedVariables(items: readonly Item[]): boolean {
  const names = new Set(items.flatMap((it) => (it.kind === 'equation' && it.variable ? [it.variable.replace(/_.*$/, '')] : [])));
  return names.size > 1;
}

/** Right sides of two `v = ...` equations, each read as a structure (`x = \pm 2`, `x = 1, 2` stay sets). */
function sameRhs(gold: string, pred: string, same: (g: Item, p: Item) => boolean): boolean {
  const g = parseStructure(gold);
  const p = parseStructure(pred);
  return g !== undefined && p !== undefined && same(g, p);
}

/**
 * Compare two answer structures, gold first. Tuples and intervals: same length, same brackets,
 * elements in order. Sets, bare lists, `\pm` pairs and unions: order-free perfect matching.
 * Matrices: same shape, elementwise (a one-row or one-column matrix also matches a tuple).
 * Equations: `x = 3` matches `3` and `x = 3` (not `y = 3`), its right side read as a structure
 * (`x = \pm 2` is the set `{2, -2}`); general equations match when `lhs - rhs` are proportional.
 * Relations (inequalities, chains, `\ne`) go to `compareRelations`. A one-element set matches its
 * element; a gold scalar matches a list whose every element matches it. A gold `(a, b)` accepts
 * the bare list `a, b` in order; a gold list `a, b` does not accept `(a, b)` (it could be an interval).
 */
export function compareStructure(gold: Item, pred: Item, ctx: CompareContext): Verdict {
  const same = (g: Item, p: Item): boolean => compareStructure(g, p, ctx).correct;
  ctx.deadline.check();
  if (gold.kind === 'scalar' && pred.kind === 'scalar') return compareScalar(gold.text, pred.text, ctx);
  const yes = (correct: boolean): Verdict => ({ correct, method: 'structural' });

  if (gold.kind === 'set' && gold.items.length === 1 && pred.kind !== 'set') return yes(same(gold.items[0] as Item, pred));
  if (pred.kind === 'set' && pred.items.length === 1 && gold.kind !== 'set') return yes(same(gold, pred.items[0] as Item));
  const relation = compareRelations(gold, pred, ctx, same);
  if (relation) return relation;
  // Several answers that are all the gold (`\boxed{15\frac{39}{40}}, or \boxed{\frac{639}{40}}`) are the gold.
  if (gold.kind === 'scalar' && pred.kind === 'set' && pred.items.length > 1) return yes(pred.items.every((p) => same(gold, p)));
  if (gold.kind === 'equation' || pred.kind === 'equation') {
    if (gold.kind === 'equation' && pred.kind === 'equation') {
      if (gold.variable && pred.variable) {
        if (gold.variable !== pred.variable) return yes(false);
        return yes(sameRhs(gold.rhs, pred.rhs, same));
      }
      return yes(proportional(gold, pred, ctx));
    }
    // `x = 3` against `3`, `x = \pm 2` against `\{2, -2\}`, `A = \begin{pmatrix}...` against a matrix.
    if (gold.kind === 'equation') {
      const rhs = gold.variable === undefined ? undefined : parseStructure(gold.rhs);
      return yes(rhs !== undefined && same(rhs, pred));
    }
    if (pred.kind === 'equation') {
      const rhs = pred.variable === undefined ? undefined : parseStructure(pred.rhs);
      return yes(rhs !== undefined && same(gold, rhs));
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
      return yes(pred.kind === 'set' && !mixedVariables(pred.items) && matchAll(gold.items, pred.items, same));
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
