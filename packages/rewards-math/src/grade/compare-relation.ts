import type { CompareContext, Verdict } from './compare-scalar';
import type { RelationOp } from './parse-relation';
import type { AnswerStructure } from './parse-structure';
import { proportionalRatio } from './proportional';
import { type RelationSet, relationToSet } from './relation-interval';

type Item = AnswerStructure;
type Relation = Item & { kind: 'relation' };
type Same = (gold: Item, pred: Item) => boolean;

const isRelation = (s: Item): s is Relation => s.kind === 'relation';
const isRelationList = (s: Item): s is Item & { kind: 'set' } =>
  s.kind === 'set' && s.items.length > 1 && s.items.every(isRelation);
const STRICT = new Set<RelationOp>(['<', '>']);
const UPWARD = new Set<RelationOp>(['<', '\\le']);

/** `f op 0` with op `<` or `\le` for an inequality `lhs op rhs` (`>`/`\ge` flip the sides). */
function towardZero(rel: Relation): { f: string; strict: boolean } | undefined {
  const op = rel.ops[0] as RelationOp;
  if (op === '\\ne') return undefined;
  const [lhs, rhs] = rel.terms as [string, string];
  return { f: UPWARD.has(op) ? `(${lhs})-(${rhs})` : `(${rhs})-(${lhs})`, strict: STRICT.has(op) };
}

/** Two single relations with the same solution set by scaling: positively for inequalities, any factor for `\ne`. */
function scaledAlike(gold: Relation, pred: Relation, ctx: CompareContext): boolean {
  const g = gold.ops[0] as RelationOp;
  const p = pred.ops[0] as RelationOp;
  if (g === '\\ne' || p === '\\ne') {
    if (g !== p) return false;
    const [a, b] = gold.terms as [string, string];
    const [c, d] = pred.terms as [string, string];
    return proportionalRatio(`(${a})-(${b})`, `(${c})-(${d})`, ctx) !== undefined;
  }
  const a = towardZero(gold);
  const b = towardZero(pred);
  if (!a || !b || a.strict !== b.strict) return false;
  const r = proportionalRatio(a.f, b.f, ctx);
  return r !== undefined && r.re > 0 && Math.abs(r.im) <= 1e-9 * r.re;
}

/** A chain written with its smaller end first (`4 > y \ge 1` becomes `1 \le y < 4`). */
function ascending(rel: Relation): { terms: readonly string[]; strict: readonly boolean[] } | undefined {
  if (rel.ops.every((op) => UPWARD.has(op))) return { terms: rel.terms, strict: rel.ops.map((op) => STRICT.has(op)) };
  if (rel.ops.every((op) => op === '>' || op === '\\ge')) {
    return { terms: [...rel.terms].reverse(), strict: [...rel.ops].reverse().map((op) => STRICT.has(op)) };
  }
  return undefined;
}

/** Two chains term by term, after writing both ascending. */
function chainsAlike(gold: Relation, pred: Relation, same: Same): boolean {
  const a = ascending(gold);
  const b = ascending(pred);
  if (!a || !b || a.terms.length !== b.terms.length) return false;
  if (a.strict.some((s, i) => s !== b.strict[i])) return false;
  return a.terms.every((t, i) => same({ kind: 'scalar', text: t }, { kind: 'scalar', text: b.terms[i] as string }));
}

function relationsAlike(gold: Relation, pred: Relation, ctx: CompareContext, same: Same): boolean {
  const a = relationToSet(gold, ctx);
  const b = relationToSet(pred, ctx);
  if (a && b) return a.variable === b.variable && same(a.set, b.set);
  if (gold.ops.length === 1 && pred.ops.length === 1) return scaledAlike(gold, pred, ctx);
  return chainsAlike(gold, pred, same);
}

/** The interval (or union) a relation or an "or" list of relations in one variable describes. */
function asSet(s: Item, ctx: CompareContext): Item | undefined {
  if (isRelation(s)) return relationToSet(s, ctx)?.set;
  if (!isRelationList(s)) return undefined;
  const parts: RelationSet[] = [];
  for (const item of s.items) {
    const got = relationToSet(item as Relation, ctx);
    if (!got || (parts[0] && parts[0].variable !== got.variable)) return undefined;
    parts.push(got);
  }
  return { kind: 'union', parts: parts.flatMap((p) => (p.set.kind === 'union' ? p.set.parts : [p.set])) };
}

const isIntervalLike = (s: Item): boolean => (s.kind === 'tuple' && s.items.length === 2) || s.kind === 'union';

/**
 * Comparisons that involve relations, gold first; undefined when neither side is a relation (or
 * an "or" list of relations). Two relations: when both read as sets of one variable (see
 * `relationToSet`), the same variable and the same set; otherwise two single relations match when
 * `lhs - rhs` are proportional (by a positive factor for inequalities, after writing `>` as `<`
 * with the sides swapped: `y \le 3`, `3 \ge y`, `-y \ge -3`, `2y \le 6` all match), and chains
 * match term by term once written ascending. A relation against an interval or a union (either
 * side) matches when it describes that set: `1 \le y < 4` is `[1, 4)`, `x < 1, x > 4` is
 * `(-\infty, 1) \cup (4, \infty)`. Against anything else a relation never matches.
 */
export function compareRelations(gold: Item, pred: Item, ctx: CompareContext, same: Same): Verdict | undefined {
  const goldRel = isRelation(gold) || isRelationList(gold);
  const predRel = isRelation(pred) || isRelationList(pred);
  if (!goldRel && !predRel) return undefined;
  const yes = (correct: boolean): Verdict => ({ correct, method: 'structural' });
  if (isRelation(gold) && isRelation(pred)) return yes(relationsAlike(gold, pred, ctx, same));
  if (goldRel && predRel) return undefined;
  if (goldRel && isIntervalLike(pred)) {
    const set = asSet(gold, ctx);
    return yes(set !== undefined && same(set, pred));
  }
  if (predRel && isIntervalLike(gold)) {
    const set = asSet(pred, ctx);
    return yes(set !== undefined && same(gold, set));
  }
  return yes(false);
}
