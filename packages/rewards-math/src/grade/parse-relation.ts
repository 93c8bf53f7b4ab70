/** A relation operator as `normalizeAnswer` spells it. */
export type RelationOp = '<' | '>' | '\\le' | '\\ge' | '\\ne';

/** `a op b` or a chain `a op b op c ...`: `terms` has one more entry than `ops`. */
export interface RelationParts {
  readonly terms: readonly string[];
  readonly ops: readonly RelationOp[];
}

const COMMANDS: readonly RelationOp[] = ['\\le', '\\ge', '\\ne'];

function commandAt(s: string, i: number): RelationOp | undefined {
  for (const op of COMMANDS) {
    if (s.startsWith(op, i) && !/[a-zA-Z]/.test(s[i + op.length] ?? '')) return op;
  }
  return undefined;
}

/**
 * Split a normalised answer at its top-level relation operators (`<`, `>`, `\le`, `\ge`, `\ne`;
 * brackets, `\{ \}` and `\begin..\end` nest). Undefined when it has none; `null` when it has some
 * but a side is empty or brackets do not balance (not a readable relation).
 */
export function splitRelation(s: string): RelationParts | null | undefined {
  const terms: string[] = [];
  const ops: RelationOp[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    let op: RelationOp | undefined;
    let width = 1;
    if (c === '\\') {
      if (s.startsWith('\\begin', i)) depth++;
      else if (s.startsWith('\\end', i)) depth--;
      else if (s[i + 1] === '{') depth++;
      else if (s[i + 1] === '}') depth--;
      op = depth === 0 ? commandAt(s, i) : undefined;
      if (!op) {
        if (s[i + 1] === '{' || s[i + 1] === '}') i++;
        continue;
      }
      width = op.length;
    } else if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    else if ((c === '<' || c === '>') && depth === 0) op = c;
    if (depth < 0) return null;
    if (!op) continue;
    terms.push(s.slice(start, i).trim());
    ops.push(op);
    start = i + width;
    i += width - 1;
  }
  if (ops.length === 0) return undefined;
  if (depth !== 0) return null;
  terms.push(s.slice(start).trim());
  return terms.some((t) => t === '') ? null : { terms, ops };
}
