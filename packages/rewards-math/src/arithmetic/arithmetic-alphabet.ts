/**
 * Every character that can appear in an `arithmetic` prompt (default template) or reference
 * solution: digits, `+ - * /`, parentheses, `=`, `?`, newline, and the letters of `\boxed{}`.
 * A character tokenizer built from it covers the task exactly.
 */
export const ARITHMETIC_ALPHABET = '\n()*+-/0123456789=?\\bdeox{}';
