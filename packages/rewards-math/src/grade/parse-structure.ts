import { type RelationOp, splitRelation } from './parse-relation';

/**
 * The shape of a normalised answer. Scalars are compared by the scalar layers; everything else
 * by the structural layer, element by element.
 */
export type AnswerStructure =
  | { readonly kind: 'scalar'; readonly text: string }
  /** `(a, b, ...)` or `[a, b]` etc.: ordered; `open`/`close` matter (intervals). */
  | { readonly kind: 'tuple'; readonly open: '(' | '['; readonly close: ')' | ']'; readonly items: readonly AnswerStructure[] }
  /** `\{a, b\}`, a bare comma list `a, b`, or `a \pm b`: order-free. */
  | { readonly kind: 'set'; readonly items: readonly AnswerStructure[] }
  /** `A \cup B \cup ...`: order-free. */
  | { readonly kind: 'union'; readonly parts: readonly AnswerStructure[] }
  | { readonly kind: 'matrix'; readonly rows: readonly (readonly AnswerStructure[])[] }
  /** `lhs = rhs`; `variable` is set when `lhs` names the answer: a (subscripted) letter, `f(x)`, `(a, b)`, `AB`, `\angle ABC`. */
  | { readonly kind: 'equation'; readonly lhs: string; readonly rhs: string; readonly variable?: string }
  /** `a < b`, `y \ge 3`, `x \ne 0`, or a chain `1 \le y < 4`: `terms` has one more entry than `ops`. */
  | { readonly kind: 'relation'; readonly terms: readonly string[]; readonly ops: readonly RelationOp[] };

/** Most elements a structure may hold (in total); larger answers are refused. */
export const MAX_STRUCTURE_ITEMS = 64;
const MAX_NESTING = 8;

const OPENERS = new Set(['(', '[', '{']);
const CLOSERS = new Set([')', ']', '}']);

/**
 * Split `s` at top-level occurrences of `sep` (a literal string). Brackets `( [ {` and `\{ \}`,
 * `\begin..\end` count as nesting; mismatched bracket kinds still nest (intervals like `[0,1)`).
 * Returns undefined when brackets do not balance.
 */
export function splitTopLevel(s: string, sep: string): string[] | undefined {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (c === '\\') {
      if (s.startsWith('\\begin', i)) depth++;
      else if (s.startsWith('\\end', i)) depth--;
      else if (s[i + 1] === '{') depth++;
      else if (s[i + 1] === '}') depth--;
      if (depth === 0 && s.startsWith(sep, i)) {
        parts.push(s.slice(start, i));
        start = i + sep.length;
        i += sep.length - 1;
        continue;
      }
      if (s[i + 1] === '{' || s[i + 1] === '}') i++;
      continue;
    }
    if (OPENERS.has(c)) depth++;
    else if (CLOSERS.has(c)) depth--;
    if (depth < 0) return undefined;
    if (depth === 0 && s.startsWith(sep, i)) {
      parts.push(s.slice(start, i));
      start = i + sep.length;
      i += sep.length - 1;
    }
  }
  if (depth !== 0) return undefined;
  parts.push(s.slice(start));
  return parts.map((p) => p.trim());
}

/** True when the bracket opened at index 0 closes at the last character. */
function wrapsWhole(s: string): boolean {
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (c === '\\') {
      i++;
      continue;
    }
    if (OPENERS.has(c)) depth++;
    else if (CLOSERS.has(c)) {
      depth--;
      if (depth === 0) return i === s.length - 1;
    }
  }
  return false;
}

/** A named answer: `x`, `x_1`, `\theta`, `f(x)`, a tuple of letters `(a, b)`, a segment or angle (`AB`, `\angle ABC`). */
const SIMPLE_VARIABLE =
  /^(?:(?:[a-zA-Z]|\\[a-zA-Z]+)(?:_\{?[a-zA-Z0-9]+\}?)?(?:\s*\(\s*[a-zA-Z]\s*\))?|\(\s*[a-zA-Z](?:\s*,\s*[a-zA-Z])+\s*\)|(?:m?\s*\\angle\s*)?[A-Z]{2,4})$/;
const MATRIX = /^\\begin\{([pbvBV]?matrix|array)\}(?:\{[^{}]*\})?([\s\S]*)\\end\{\1\}$/;

class Builder {
  items = 0;

