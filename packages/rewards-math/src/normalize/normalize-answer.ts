import { canonicalArgs } from './canonical-args';

/** Inputs longer than this (UTF-16 units) are only trimmed: every later step is linear, but bounded anyway. */
export const MAX_NORMALIZE_LENGTH = 2000;

const UNICODE: readonly [RegExp, string][] = [
  [/[\u2212\u2012\u2013\u2014]/g, '-'],
  [/\u00d7/g, '\\times '],
  [/\u00f7/g, '\\div '],
  [/[\u00b7\u22c5]/g, '\\cdot '],
  [/\u03c0/g, '\\pi '],
  [/\u221e/g, '\\infty '],
  [/\u221a/g, '\\sqrt'],
  [/\u00b0/g, ''],
  [/[\u00a0\u2009\u202f]/g, ' '],
  [/[\u2264\u2a7d]/g, '\\le '],
  [/[\u2265\u2a7e]/g, '\\ge '],
  [/\u2260/g, '\\ne '],
];

/**
 * Every spelling of a relation mapped to one of `<`, `>`, `\le`, `\ge`, `\ne` (the forms
 * `parseStructure` reads). Applied in order: `<=` before a later step could read its `=`.
 */
const RELATIONS: readonly [RegExp, string][] = [
  [/<=|=</g, ' \\le '],
  [/>=/g, ' \\ge '],
  [/!=|\\not\s*=/g, ' \\ne '],
  [/\\(?:leqslant|leqq|leq|le)(?![a-zA-Z])/g, ' \\le '],
  [/\\(?:geqslant|geqq|geq|ge)(?![a-zA-Z])/g, ' \\ge '],
  [/\\(?:neq|ne)(?![a-zA-Z])/g, ' \\ne '],
  [/\\lt(?![a-zA-Z])/g, ' < '],
  [/\\gt(?![a-zA-Z])/g, ' > '],
];

/** Plain words that are units (or currency) when they trail a number. */
const UNIT_WORDS = new Set(
  (
    'dollar dollars cent cents usd euro euros degree degrees deg radian radians unit units ' +
    'sq square cubic cm mm km m2 cm2 meter meters metre metres kilometer kilometers inch inches ft foot feet ' +
    'yard yards mile miles mph kph hour hours hr hrs minute minutes min mins second seconds sec secs ' +
    'day days week weeks month months year years gram grams kg kilogram kilograms pound pounds lb lbs ounce ounces oz ' +
    'liter liters litre litres ml gallon gallons percent people students times points marbles apples eggs'
  ).split(' '),
);

const TEXT_COMMANDS = /\\(?:text|textbf|textit|textrm|textnormal|mbox|mathrm|mathbf|mathit|operatorname|hbox)\s*\{([^{}]*)\}/g;
const ROW_BREAK = '\u0001';
const ROW_BREAK_ALL = new RegExp(ROW_BREAK, 'g');
const UNIT_GROUP = /^\s*[a-zA-Z][a-zA-Z .]*$/;

function stripTextGroups(s: string): string {
  // A \text{...} after other content whose body is words is a unit: drop it (with a trailing ^2).
  s = s.replace(
    /(\S)\s*\\(?:text|mbox|mathrm|textrm|hbox)\s*\{([^{}]*)\}(\s*\^\s*\{?\s*[23]\s*\}?)?\s*$/,
    (all, before: string, body: string) => (UNIT_GROUP.test(body) ? before : all),
  );
  return s.replace(TEXT_COMMANDS, (_all, body: string) => body);
}

function stripUnitWords(s: string): string {
  const m = /^(.*?[\d}).])(\s*[a-zA-Z]+\.?(?:\s+[a-zA-Z]+\.?)*)(\s*\^\s*\{?[23]\}?)?$/.exec(s);
  if (!m) return s;
  const before = m[1] as string;
  const words = (m[2] as string).trim().split(/\s+/);
  if (/\\[a-zA-Z]*$/.test(before)) return s;
  if (!/\s$/.test(before) && !/^\s/.test(m[2] as string)) return s;
  const known = words.every((w) => UNIT_WORDS.has(w.replace(/\.$/, '').toLowerCase()));
  const nouns = /^-?[\d,]*\.?\d+$/.test(before.trim()) && words.every((w) => /^[a-z]{3,}\.?$/.test(w));
  return known || nouns ? before : s;
}

function stripDelimiters(s: string): string {
  s = s.trim();
  for (;;) {
    const before = s;
    if (/^\$[^$]*\$$/.test(s)) s = s.slice(1, -1).trim();
    else if (/^\$\$[\s\S]*\$\$$/.test(s)) s = s.slice(2, -2).trim();
    else if (/^\\\([\s\S]*\\\)$/.test(s) || /^\\\[[\s\S]*\\\]$/.test(s)) s = s.slice(2, -2).trim();
    if (s === before) return s;
  }
}

