function gcd(a: bigint, b: bigint): bigint {
  a = a < 0n ? -a : a;
  b = b < 0n ? -b : b;
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

/** Largest |exponent| accepted by `pow` and by scientific-notation literals (keeps BigInt work bounded). */
export const MAX_EXACT_EXPONENT = 4096;

/**
 * Exact rational number `num / den` over BigInt, always reduced with `den > 0`. Used wherever
 * arithmetic must be exact (step checking, integer comparison), never floats.
 */
export class Rational {
  readonly num: bigint;
  readonly den: bigint;

  private constructor(num: bigint, den: bigint) {
    this.num = num;
    this.den = den;
  }

  /** `num / den` reduced; throws RangeError on a zero denominator. */
  static of(num: bigint | number, den: bigint | number = 1n): Rational {
    let n = BigInt(num);
    let d = BigInt(den);
    if (d === 0n) throw new RangeError('division by zero');
    if (d < 0n) {
      n = -n;
      d = -d;
    }
    const g = gcd(n, d);
    return g > 1n ? new Rational(n / g, d / g) : new Rational(n, d);
  }

  static readonly ZERO = Rational.of(0n);
  static readonly ONE = Rational.of(1n);

  /**
   * Parse a plain decimal literal: `-12`, `3.50`, `.5`, `1e3`, `2.5E-2`, with optional thousands
   * commas (`1,234.5`). Returns undefined for anything else.
   */
  static parse(text: string): Rational | undefined {
    const m = /^([+-]?)(\d{1,3}(?:,\d{3})+|\d*)(?:\.(\d*))?(?:[eE]([+-]?\d{1,5}))?$/.exec(text.trim());
    if (!m) return undefined;
    const intPart = (m[2] ?? '').replace(/,/g, '');
    const frac = m[3] ?? '';
    if (intPart === '' && frac === '') return undefined;
    const exp = m[4] ? Number(m[4]) : 0;
    if (Math.abs(exp) > MAX_EXACT_EXPONENT) return undefined;
    let num = BigInt(`${intPart || '0'}${frac}`);
    let den = 10n ** BigInt(frac.length);
    if (exp > 0) num *= 10n ** BigInt(exp);
    if (exp < 0) den *= 10n ** BigInt(-exp);
    if (m[1] === '-') num = -num;
    return Rational.of(num, den);
  }

  add(o: Rational): Rational {
    return Rational.of(this.num * o.den + o.num * this.den, this.den * o.den);
  }

  sub(o: Rational): Rational {
    return Rational.of(this.num * o.den - o.num * this.den, this.den * o.den);
  }

  mul(o: Rational): Rational {
    return Rational.of(this.num * o.num, this.den * o.den);
  }

  /** Throws RangeError when `o` is zero. */
  div(o: Rational): Rational {
    return Rational.of(this.num * o.den, this.den * o.num);
  }

  neg(): Rational {
    return new Rational(-this.num, this.den);
  }

  /** Integer power; throws RangeError when |e| > MAX_EXACT_EXPONENT or 0 is raised to a negative power. */
  pow(e: bigint): Rational {
    if (e > BigInt(MAX_EXACT_EXPONENT) || e < -BigInt(MAX_EXACT_EXPONENT)) throw new RangeError('exponent too large');
    if (e >= 0n) return Rational.of(this.num ** e, this.den ** e);
    return Rational.of(this.den ** -e, this.num ** -e);
  }

  equals(o: Rational): boolean {
    return this.num === o.num && this.den === o.den;
  }

  isInteger(): boolean {
    return this.den === 1n;
  }

  isZero(): boolean {
    return this.num === 0n;
  }

  /** Nearest double (may lose precision for huge values). */
  toNumber(): number {
    return Number(this.num) / Number(this.den);
  }

  /** `12`, `-7/3`: integers plainly, other values as a reduced fraction. */
  toString(): string {
    return this.den === 1n ? this.num.toString() : `${this.num}/${this.den}`;
  }

  /**
   * Plain text for a person: integers plainly, terminating decimals as decimals (`2.5`), other
   * values as a fraction (`7/3`).
   */
  toDisplay(): string {
    if (this.den === 1n) return this.num.toString();
    let d = this.den;
    let twos = 0;
    let fives = 0;
    while (d % 2n === 0n) {
      d /= 2n;
      twos++;
    }
    while (d % 5n === 0n) {
      d /= 5n;
      fives++;
    }
    if (d !== 1n) return this.toString();
    const digits = Math.max(twos, fives);
    const scaled = (this.num * 10n ** BigInt(digits)) / this.den;
    const neg = scaled < 0n;
    const s = (neg ? -scaled : scaled).toString().padStart(digits + 1, '0');
    return `${neg ? '-' : ''}${s.slice(0, s.length - digits)}.${s.slice(s.length - digits)}`;
  }
}
