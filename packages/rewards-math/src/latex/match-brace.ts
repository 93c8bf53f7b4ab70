/**
 * Index of the `}` closing the `{` at `open` in `text`, counting nested braces and skipping
 * escaped `\{` / `\}`; -1 when `text[open]` is not `{` or the group never closes.
 */
export function matchBrace(text: string, open: number): number {
  if (text[open] !== '{') return -1;
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '{') depth++;
    else if (c === '}') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

/**
 * For every `{` in `text`, the index of its closing `}` (-1 when unclosed); other positions hold
 * -1. One linear pass, so callers that look up many groups stay O(n).
 */
export function braceMatches(text: string): Int32Array {
  const out = new Int32Array(text.length).fill(-1);
  const stack: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '{') stack.push(i);
    else if (c === '}') {
      const open = stack.pop();
      if (open !== undefined) out[open] = i;
    }
  }
  return out;
}
