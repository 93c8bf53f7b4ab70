/**
 * Brace the arguments of `\frac`, `\binom`, `\sqrt`, `^` and `_` so that equivalent spellings
 * read the same: `\frac12` and `\frac 1 2` become `\frac{1}{2}`, `\sqrt2` becomes `\sqrt{2}`,
 * `x^2` becomes `x^{2}`, `204_5` becomes `204_{5}`. A digit run after `^`/`_` is read whole
 * (`2^10` is 2^{10}, as plain-text answers mean it), and `^-5` as `^{-5}`. Other text is copied unchanged.
 */
export function canonicalArgs(s: string): string {
  let out = '';
  let i = 0;
  const readArg = (): string | undefined => {
    while (s[i] === ' ') i++;
    const c = s[i];
    if (c === undefined || c === '}') return undefined;
    if (c === '{') {
      let depth = 0;
      const start = i;
      for (; i < s.length; i++) {
        if (s[i] === '\\') {
          i++;
          continue;
        }
        if (s[i] === '{') depth++;
        else if (s[i] === '}' && --depth === 0) {
          i++;
          return `{${canonicalArgs(s.slice(start + 1, i - 1))}}`;
        }
      }
      i = start + 1;
      return '{';
    }
    if (c === '\\') {
      const m = /^\\(?:[a-zA-Z]+|.)/.exec(s.slice(i, i + 40));
      const cmd = m ? m[0] : '\\';
      i += cmd.length;
      return `{${cmd}}`;
    }
    i++;
    return `{${c}}`;
  };
  while (i < s.length) {
    const c = s[i] as string;
    if (c === '\\') {
      const m = /^\\(?:[a-zA-Z]+|.)/.exec(s.slice(i, i + 40));
      const cmd = m ? m[0] : '\\';
      i += cmd.length;
      out += cmd;
      if (cmd === '\\frac' || cmd === '\\binom') {
        const a = readArg();
        const b = a === undefined ? undefined : readArg();
        out += (a ?? '') + (b ?? '');
      } else if (cmd === '\\sqrt') {
        while (s[i] === ' ') i++;
        if (s[i] === '[') {
          const close = s.indexOf(']', i);
          if (close > i) {
            out += s.slice(i, close + 1);
            i = close + 1;
          }
        }
        out += readArg() ?? '';
      }
      continue;
    }
    if (c === '^' || c === '_') {
      i++;
      while (s[i] === ' ') i++;
      const run = /^[+-]?\d+(?:\.\d+)?/.exec(s.slice(i, i + 40));
      if (run && (c === '^' || run[0][0] !== '-')) {
        i += run[0].length;
        out += `${c}{${run[0]}}`;
      } else out += c + (readArg() ?? '');
      continue;
    }
    out += c;
    i++;
  }
  return out;
}
