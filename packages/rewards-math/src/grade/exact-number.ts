import { Rational } from '../rational/rational';

const INT = /^-?\d+$/;

/**
 * The exact value of a normalised answer written as a plain number: integer, decimal,
 * scientific (`1.2e5`, `1.2\times10^{5}`), `a/b`, `\frac{a}{b}` (optionally negated) or a mixed
 * number (`1\frac{4}{5}`). Undefined for anything else (irrationals, expressions).
 */
export function exactNumber(normalized: string): Rational | undefined {
  const s = normalized.replace(/\s+/g, '');
  if (s.length > 1200) return undefined;
  const plain = Rational.parse(s);
  if (plain) return plain;
  const sci = /^(-?\d*\.?\d+)(?:\\times|\\cdot|\*)10\^\{(-?\d{1,4})\}$/.exec(s);
  if (sci) {
    const mant = Rational.parse(sci[1] as string);
    return mant?.mul(Rational.of(10n).pow(BigInt(sci[2] as string)));
  }
  const slash = /^(-?\d+)\/(\d+)$/.exec(s);
  if (slash) return slash[2] === '0' ? undefined : Rational.of(BigInt(slash[1] as string), BigInt(slash[2] as string));
  const frac = /^(-?)(\d*)\\frac\{(-?\d+)\}\{(-?\d+)\}$/.exec(s);
  if (frac) {
    const [, sign, whole, num, den] = frac as unknown as [string, string, string, string, string];
    if (!INT.test(num) || !INT.test(den) || BigInt(den) === 0n) return undefined;
    let v = Rational.of(BigInt(num), BigInt(den));
    if (whole !== '') v = Rational.of(BigInt(whole)).add(v);
    return sign === '-' ? v.neg() : v;
  }
  return undefined;
}
