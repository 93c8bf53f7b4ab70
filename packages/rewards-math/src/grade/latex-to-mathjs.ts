/** A LaTeX scalar expression translated to mathjs syntax. */
export interface MathjsExpression {
  /** mathjs source, fully parenthesised, variables renamed to `v_<name>` (so none clash with mathjs units or constants). */
  readonly expr: string;
  /** Free variables (renamed), sorted. */
  readonly variables: readonly string[];
  /** Number of atoms and operators read: a size measure for bounding later work. */
  readonly size: number;
}

/** Translation limits: larger inputs are refused, which bounds every later layer. */
export const MAX_TRANSLATE_TOKENS = 400;
const MAX_DEPTH = 60;

const GREEK =
  'alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu xi omicron rho varrho sigma tau upsilon phi varphi chi psi omega Gamma Delta Theta Lambda Xi Sigma Upsilon Phi Psi Omega';
const GREEK_SET = new Set(GREEK.split(' '));
const FUNCTIONS: Readonly<Record<string, string>> = {
  sin: 'sin',
  cos: 'cos',
  tan: 'tan',
  cot: 'cot',
  sec: 'sec',
  csc: 'csc',
  arcsin: 'asin',
  arccos: 'acos',
  arctan: 'atan',
  sinh: 'sinh',
  cosh: 'cosh',
  tanh: 'tanh',
  ln: 'log',
  log: 'log10',
  exp: 'exp',
};
const INVERSE: Readonly<Record<string, string>> = { sin: 'asin', cos: 'acos', tan: 'atan' };
const INTEGER_EXPONENT = /^\(*-?\(*\d+\)*$/;

type Tok = { t: 'num' | 'let' | 'cmd' | 'sym'; v: string };

function tokenize(s: string): Tok[] | undefined {
  const out: Tok[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i] as string;
    if (c === ' ') {
      i++;
      continue;
    }
    const num = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+(?![a-zA-Z]))?/.exec(s.slice(i, i + 64));
    if (num) {
      out.push({ t: 'num', v: num[0] });
      i += num[0].length;
    } else if (/[a-zA-Z]/.test(c)) {
      out.push({ t: 'let', v: c });
      i++;
    } else if (c === '\\') {
      const m = /^\\(?:[a-zA-Z]+|[{}|])/.exec(s.slice(i, i + 40));
      if (!m) return undefined;
      out.push({ t: 'cmd', v: m[0].slice(1) });
      i += m[0].length;
    } else if ('+-*/^_()[]{}|!'.includes(c)) {
      out.push({ t: 'sym', v: c });
      i++;
    } else return undefined;
    if (out.length > MAX_TRANSLATE_TOKENS) return undefined;
  }
  return out;
}

class Fail extends Error {}

/** Recursive-descent reader of the LaTeX subset used by final answers; emits mathjs source. */
class Reader {
  private i = 0;
  private depth = 0;
  private absDepth = 0;
  readonly vars = new Set<string>();

  constructor(private readonly toks: readonly Tok[]) {}

  private peek(k = 0): Tok | undefined {
    return this.toks[this.i + k];
  }

  private is(t: Tok['t'], v?: string, k = 0): boolean {
    const tok = this.peek(k);
    return tok !== undefined && tok.t === t && (v === undefined || tok.v === v);
  }

  private expect(t: Tok['t'], v: string): void {
    if (!this.is(t, v)) throw new Fail();
    this.i++;
  }

  done(): boolean {
    return this.i >= this.toks.length;
  }

  expr(): string {
    if (++this.depth > MAX_DEPTH) throw new Fail();
    let out = this.term();
    while (this.is('sym', '+') || this.is('sym', '-')) {
      const op = (this.peek() as Tok).v;
      this.i++;
      out = `(${out} ${op} ${this.term()})`;
    }
    this.depth--;
    return out;
  }