  parse(s: string, depth: number): AnswerStructure | undefined {
    s = s.trim();
    if (depth > MAX_NESTING || ++this.items > MAX_STRUCTURE_ITEMS) return undefined;
    const matrix = MATRIX.exec(s);
    if (matrix) {
      const rows = splitTopLevel(matrix[2] as string, '\\\\')?.filter((r) => r.length > 0);
      if (!rows) return undefined;
      const parsed: AnswerStructure[][] = [];
      for (const row of rows) {
        const cells = splitTopLevel(row, '&');
        if (!cells) return undefined;
        const out: AnswerStructure[] = [];
        for (const cell of cells) {
          const item = this.parse(cell, depth + 1);
          if (!item) return undefined;
          out.push(item);
        }
        parsed.push(out);
      }
      return { kind: 'matrix', rows: parsed };
    }
    const union = splitTopLevel(s, '\\cup');
    if (union && union.length > 1) return this.list(union, depth, (parts) => ({ kind: 'union', parts }));
    const commas = splitTopLevel(s, ',');
    if (commas && commas.length > 1) return this.list(commas, depth, (items) => ({ kind: 'set', items: flattenSets(items) }));
    const relation = splitRelation(s);
    if (relation === null) return undefined;
    if (relation) {
      if (relation.terms.some((t) => (splitTopLevel(t, '=')?.length ?? 2) > 1)) return undefined;
      return { kind: 'relation', terms: relation.terms, ops: relation.ops };
    }
    const eq = splitTopLevel(s, '=');
    if (eq && eq.length === 2) {
      const [lhs, rhs] = eq as [string, string];
      if (!lhs || !rhs) return undefined;
      return SIMPLE_VARIABLE.test(lhs)
        ? { kind: 'equation', lhs, rhs, variable: lhs.replace(/\s+/g, '') }
        : { kind: 'equation', lhs, rhs };
    }
    if (eq && eq.length > 2) return undefined;
    if (s.startsWith('\\{') && s.endsWith('\\}')) {
      const inner = s.slice(2, -2).trim();
      if (inner === '') return { kind: 'set', items: [] };
      const parts = splitTopLevel(inner, ',');
      if (!parts) return undefined;
      return this.list(parts, depth, (items) => ({ kind: 'set', items: flattenSets(items) }));
    }
    const first = s[0];
    const last = s[s.length - 1];
    if ((first === '(' || first === '[') && (last === ')' || last === ']') && wrapsWhole(s)) {
      const parts = splitTopLevel(s.slice(1, -1), ',');
      if (!parts) return undefined;
      if (parts.length === 1)
        return first === '(' && last === ')' ? this.parse(parts[0] as string, depth + 1) : { kind: 'scalar', text: s };
      return this.list(parts, depth, (items) => ({ kind: 'tuple', open: first, close: last, items }));
    }
    const pm = splitPlusMinus(s);
    if (pm) return { kind: 'set', items: pm.map((text) => ({ kind: 'scalar', text })) };
    return { kind: 'scalar', text: s };
  }

  private list(
    parts: readonly string[],
    depth: number,
    make: (items: AnswerStructure[]) => AnswerStructure,
  ): AnswerStructure | undefined {
    const items: AnswerStructure[] = [];
    for (const p of parts) {
      if (p === '') return undefined;
      const item = this.parse(p, depth + 1);
      if (!item) return undefined;
      items.push(item);
    }
    return make(items);
  }
}

/** Elements of a set that are themselves `a \pm b` sets are spread into the outer set. */
function flattenSets(items: AnswerStructure[]): AnswerStructure[] {
  return items.flatMap((it) => (it.kind === 'set' ? it.items : [it]));
}

/** `a \pm b` -> [`a+b`, `a-b`] (one top-level `\pm` or `\mp`); `\pm b` -> [`b`, `-b`]. */
function splitPlusMinus(s: string): string[] | undefined {
  for (const [cmd, first, second] of [
    ['\\pm', '+', '-'],
    ['\\mp', '-', '+'],
  ] as const) {
    const parts = splitTopLevel(s, cmd);
    if (parts?.length !== 2) continue;
    const [a, b] = parts as [string, string];
    if (!b) return undefined;
    if (!a) return [first === '+' ? b : `-(${b})`, second === '+' ? b : `-(${b})`];
    return [`${a}${first}(${b})`, `${a}${second}(${b})`];
  }
  return undefined;
}

/**
 * Parse a normalised answer (see `normalizeAnswer`) into its structure: matrix
 * (`\begin{pmatrix}`), union (`\cup`), comma list (order-free set), relation or chain of
 * relations (`y \le 3`, `1 \le y < 4`; see `splitRelation`), equation (`lhs = rhs`),
 * `\{...\}` set, bracketed tuple/interval, `a \pm b`, or scalar. Undefined when brackets do
 * not balance or the answer has more than MAX_STRUCTURE_ITEMS parts.
 */
export function parseStructure(normalized: string): AnswerStructure | undefined {
  return new Builder().parse(normalized, 0);
}