/**
 * Canonical text of an answer for comparison. Removes `$` delimiters, `\left`/`\right`, sizing
 * and spacing commands (`\!`, `\,`, `\;`, `\quad`, `~`), `\displaystyle`, degree marks
 * (`^\circ`), `\%`, `\$`, units (a trailing `\text{...}`/`\mbox{...}` of words, or known unit
 * words such as `dollars`, `cm`), `\text{}`-style wrappers (keeping their content), a leading
 * `x \in` (`\lambda \in`, `x_1 \in`),
 * alignment `&` outside environments, a trailing period, thousands separators when unambiguous (`1,234`, `10,\!080`, `1{,}000`; not
 * `21, 456`, a list); maps `\dfrac`/`\tfrac`/`\cfrac` to `\frac`, " or "/" and "/`\lor` to
 * commas, every relation spelling (`\leq`, `<=`, `≤`, `\geqslant`, `!=`, `\neq`, `\lt`, ...) to
 * `<`, `>`, `\le`, `\ge`, `\ne`, and braces the arguments of `\frac`, `\sqrt`, `^`, `_`.
 * Whitespace is collapsed to single spaces (use `compactAnswer` to drop it).
 */
export function normalizeAnswer(raw: string): string {
  let s = raw.trim();
  if (s.length > MAX_NORMALIZE_LENGTH) return s;
  for (const [re, to] of UNICODE) s = s.replace(re, to);
  s = stripDelimiters(s);
  s = s.replace(/\\\\/g, ROW_BREAK);
  // Thousands marks written as such (`10,\!080`, `1{,}000`) stay thousands marks once spacing goes.
  s = s.replace(/(\d)(?:,\s*\\!\s*|\{,\})(?=\d{3}(?!\d))/g, '$1,');
  for (const [re, to] of RELATIONS) s = s.replace(re, to);
  s = s.replace(/\\(?:displaystyle|textstyle|scriptstyle)\b/g, '');
  s = s.replace(/\\(?:left|right|bigl|bigr|Bigl|Bigr|biggl|biggr|Biggl|Biggr|big|Big|bigg|Bigg)(?![a-zA-Z])\s*\.?/g, '');
  s = s.replace(/\\(?:hspace|vspace)\*?\s*\{[^{}]*\}/g, ' ');
  s = s.replace(/\\(?:quad|qquad|enspace|thinspace|medspace|thickspace|negthinspace)(?![a-zA-Z])/g, ' ');
  s = s.replace(/\\[,;:! ]/g, ' ').replace(/~/g, ' ');
  s = s
    .replace(/\\cfrac(?![a-zA-Z])(?:\s*\[[lrc]\])?|\\[dt]frac(?![a-zA-Z])/g, '\\frac')
    .replace(/\\[dt]binom(?![a-zA-Z])/g, '\\binom');
  s = s.replace(/\^\s*\{\s*\\circ\s*\}|\^\s*\\circ(?![a-zA-Z])|\\circ(?![a-zA-Z])|\\degree(?![a-zA-Z])/g, '');
  s = s.replace(/\\%|%/g, '');
  s = s.replace(/\\\$|\$/g, '');
  s = s.replace(/\\(?:text|mbox|mathrm|textrm)\s*\{\s*(?:or|and)\s*\}/g, ',');
  s = s.replace(/\s+(?:or|and)\s+|\\lor(?![a-zA-Z])/g, ',');
  s = stripTextGroups(s);
  s = s.replace(/\\(?:text|textbf|mathrm|mbox)\s*\{([^{}]*)\}/g, '$1');
  s = s.replace(/^\s*(?:[a-zA-Z]|\\[a-zA-Z]+)(?:_\{?[a-zA-Z0-9]+\}?)?\s*\\in(?![a-zA-Z])\s*/, '');
  s = s.replace(/\{,\}/g, ',');
  // Alignment marks of a display row (`x & = 2`) mean nothing outside an environment.
  if (!s.includes('\\begin')) s = s.replace(/&/g, ' ');
  s = s.replace(/\s+/g, ' ').trim();
  s = stripUnitWords(s).trim();
  s = s.replace(/[.\s]+$/, '').replace(/^\+/, '');
  s = canonicalArgs(s).replace(ROW_BREAK_ALL, ' \\\\ ');
  // Thousands separators only when unambiguous: `21,456` is a number, `21, 456` two answers.
  if (/^-?\d{1,3}(?:,\d{3})+(?:\.\d+)?$/.test(s)) s = s.replace(/,/g, '');
  return s.replace(/\s+/g, ' ').trim();
}

/** `normalizeAnswer` without any whitespace: the form the string layer compares. */
export function compactAnswer(raw: string): string {
  return normalizeAnswer(raw).replace(/\s+/g, '');
}