  private startsAtom(): boolean {
    const tok = this.peek();
    if (!tok) return false;
    if (tok.t === 'num' || tok.t === 'let') return true;
    if (tok.t === 'sym') return tok.v === '(' || tok.v === '[' || tok.v === '{' || (tok.v === '|' && this.absDepth === 0);
    return !['cdot', 'times', 'div', 'pm', 'mp', 'cup', 'cap', 'le', 'ge', 'lt', 'gt', 'in', 'to'].includes(tok.v);
  }

  private mixedNumber(): string | undefined {
    const t = this.toks;
    const i = this.i;
    const ok =
      t[i]?.t === 'num' &&
      /^\d+$/.test(t[i]?.v ?? '') &&
      t[i + 1]?.t === 'cmd' &&
      t[i + 1]?.v === 'frac' &&
      t[i + 2]?.v === '{' &&
      t[i + 3]?.t === 'num' &&
      /^\d+$/.test(t[i + 3]?.v ?? '') &&
      t[i + 4]?.v === '}' &&
      t[i + 5]?.v === '{' &&
      t[i + 6]?.t === 'num' &&
      /^\d+$/.test(t[i + 6]?.v ?? '') &&
      t[i + 7]?.v === '}';
    if (!ok) return undefined;
    this.i += 8;
    return `(${t[i]?.v} + ${t[i + 3]?.v} / ${t[i + 6]?.v})`;
  }

  private term(): string {
    let out = this.mixedNumber() ?? this.unary();
    for (;;) {
      if (this.is('sym', '*') || this.is('cmd', 'cdot') || this.is('cmd', 'times')) {
        this.i++;
        out = `(${out} * ${this.unary()})`;
      } else if (this.is('sym', '/') || this.is('cmd', 'div')) {
        this.i++;
        out = `(${out} / ${this.unary()})`;
      } else if (this.startsAtom()) {
        out = `(${out} * ${this.power()})`;
      } else return out;
    }
  }

  private unary(): string {
    if (this.is('sym', '-')) {
      this.i++;
      return `(-${this.unary()})`;
    }
    if (this.is('sym', '+')) {
      this.i++;
      return this.unary();
    }
    return this.power();
  }

  private power(): string {
    const base = this.postfix();
    if (!this.is('sym', '^')) return base;
    this.i++;
    let exponent: string;
    if (this.is('sym', '-')) {
      this.i++;
      exponent = `(-${this.postfix()})`;
    } else exponent = this.postfix();
    // Integer literal exponents keep mathjs' `^`; any other goes through the real-branch power.
    return INTEGER_EXPONENT.test(exponent) ? `(${base} ^ ${exponent})` : `rpow(${base}, ${exponent})`;
  }

  private postfix(): string {
    let out = this.atom();
    while (this.is('sym', '!')) {
      this.i++;
      out = `factorial(${out})`;
    }
    return out;
  }

  private group(open: string, close: string): string {
    this.expect('sym', open);
    const inner = this.expr();
    this.expect('sym', close);
    return `(${inner})`;
  }

  private subscript(): string {
    if (!this.is('sym', '_')) return '';
    this.i++;
    if (this.is('sym', '{')) {
      this.i++;
      let name = '';
      while (!this.is('sym', '}')) {
        const tok = this.peek();
        if (!tok || (tok.t !== 'num' && tok.t !== 'let')) throw new Fail();
        name += tok.v;
        this.i++;
      }
      this.i++;
      return `_${name}`;
    }
    const tok = this.peek();
    if (!tok || (tok.t !== 'num' && tok.t !== 'let')) throw new Fail();
    this.i++;
    return `_${tok.v}`;
  }

  private variable(name: string): string {
    const v = `v_${name}${this.subscript()}`;
    this.vars.add(v);
    return v;
  }

  private functionArg(): string {
    if (this.is('sym', '(')) return this.group('(', ')');
    if (this.is('sym', '{')) return this.group('{', '}');
    let out = this.power();
    while (this.startsAtom() && !this.is('cmd')) out = `(${out} * ${this.power()})`;
    return out;
  }

