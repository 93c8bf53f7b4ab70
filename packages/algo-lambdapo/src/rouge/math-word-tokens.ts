/** Tokens of a text and whether the cap cut them short. */
export interface TokenizedText {
  readonly tokens: string[];
  readonly truncated: boolean;
}

const CALCULATOR_ANNOTATION = /<<[^<>\n]*>>/g;
const TIMES = /\\(?:times|cdot|ast)(?![a-z])|[×·∗]/g;
const DIVIDE = /\\div(?![a-z])|÷/g;
const MINUS = /\u2212/g;
const TOKEN = /\p{L}+|\d+(?:,\d{3})*(?:\.\d+)?|[+\-*/=<>^%±≤≥≠]/gu;

/**
 * Lower-cased word tokens for math text, in order:
 * 1. lower-case; drop GSM8K calculator annotations `<<48/2=24>>`;
 * 2. map `\times`, `\cdot`, `\ast`, `×`, `·`, `∗` to `*`, `\div` and `÷` to `/`, `−` (U+2212) to `-`;
 * 3. tokens are maximal letter runs (`\p{L}+`, so `\frac` gives `frac`, `2x` gives `2`, `x`),
 *    numbers (`\d+` with optional `,ddd` thousands groups, removed, and one `.ddd` decimal part:
 *    `1,000.5` gives `1000.5`), and single operator characters `+ - * / = < > ^ % ± ≤ ≥ ≠`;
 *    everything else (whitespace, punctuation, brackets, `\`, `$`, `{}`) only separates.
 * So `7*3=21\n12+21=33` gives `7 * 3 = 21 12 + 21 = 33`.
 *
 * @param maxTokens keep at most this many tokens (the first ones).
 */
export function mathWordTokens(text: string, maxTokens = Number.POSITIVE_INFINITY): TokenizedText {
  const clean = text
    .toLowerCase()
    .replace(CALCULATOR_ANNOTATION, ' ')
    .replace(TIMES, ' * ')
    .replace(DIVIDE, ' / ')
    .replace(MINUS, ' - ');
  const tokens: string[] = [];
  for (const match of clean.matchAll(TOKEN)) {
    if (tokens.length >= maxTokens) return { tokens, truncated: true };
    const t = match[0];
    tokens.push(t.includes(',') ? t.replaceAll(',', '') : t);
  }
  return { tokens, truncated: false };
}
