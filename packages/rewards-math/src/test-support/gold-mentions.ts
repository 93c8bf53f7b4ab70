import { gradeAnswer } from '../grade/grade-answer';

const UNITS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
const TEENS = ['ten', 'eleven', 'twelve', 'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen'];
const TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];
const NUMBER_WORD = [...UNITS, ...TEENS, ...TENS.filter(Boolean), 'hundred', 'thousand', 'million'].join('|');

/** English spellings of 0..999 (`twenty-four`, `twenty four`, `one hundred and five`, `one hundred five`). */
function spellings(n: number): string[] {
  const below100 = (k: number): string[] => {
    if (k < 10) return [UNITS[k] as string];
    if (k < 20) return [TEENS[k - 10] as string];
    const t = TENS[Math.floor(k / 10)] as string;
    return k % 10 === 0 ? [t] : [`${t}-${UNITS[k % 10]}`, `${t} ${UNITS[k % 10]}`];
  };
  if (n < 100) return below100(n);
  const h = `${UNITS[Math.floor(n / 100)]} hundred`;
  if (n % 100 === 0) return [h];
  return below100(n % 100).flatMap((r) => [`${h} and ${r}`, `${h} ${r}`]);
}

/**
 * Every place where `text` writes the numeric `gold`, found independently of the leak guards (for
 * tests): each number token (thousands commas, decimals, `.5`, a trailing `%`), fraction `a/b`,
 * `\frac{a}{b}` and `\boxed{}` content is graded against the gold with `gradeAnswer` (signs
 * ignored), and integer golds below 1000 are also searched as English words. Ordered-list
 * markers at a line start are skipped.
 */
export function goldMentions(text: string, gold: string): string[] {
  const g = gold.trim().replace(/^-/, '');
  const found: string[] = [];
  const check = (candidate: string) => {
    const c = candidate.trim().replace(/^[-+]/, '');
    if (c && gradeAnswer(g, c, { timeoutMs: 200 }).correct) found.push(candidate);
  };
  for (const m of text.matchAll(/\\boxed\{([^{}]*)\}/g)) check(m[1] as string);
  for (const m of text.matchAll(/\\[dt]?frac\{(\d+)\}\{(\d+)\}/g)) check(`${m[1]}/${m[2]}`);
  for (const m of text.matchAll(/\d+(?:\.\d+)?\s*\/\s*\d+(?:\.\d+)?/g)) check(m[0]);
  const body = text
    .split('\n')
    .map((l) => l.replace(/^\s*\d+[.)](?=\s)/, ''))
    .join('\n');
  for (const m of body.matchAll(/(?<![\d.])(?:\d[\d,]*(?:\.\d+)?|\.\d+)%?/g)) check(m[0].replace(/,+$/, ''));
  const n = Number(g);
  if (Number.isInteger(n) && n >= 0 && n < 1000) {
    for (const form of spellings(n)) {
      const re = new RegExp(`(?<![a-z])(?<!(?:${NUMBER_WORD})[\\s-]+)${form}(?![\\s-]+(?:${NUMBER_WORD})\\b)(?![a-z])`, 'gi');
      for (const m of text.matchAll(re)) found.push(m[0]);
    }
  }
  return found;
}