  private command(name: string): string {
    if (name === 'frac') {
      const a = this.group('{', '}');
      return `(${a} / ${this.group('{', '}')})`;
    }
    if (name === 'binom') {
      const a = this.group('{', '}');
      return `binom(${a}, ${this.group('{', '}')})`;
    }
    if (name === 'sqrt') {
      if (this.is('sym', '[')) {
        const n = this.group('[', ']');
        const x = this.group('{', '}');
        const index = /^\(+(\d+)\)+$/.exec(n)?.[1];
        return index ? `nthRoot(${x}, ${index})` : `rpow(${x}, (1 / ${n}))`;
      }
      return `sqrt(${this.group('{', '}')})`;
    }
    if (name === 'pi') return 'pi';
    if (name === 'infty') return 'Infinity';
    if (name === '{') {
      const inner = this.expr();
      this.expect('cmd', '}');
      return `(${inner})`;
    }
    if (name === '|') {
      const inner = this.expr();
      this.expect('cmd', '|');
      return `abs(${inner})`;
    }
    if (GREEK_SET.has(name)) return this.variable(name);
    const fn = FUNCTIONS[name];
    if (fn) {
      if (name === 'log' && this.is('sym', '_')) {
        this.i++;
        const base = this.is('sym', '{') ? this.group('{', '}') : this.atom();
        return `log(${this.functionArg()}, ${base})`;
      }
      if (this.is('sym', '^')) {
        this.i++;
        const inv = INVERSE[name];
        if (inv && this.is('sym', '{') && this.is('sym', '-', 1) && this.is('num', '1', 2) && this.is('sym', '}', 3)) {
          this.i += 4;
          return `${inv}(${this.functionArg()})`;
        }
        const e = this.is('sym', '{') ? this.group('{', '}') : this.atom();
        return `(${fn}(${this.functionArg()}) ^ ${e})`;
      }
      return `${fn}(${this.functionArg()})`;
    }
    throw new Fail();
  }

  private atom(): string {
    const tok = this.peek();
    if (!tok) throw new Fail();
    this.i++;
    if (tok.t === 'num') {
      if (this.is('sym', '_')) throw new Fail();
      return `(${tok.v})`;
    }
    if (tok.t === 'let') {
      if ((tok.v === 'e' || tok.v === 'i') && !this.is('sym', '_')) return tok.v;
      return this.variable(tok.v);
    }
    if (tok.t === 'cmd') return this.command(tok.v);
    this.i--;
    if (tok.v === '(') return this.group('(', ')');
    if (tok.v === '[') return this.group('[', ']');
    if (tok.v === '{') return this.group('{', '}');
    if (tok.v === '|') {
      this.i++;
      this.absDepth++;
      const inner = this.expr();
      this.absDepth--;
      this.expect('sym', '|');
      return `abs(${inner})`;
    }
    throw new Fail();
  }
}

/**
 * Translate a normalised LaTeX scalar (see `normalizeAnswer`) into mathjs source: `\frac`,
 * `\sqrt` (and `\sqrt[n]`), `\binom`, `^` (non-integer exponents on the real branch where one
 * exists: `rpow`, so `x^{1/3}` is `\sqrt[3]{x}` at negative x too), `!`, `\pi`, `\infty`, `e`, `i`, implicit products
 * (`2\sqrt{3}`, `3R^2`), mixed numbers (`1\frac{4}{5}` = 1 + 4/5), `\cdot`/`\times`/`\div`,
 * `|x|`, trig/log functions (`\cot x`, `\sin^2 x`, `\log_2 8`), Greek letters and subscripted
 * variables. Returns undefined for anything else (relations, commas, unknown commands, more than
 * MAX_TRANSLATE_TOKENS tokens): such inputs are left to the other layers.
 */
export function latexToMathjs(latex: string): MathjsExpression | undefined {
  const toks = tokenize(latex);
  if (!toks || toks.length === 0) return undefined;
  const reader = new Reader(toks);
  try {
    const expr = reader.expr();
    if (!reader.done()) return undefined;
    return { expr, variables: [...reader.vars].sort(), size: toks.length };
  } catch (e) {
    if (e instanceof Fail) return undefined;
    throw e;
  }
}
